"""Background jobs against faults: the database row is the truth, the broker only a doorbell (relief/jobs.py).

The worker tests start a Redis of their own (which they stop and start) and real workers on it; the
others drive the reconciler, the claim, cancel and time limits directly.
"""
import datetime as dt
import os
import signal
import time
from pathlib import Path
from unittest import mock

import pytest
from auditlog.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from households import models as hh
from imports import services
from imports.models import ImportBatch, ImportStatus
from ledgers.models import ExportStatus, LedgerExport
from relief import jobs, tempfiles
from relief.audit import AuditEvent
from tests.imports.helpers import HOUSEHOLD_HEADERS, csv_bytes, family, upload

DEAD_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connection refused at once


def _rows(households: int, start: int = 0) -> list[dict]:
    rows = []
    for n in range(start, start + households * 2, 2):
        rows += family(n, 2)
    return rows


def _upload(actor, households: int) -> ImportBatch:
    return services.batch_upload(actor=actor, kind="households",
                                 upload=upload(csv_bytes(HOUSEHOLD_HEADERS, _rows(households)), "名单.csv"))


def _wait_for(predicate, timeout: float, what: str, step: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"timed out waiting for {what}")


def _status(batch) -> tuple[str, str]:
    return tuple(ImportBatch.objects.filter(pk=batch.pk).values_list("status", "claim").get())


# ---------------------------------------------------------------- the real worker
@pytest.mark.worker
def test_broker_down_the_upload_answers_and_the_job_runs_when_the_broker_returns(
        worker_factory, private_redis, demo, client, settings):
    """With Redis down the upload answers at once and says it is queued; once Redis and a worker are
    back the dry run runs with nobody acting."""
    settings.RELIEF_IMPORT_SYNC_MAX_ROWS = 5
    worker_factory.point_at(private_redis.url)  # not started yet: the broker is down
    client.force_login(demo.township1)
    started = time.monotonic()
    response = client.post(reverse("imports:index"), {
        "kind": "households", "file": upload(csv_bytes(HOUSEHOLD_HEADERS, _rows(30)), "名单.csv")})
    assert time.monotonic() - started < 10
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    assert _status(batch) == (ImportStatus.VALIDATING, "")
    page = client.get(response.url).content.decode()
    assert "排队中，等待后台处理" in page and 'data-testid="job-waiting"' in page

    private_redis.start()
    worker_factory.start(private_redis.url)
    _wait_for(lambda: _status(batch)[0] == ImportStatus.READY, 45, "the dry run after the broker came back")
    batch.refresh_from_db()
    assert (batch.total_rows, batch.new_count, batch.attempts) == (60, 60, 1)


@pytest.mark.worker
def test_a_worker_killed_mid_import_is_replaced_and_the_import_happens_exactly_once(
        worker_factory, private_redis, demo, settings):
    settings.RELIEF_JOB_STALE_SECONDS = 3
    private_redis.start()
    worker_factory.point_at(private_redis.url)
    batch = _upload(demo.township1, 1500)
    services.batch_validate(batch_id=batch.pk)
    services.batch_confirm(actor=demo.township1, batch=batch)
    first = worker_factory.start(private_redis.url, "first")
    from imports.tasks import import_batch

    assert jobs.ring(import_batch, batch.pk)
    _wait_for(lambda: _status(batch)[0] == ImportStatus.IMPORTING, 30, "the first worker to claim the import",
              step=0.01)
    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    assert _status(batch)[0] == ImportStatus.IMPORTING  # shown as running: nothing has noticed yet
    assert hh.Member.objects.count() == 0  # the import's one transaction died with the worker

    time.sleep(settings.RELIEF_JOB_STALE_SECONDS + 0.5)  # its heartbeat is now stale
    worker_factory.start(private_redis.url, "second")  # at start it reconciles: restarts the dead import
    _wait_for(lambda: _status(batch)[0] == ImportStatus.DONE, 50, "the import to be done by the second worker")
    batch.refresh_from_db()
    assert batch.attempts == 2
    assert hh.Household.objects.count() == 1500 and hh.Member.objects.count() == 3000
    assert hh.HouseholdEvent.objects.filter(source_ref=batch.source_ref,
                                            kind=hh.EventKind.MEMBER_ADDED).count() == 3000
    assert LogEntry.objects.filter(additional_data__event=AuditEvent.IMPORT, additional_data__what="imported").count() == 1


@pytest.mark.worker
def test_cancel_stops_a_running_dry_run(worker_factory, private_redis, demo, settings):
    private_redis.start()
    worker_factory.point_at(private_redis.url)
    worker = worker_factory.start(private_redis.url)
    batch = _upload(demo.township1, 4000)
    from imports.tasks import validate_batch

    assert jobs.ring(validate_batch, batch.pk)
    _wait_for(lambda: _status(batch)[1] != "", 40, "the worker to claim the dry run", step=0.01)
    services.batch_cancel(actor=demo.township1, batch=batch)
    log = _wait_for(lambda: "succeeded" in worker_factory.log_of(worker) and worker_factory.log_of(worker), 30,
                    "the dry run to stop")
    assert "'cancelled'" in log
    batch.refresh_from_db()
    # It stopped between chunks: no counts, no preview, no plan, and the file is gone.
    assert batch.status == ImportStatus.CANCELLED and batch.total_rows == 0 and not batch.preview
    assert not batch.file


# ---------------------------------------------------------------- enqueueing never fails a request
def test_enqueue_with_the_broker_down_logs_and_returns(settings, caplog):
    from relief.celery import app, ping

    app.conf.task_always_eager = False
    from tests.conftest import point_app_at_broker

    previous = app.conf.broker_url
    point_app_at_broker(DEAD_BROKER)
    try:
        started = time.monotonic()
        assert jobs.ring(ping, "x") is False
        assert time.monotonic() - started < 5
    finally:
        point_app_at_broker(previous)
        app.conf.task_always_eager = True
    assert "waits for the reconciler" in caplog.text


def test_export_with_the_broker_down_is_saved_and_shown_queued(client, demo, settings):
    from relief.celery import app
    from tests.conftest import point_app_at_broker

    settings.RELIEF_LEDGER_ASYNC_ROWS = -1
    client.force_login(demo.township1)
    previous = app.conf.broker_url
    app.conf.task_always_eager = False
    point_app_at_broker(DEAD_BROKER)
    try:
        month = f"{timezone.localdate():%Y-%m}"
        response = client.post(reverse("ledgers:export"), {"kind": "roster", "jurisdiction": demo.village_a.pk,
                                                           "month_from": month, "month_to": month})
    finally:
        point_app_at_broker(previous)
        app.conf.task_always_eager = True
    if response.status_code == 200:  # the form asked for other fields: say which, rather than pass quietly
        pytest.fail(response.content.decode()[:2000])
    job = LedgerExport.objects.get()
    assert response.status_code == 302 and job.status == ExportStatus.PENDING and job.claim == ""
    page = client.get(response.url).content.decode()
    assert "排队中" in page and 'data-testid="cancel-job"' in page


# ---------------------------------------------------------------- the reconciler
def _ringing():
    """Record the doorbells the reconciler rings instead of sending them."""
    return mock.patch("relief.jobs.ring", return_value=True)


def test_reconciler_rings_waiting_jobs_and_restarts_dead_ones(demo, settings):
    settings.RELIEF_JOB_STALE_SECONDS = 60
    now = timezone.now()
    waiting_long = _upload(demo.township1, 2)
    waiting_new = _upload(demo.township1, 3)
    dead = _upload(demo.township1, 4)
    alive = _upload(demo.township1, 5)
    ImportBatch.objects.filter(pk=waiting_long.pk).update(heartbeat_at=now - dt.timedelta(minutes=5))
    ImportBatch.objects.filter(pk=waiting_new.pk).update(heartbeat_at=now - dt.timedelta(seconds=5))
    ImportBatch.objects.filter(pk=dead.pk).update(status=ImportStatus.IMPORTING, claim="a" * 32, attempts=1,
                                                  heartbeat_at=now - dt.timedelta(minutes=5))
    ImportBatch.objects.filter(pk=alive.pk).update(status=ImportStatus.IMPORTING, claim="b" * 32, attempts=1,
                                                   heartbeat_at=now - dt.timedelta(seconds=5))
    with _ringing() as ring:
        jobs.reconcile(now=now)
    rung = sorted(call.args[1] for call in ring.call_args_list)
    assert rung == sorted([waiting_long.pk, dead.pk])
    assert _status(dead) == (ImportStatus.QUEUED, "")  # back in the queue, to be claimed afresh
    assert _status(alive) == (ImportStatus.IMPORTING, "b" * 32)
    # At worker start every waiting row is rung, however recently it was queued.
    with _ringing() as ring:
        jobs.reconcile(at_start=True, now=now)
    assert {call.args[1] for call in ring.call_args_list} == {waiting_long.pk, waiting_new.pk, dead.pk}


def test_reconciler_gives_up_after_the_last_attempt(demo, settings):
    batch = _upload(demo.township1, 2)
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportStatus.IMPORTING, claim="a" * 32, attempts=settings.RELIEF_JOB_MAX_ATTEMPTS,
        heartbeat_at=timezone.now() - dt.timedelta(hours=1))
    with _ringing() as ring:
        jobs.reconcile()
    batch.refresh_from_db()
    assert not ring.called and batch.status == ImportStatus.FAILED and batch.message == str(jobs.GAVE_UP)


def test_reconcile_task_is_scheduled_by_beat(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["relief-reconcile-jobs"]
    assert entry["task"] == "relief.reconcile_jobs"
    from relief.celery import app

    assert "relief.reconcile_jobs" in app.tasks


def test_a_claimed_job_cannot_be_claimed_twice_and_a_taken_over_run_stops(demo):
    from imports.tasks import VALIDATION_JOB

    batch = _upload(demo.township1, 2)
    run = jobs.claim(VALIDATION_JOB, batch.pk)
    assert run is not None and jobs.claim(VALIDATION_JOB, batch.pk) is None
    run.beat(force=True)
    # The reconciler judged it dead and handed it on: the old run's next beat stops it.
    ImportBatch.objects.filter(pk=batch.pk).update(claim="")
    other = jobs.claim(VALIDATION_JOB, batch.pk)
    with pytest.raises(jobs.JobStopped):
        run.beat(force=True)
    other.beat(force=True)
    assert ImportBatch.objects.get(pk=batch.pk).attempts == 2


def test_a_dead_import_may_be_confirmed_again_and_cancelled(demo, settings):
    batch = _upload(demo.township1, 2)
    services.batch_validate(batch_id=batch.pk)
    services.batch_confirm(actor=demo.township1, batch=batch)
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.IMPORTING, claim="a" * 32)
    with pytest.raises(services.ImportRefused):  # alive: its heartbeat is fresh
        services.batch_confirm(actor=demo.township1, batch=batch)
    ImportBatch.objects.filter(pk=batch.pk).update(heartbeat_at=timezone.now() - dt.timedelta(hours=1))
    batch.refresh_from_db()
    assert services.job_is_dead(batch)
    services.batch_confirm(actor=demo.township1, batch=batch)
    assert _status(batch) == (ImportStatus.QUEUED, "")
    services.batch_cancel(actor=demo.township1, batch=batch)
    assert _status(batch)[0] == ImportStatus.CANCELLED
    assert LogEntry.objects.filter(additional_data__event=AuditEvent.IMPORT, additional_data__what="cancelled",
                                   additional_data__was=ImportStatus.QUEUED).exists()


# ---------------------------------------------------------------- cancel
@pytest.mark.django_db(transaction=True)
def test_cancel_during_the_import_rolls_it_back(demo):
    """A cancel committed by someone else while the import's transaction runs is seen at its next beat
    (through the run's own connection) and nothing of the import is written."""
    from django.db import connection

    if connection.vendor == "sqlite":
        pytest.skip("SQLite lets no one commit while the import's transaction reads; PostgreSQL runs this")
    import threading

    batch = _upload(demo.township1, 3)
    services.batch_validate(batch_id=batch.pk)
    services.batch_confirm(actor=demo.township1, batch=batch)
    real_beat = jobs.JobRun.beat

    def cancel_elsewhere():
        from django.db import connection as own

        try:
            services.batch_cancel(actor=demo.township1, batch=ImportBatch.objects.get(pk=batch.pk))
        finally:
            own.close()

    def cancel_then_beat(self, *, force=False):
        if ImportBatch.objects.filter(pk=self.pk, status=ImportStatus.IMPORTING).exists():
            thread = threading.Thread(target=cancel_elsewhere)
            thread.start()
            thread.join()
        return real_beat(self, force=True)

    with mock.patch.object(jobs.JobRun, "beat", cancel_then_beat):
        result = services.batch_import(batch_id=batch.pk)
    assert result.status == ImportStatus.CANCELLED
    assert hh.Member.objects.count() == 0 and hh.Household.objects.count() == 0


def test_cancel_is_refused_outside_the_jurisdiction(demo):
    batch = _upload(demo.township1, 2)
    from django.http import Http404

    with pytest.raises(Http404):
        services.batch_cancel(actor=demo.township2, batch=batch)


def test_cancel_a_running_export_keeps_no_file(demo, client, settings):
    from ledgers import services as ledger_services
    from ledgers.reports import LedgerRequest

    ledger_request = LedgerRequest(user=demo.township1, kind="roster", jurisdiction=demo.village_a,
                                   start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31))
    with mock.patch("relief.jobs.ring", return_value=True):
        export = ledger_services.ledger_export_create(actor=demo.township1, ledger_request=ledger_request,
                                                      rows_total=10)
    client.force_login(demo.township1)
    response = client.post(reverse("ledgers:job_cancel", kwargs={"pk": export.pk}))
    assert response.status_code == 302
    export.refresh_from_db()
    assert export.status == ExportStatus.CANCELLED
    ledger_services.ledger_export_run(export_id=export.pk)  # a doorbell still in the queue does nothing
    export.refresh_from_db()
    assert export.status == ExportStatus.CANCELLED and not export.file
    assert LogEntry.objects.filter(additional_data__event=AuditEvent.EXPORT, additional_data__what="cancelled").count() == 1
    # Someone else's job does not exist for them.
    client.force_login(demo.township2)
    assert client.post(reverse("ledgers:job_cancel", kwargs={"pk": export.pk})).status_code == 404


def test_an_export_stopped_mid_write_leaves_no_file_behind(demo, settings):
    from ledgers import services as ledger_services
    from ledgers.reports import LedgerRequest
    from ledgers.tasks import EXPORT_JOB

    ledger_request = LedgerRequest(user=demo.township1, kind="roster", jurisdiction=demo.village_a,
                                   start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31))
    with mock.patch("relief.jobs.ring", return_value=True):
        export = ledger_services.ledger_export_create(actor=demo.township1, ledger_request=ledger_request,
                                                      rows_total=10)
    before = set(tempfiles.private_temp_dir().iterdir())

    def stopped(*args, **kwargs):
        LedgerExport.objects.filter(pk=export.pk).update(status=ExportStatus.CANCELLED, claim="")
        raise jobs.JobStopped(export.pk)

    with mock.patch("ledgers.services.write_workbook", side_effect=stopped):
        ledger_services.ledger_export_run(export_id=export.pk)
    export.refresh_from_db()
    assert export.status == ExportStatus.CANCELLED and not export.file
    assert set(tempfiles.private_temp_dir().iterdir()) == before
    assert jobs.claim(EXPORT_JOB, export.pk) is None


# ---------------------------------------------------------------- time limits
def test_every_task_has_soft_and_hard_time_limits(settings):
    from relief.celery import app

    app.loader.import_default_modules()
    ours = {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}
    assert {"imports.import_batch", "ledgers.run_ledger_export", "relief.reconcile_jobs"} <= set(ours)
    for name, task in ours.items():
        soft = task.soft_time_limit or settings.CELERY_TASK_SOFT_TIME_LIMIT
        hard = task.time_limit or settings.CELERY_TASK_TIME_LIMIT
        assert soft and hard and soft < hard, name


def test_soft_time_limit_marks_the_import_failed_in_chinese(demo):
    from celery.exceptions import SoftTimeLimitExceeded

    from imports.tasks import validate_batch

    batch = _upload(demo.township1, 2)
    with mock.patch("imports.services.batch_validate", side_effect=SoftTimeLimitExceeded()):
        assert validate_batch(batch.pk) == ImportStatus.FAILED
    batch.refresh_from_db()
    assert batch.status == ImportStatus.FAILED and "处理超时" in batch.message


def test_soft_time_limit_marks_the_export_failed_and_deletes_its_file(demo):
    from celery.exceptions import SoftTimeLimitExceeded

    from ledgers import services as ledger_services
    from ledgers.reports import LedgerRequest
    from ledgers.tasks import run_ledger_export

    ledger_request = LedgerRequest(user=demo.township1, kind="roster", jurisdiction=demo.village_a,
                                   start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31))
    with mock.patch("relief.jobs.ring", return_value=True):
        export = ledger_services.ledger_export_create(actor=demo.township1, ledger_request=ledger_request,
                                                      rows_total=10)
    with mock.patch("ledgers.services.write_workbook", side_effect=SoftTimeLimitExceeded()):
        run_ledger_export(str(export.pk))
    export.refresh_from_db()
    assert export.status == ExportStatus.FAILED and "处理超时" in export.error and not export.file


# ---------------------------------------------------------------- temporary files
def test_openpyxl_spools_under_the_private_media_root(settings):
    from openpyxl.worksheet import _writer

    path = Path(_writer.create_temporary_file(suffix=".xml"))
    try:
        assert path.parent == Path(settings.MEDIA_ROOT) / "tmp"
    finally:
        path.unlink(missing_ok=True)
    assert Path(settings.FILE_UPLOAD_TEMP_DIR) == Path(settings.MEDIA_ROOT) / "tmp"


def test_a_ledger_written_to_a_temp_file_spools_nowhere_else(demo, monkeypatch, tmp_path):
    """Even with the system temp folder elsewhere, writing a ledger leaves nothing there."""
    import tempfile

    from ledgers import services as ledger_services
    from ledgers.reports import LedgerRequest

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    ledger_request = LedgerRequest(user=demo.township1, kind="roster", jurisdiction=demo.village_a,
                                   start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31))
    path, _rows, _name = ledger_services.ledger_write_temp(ledger_request)
    try:
        assert path.parent == tempfiles.private_temp_dir()
    finally:
        path.unlink()
    assert list(tmp_path.iterdir()) == []


def test_purge_removes_orphaned_temp_files_only_when_old(db, settings, tmp_path):
    from ledgers.services import ledger_exports_purge

    settings.MEDIA_ROOT = tmp_path
    folder = tempfiles.private_temp_dir()
    old, fresh = folder / "openpyxl.orphan.xml", folder / "ledger-fresh.xlsx"
    old.write_text("310105198001010011")
    fresh.write_text("in use")
    hours_ago = time.time() - (settings.RELIEF_TEMP_ORPHAN_HOURS + 1) * 3600
    os.utime(old, (hours_ago, hours_ago))
    try:
        ledger_exports_purge()
        assert not old.exists() and fresh.exists()
    finally:
        old.unlink(missing_ok=True)
        fresh.unlink(missing_ok=True)


def test_admin_import_uploads_live_in_private_storage_and_expire(settings, tmp_path):
    from django.core.files.storage import default_storage
    from import_export.admin import ImportMixin

    settings.MEDIA_ROOT = tmp_path
    assert Path(default_storage.location) == tmp_path
    from imports.tmp_storage import ADMIN_IMPORT_FOLDER, PrivateImportStorage

    storage_class = ImportMixin().get_tmp_storage_class()
    assert storage_class is PrivateImportStorage
    storage = storage_class(encoding="utf-8", read_mode="rb")
    storage.save(b"310105198001010011")
    path = Path(settings.MEDIA_ROOT) / ADMIN_IMPORT_FOLDER / storage.name
    try:
        assert path.exists() and storage.read() == b"310105198001010011"
        assert services.admin_import_files_expire() == 0  # younger than an upload's lifetime
        later = time.time() + (settings.RELIEF_IMPORT_UPLOAD_TTL_HOURS + 1) * 3600
        assert services.admin_import_files_expire(now=later) == 1
        assert not path.exists()
    finally:
        path.unlink(missing_ok=True)
