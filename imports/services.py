"""Writes of the imports app: upload, dry run, confirm, cancel, expire — and the bulk write itself.

The dry run validates every row and keeps the resulting plan (the normalised rows, what is new and what
changes) in private storage next to the upload, signed with an HMAC of the SECRET_KEY and deleted with
the upload. The confirmed import runs in ONE transaction: it asks the database again the questions the
dry run asked (ID numbers taken since? households and members changed since? the importer's villages,
groups and caseworkers the same?) in a few set-based queries, and only if an answer differs — or the
plan is missing or fails its signature — reads and validates the whole file again, as it would without
a plan. Households, members, roster entries or feed records are then written in bulk (COPY on
PostgreSQL), with their HouseholdEvent rows and one audit entry, since bulk writes bypass model signals
(and so django-auditlog). Any error leaves the database as it was.
"""
from __future__ import annotations

import hashlib
import logging
import pickle
import zlib
from datetime import timedelta

from django.conf import settings
from django.core.files.base import File
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from relief import access, jobs, tempfiles
from relief.access import Action
from relief.audit import AuditEvent, audit_record
from relief.models import User

from .models import FEED_DEFAULT_DEPARTMENT, FeedRecord, ImportBatch, ImportKind, ImportStatus
from . import writers
from .reader import FileRejected, SheetReader, sniff
from .tasks import IMPORT_JOB, VALIDATION_JOB
from .validation import Context, Outcome, Reads, validate

log = logging.getLogger(__name__)
WRITE_BATCH = 1000
DEFAULT_SYNC_MAX_ROWS = 1000
DEFAULT_UPLOAD_TTL_HOURS = 24
PROGRESS_TIMEOUT = 6 * 3600


class ImportRefused(Exception):
    """An action the batch's state does not allow (confirming an invalid file, a second confirm)."""


def sync_max_rows() -> int:
    return int(getattr(settings, "RELIEF_IMPORT_SYNC_MAX_ROWS", DEFAULT_SYNC_MAX_ROWS))


def upload_ttl() -> timedelta:
    return timedelta(hours=float(getattr(settings, "RELIEF_IMPORT_UPLOAD_TTL_HOURS", DEFAULT_UPLOAD_TTL_HOURS)))


# ---------------------------------------------------------------- progress (read by the htmx-polled bar)
def _progress_key(batch_id: int) -> str:
    return f"imports:progress:{batch_id}"


def progress_set(batch_id: int, phase: str, done: int, total: int) -> None:
    from django.core.cache import caches
    from django.core.cache.backends.db import DatabaseCache

    cache = caches["default"]
    if isinstance(cache, DatabaseCache) and transaction.get_connection().in_atomic_block:
        # A database cache written inside the import's transaction is invisible until commit (and a
        # failed write would abort the transaction): without Redis the bar shows the phase only.
        return
    try:
        cache.set(_progress_key(batch_id), {"phase": phase, "done": done, "total": total}, PROGRESS_TIMEOUT)
    except Exception:  # progress is a courtesy: a cache outage must not fail the import
        log.warning("could not record import progress", exc_info=True)


def progress_get(batch_id: int) -> dict | None:
    from django.core.cache import cache

    try:
        return cache.get(_progress_key(batch_id))
    except Exception:
        return None


# ---------------------------------------------------------------- upload and dry run
def _sha256(upload) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in iter(lambda: upload.read(1024 * 1024), b""):
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def find_duplicate(*, actor: User, kind: str, sha256: str, exclude: int | None = None) -> ImportBatch | None:
    """An earlier upload of the same file (same kind) that the importer can see."""
    qs = ImportBatch.objects.filter(
        kind=kind, sha256=sha256, jurisdiction_id__in=access.jurisdiction_ids_for(actor, Action.IMPORT_DATA),
    ).exclude(status__in=[ImportStatus.REJECTED, ImportStatus.CANCELLED, ImportStatus.EXPIRED])
    if exclude:
        qs = qs.exclude(pk=exclude)
    return qs.order_by("-status", "-created_at").select_related("created_by").first()


@transaction.atomic
def batch_upload(*, actor: User, kind: str, upload, feed_kind: str = "", source_department: str = "",
                 data_date=None, request=None) -> ImportBatch:
    """Record the upload, keep the file in private storage and check it is a readable spreadsheet.

    A file that is not a spreadsheet is recorded as REJECTED (no file kept) with the reason. The dry
    run itself is started by the caller (`batch_validate` in the request, or the task for big files).
    """
    if actor.jurisdiction_id is None or not access.can(actor, Action.IMPORT_DATA, actor.jurisdiction_id):
        raise ImportRefused(_("您没有导入数据的权限。"))
    name = (getattr(upload, "name", "") or "upload").rsplit("/", 1)[-1][:255]
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, 2)
        size = upload.tell()
    batch = ImportBatch(kind=kind, jurisdiction_id=actor.jurisdiction_id, created_by=actor, file_name=name,
                        file_size=size, sha256="")
    if kind == ImportKind.FEED:
        batch.feed_kind = feed_kind
        batch.source_department = source_department or str(FEED_DEFAULT_DEPARTMENT.get(feed_kind, ""))
        batch.data_date = data_date
    try:
        if size > 0 and size <= _max_bytes():
            batch.sha256 = _sha256(upload)
        sniffed = sniff(upload, name, size)
    except FileRejected as exc:
        batch.status = ImportStatus.REJECTED
        batch.message = str(exc)
        batch.finished_at = timezone.now()
        batch.save()
        _audit(batch, actor, request, "rejected")
        return batch
    batch.file_format = sniffed.label
    batch.status = ImportStatus.VALIDATING
    duplicate = find_duplicate(actor=actor, kind=kind, sha256=batch.sha256)
    batch.duplicate_of = duplicate
    upload.seek(0)
    batch.file.save(batch.file_name, File(upload), save=False)
    try:
        batch.save()
    except Exception:
        _delete_file(batch.file.name)
        raise
    _audit(batch, actor, request, "uploaded")
    return batch


def _max_bytes() -> int:
    from .reader import max_upload_bytes

    return max_upload_bytes()


def _context(batch: ImportBatch, actor: User | None, on_progress=None) -> Context:
    user = actor or batch.created_by
    return Context(actor=user, village_ids=access.village_ids_for(user, Action.IMPORT_DATA), on_progress=on_progress)


def _read(batch: ImportBatch, context: Context, keep_plan: bool) -> tuple[Outcome, SheetReader | None]:
    handle = batch.file.open("rb")
    try:
        sniffed = sniff(handle, batch.file_name, batch.file_size)
        reader = SheetReader(handle, sniffed)
        try:
            outcome = validate(batch.kind, reader.rows(), context, keep_plan=keep_plan)
        finally:
            reader.close()
    except FileRejected as exc:
        outcome = Outcome(kind=batch.kind, file_error=str(exc))
    finally:
        handle.close()
    return outcome, None


# ---------------------------------------------------------------- the dry run's plan, kept for the confirm
PLAN_MAGIC = b"relief-import-plan-1\n"
PLAN_SALT = "imports.services.plan"


def plan_name(file_name: str) -> str:
    """The plan lives beside the upload it came from, so whatever deletes the upload deletes it too."""
    return f"{file_name}.plan"


def _plan_signature(payload: bytes) -> bytes:
    return salted_hmac(PLAN_SALT, payload, algorithm="sha256").digest()


def _save_plan(batch: ImportBatch, outcome: Outcome, context: Context) -> None:
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    if not batch.file.name or outcome.plan is None or outcome.reads is None:
        return
    payload = zlib.compress(pickle.dumps({
        "batch": batch.pk, "sha256": batch.sha256, "kind": batch.kind, "context": context.snapshot(),
        "reads": outcome.reads.seen, "plan": outcome.plan,
    }, protocol=pickle.HIGHEST_PROTOCOL), 1)
    name = plan_name(batch.file.name)
    try:
        if default_storage.exists(name):
            default_storage.delete(name)
        saved = default_storage.save(name, ContentFile(PLAN_MAGIC + _plan_signature(payload) + payload))
    except OSError:  # without a plan the confirm validates the file again: slower, never wrong
        log.warning("could not keep the plan of import %s", batch.pk, exc_info=True)
        return
    if saved != name:
        _delete_file(saved)


def _load_plan(batch: ImportBatch) -> dict | None:
    """The dry run's plan if it is there, intact (HMAC checked before unpickling) and this batch's own."""
    from django.core.files.storage import default_storage

    name = plan_name(batch.file.name) if batch.file.name else ""
    if not name:
        return None
    try:
        with default_storage.open(name, "rb") as handle:
            data = handle.read()
    except (OSError, FileNotFoundError):
        return None
    head = len(PLAN_MAGIC)
    signature, payload = data[head:head + 32], data[head + 32:]
    if not data.startswith(PLAN_MAGIC) or not constant_time_compare(signature, _plan_signature(payload)):
        log.warning("the plan of import %s fails its signature; validating the file again", batch.pk)
        return None
    try:
        saved = pickle.loads(zlib.decompress(payload))
    except Exception:  # signed by us but written by another release of the code: validate the file again
        log.warning("the plan of import %s cannot be read; validating the file again", batch.pk, exc_info=True)
        return None
    if not isinstance(saved, dict) or (saved.get("batch"), saved.get("sha256"), saved.get("kind")) != (
            batch.pk, batch.sha256, batch.kind):
        return None
    return saved


def _plan_still_holds(saved: dict, context: Context) -> bool:
    """Nothing the dry run depended on has changed: same context, every recorded read answers the same."""
    try:
        return context.matches(saved["context"]) and Reads(saved["reads"]).still_hold()
    except (KeyError, TypeError):  # a plan from another release of the code asks other questions
        return False


def estimated_rows(batch: ImportBatch) -> int:
    with batch.file.open("rb") as handle:
        try:
            reader = SheetReader(handle, sniff(handle, batch.file_name, batch.file_size))
            try:
                return reader.estimated_rows()
            finally:
                reader.close()
        except FileRejected:
            return 0


def runs_in_background(batch: ImportBatch) -> bool:
    return estimated_rows(batch) > sync_max_rows()


def _store_outcome(batch: ImportBatch, outcome: Outcome) -> None:
    batch.total_rows = outcome.total_rows
    batch.new_count, batch.updated_count, batch.unchanged_count = outcome.new, outcome.updated, outcome.unchanged
    batch.error_count = outcome.error_rows
    batch.matched_count, batch.unmatched_count = outcome.matched, outcome.unmatched
    batch.errors = outcome.errors
    batch.errors_truncated = outcome.errors_truncated
    batch.message = outcome.file_error
    batch.preview = {"headers": outcome.preview_headers, "rows": outcome.preview}


OUTCOME_FIELDS = ("total_rows", "new_count", "updated_count", "unchanged_count", "error_count", "matched_count",
                  "unmatched_count", "errors", "errors_truncated", "message", "preview")


def _outcome_values(batch: ImportBatch) -> dict:
    return {name: getattr(batch, name) for name in OUTCOME_FIELDS}


def batch_validate(*, batch_id: int) -> ImportBatch:
    """The dry run: read and check every row, store counts, errors and preview. Writes no data.

    Idempotent: a batch that is no longer waiting to be validated (or that another run holds) is returned
    as it is. Between chunks the run beats; a cancel stops it there.
    """
    batch = ImportBatch.objects.select_related("created_by").get(pk=batch_id)
    if batch.status != ImportStatus.VALIDATING:
        return batch
    run = jobs.claim(VALIDATION_JOB, batch_id)
    if run is None:
        return batch
    stored = batch.file.name
    try:
        with run:
            total = estimated_rows(batch)
            progress_set(batch.pk, "validate", 0, total)

            def on_progress(done):
                progress_set(batch.pk, "validate", done, total)
                run.beat()

            context = _context(batch, None, on_progress=on_progress)
            outcome, _reader = _read(batch, context, keep_plan=True)
            run.beat(force=True)
    except jobs.JobStopped:
        batch.refresh_from_db()
        return batch
    if outcome.ok:
        _save_plan(batch, outcome, context)
    _store_outcome(batch, outcome)
    batch.status = ImportStatus.READY if outcome.ok else ImportStatus.INVALID
    updated = run.held().update(status=batch.status, claim="", **_outcome_values(batch))
    progress_set(batch.pk, "validate", outcome.total_rows, outcome.total_rows)
    if not updated:  # cancelled meanwhile: its plan must not outlive the upload
        batch.refresh_from_db()
        if stored and not batch.file.name:
            _delete_file(plan_name(stored))
    return batch


# ---------------------------------------------------------------- confirm / cancel / expire
def job_is_dead(batch: ImportBatch, *, now=None) -> bool:
    """Shown as queued or running, but nothing has been heard of it for a stale period."""
    if batch.status not in (ImportStatus.VALIDATING, ImportStatus.QUEUED, ImportStatus.IMPORTING):
        return False
    return batch.heartbeat_at is None or batch.heartbeat_at < (now or timezone.now()) - jobs.stale_after()


@transaction.atomic
def batch_confirm(*, actor: User, batch: ImportBatch) -> ImportBatch:
    """Accept the dry run; the import itself runs now (small file) or in the worker (large file).

    A batch already confirmed whose job has died may be confirmed again: it goes back to the queue.
    """
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    access.check(actor, Action.IMPORT_DATA, batch.jurisdiction_id)
    retry = batch.status in (ImportStatus.QUEUED, ImportStatus.IMPORTING) and job_is_dead(batch)
    if batch.status != ImportStatus.READY and not retry:
        raise ImportRefused(_("该导入当前状态为“%(s)s”，不能确认。") % {"s": batch.get_status_display()})
    batch.status = ImportStatus.QUEUED
    batch.claim = ""
    batch.attempts = 0  # the import is a job of its own: the dry run's runs do not count against it
    batch.heartbeat_at = timezone.now()
    if not retry:
        batch.confirmed_by = actor
        batch.confirmed_at = batch.heartbeat_at
    batch.save(update_fields=["status", "claim", "attempts", "heartbeat_at", "confirmed_by", "confirmed_at"])
    if retry:
        _audit(batch, actor, None, "requeued")
    return batch


def batch_import(*, batch_id: int) -> ImportBatch:
    """Check nothing changed since the dry run and write everything in one transaction.

    Reuses the dry run's plan when every database read it depended on answers the same; otherwise
    validates the whole file again. Idempotent: a done batch, or one another run holds, is left alone.
    The batch is claimed (committed) before the transaction, and its beats go through a connection of
    their own so that the reconciler sees them; the final status is written only while this run still
    holds the batch, so a cancelled or taken-over run rolls back everything it wrote.
    """
    batch = ImportBatch.objects.get(pk=batch_id)
    if batch.status != ImportStatus.QUEUED:
        return batch
    run = jobs.claim(IMPORT_JOB, batch_id)
    if run is None:
        return batch
    run.outside_transaction = True
    try:
        with run:
            total = batch.total_rows
            batch = _import_claimed(batch_id, run)
    except jobs.JobStopped:
        batch.refresh_from_db()
        return batch
    if batch.status == ImportStatus.DONE:
        progress_set(batch.pk, "import", total, total)
    return batch


@transaction.atomic
def _import_claimed(batch_id: int, run: jobs.JobRun) -> ImportBatch:
    batch = ImportBatch.objects.select_related("created_by", "confirmed_by").get(pk=batch_id)
    actor = batch.confirmed_by or batch.created_by
    total = batch.total_rows
    progress_set(batch.pk, "import", 0, total)

    def on_progress(done):
        progress_set(batch.pk, "import", done, total)
        run.beat()

    context = _context(batch, actor, on_progress=lambda done: on_progress(done // 2))
    stored = batch.file.name
    outcome = None  # stays None when the dry run's plan is reused: its counts stand
    try:
        with transaction.atomic():
            saved = _load_plan(batch)
            if saved is not None and _plan_still_holds(saved, context):
                plan, checked = saved["plan"], "plan"
            else:
                outcome, _reader = _read(batch, context, keep_plan=True)
                if not outcome.ok:
                    raise _Invalid(outcome)
                plan, checked = outcome.plan, "file"
            on_progress(total // 2)
            writer = writers.WRITERS[batch.kind]
            writer(batch=batch, actor=actor, plan=plan, on_progress=lambda done: on_progress(total // 2 + done // 2))
            run.beat(force=True)
    except _Invalid as exc:
        _store_outcome(batch, exc.outcome)
        batch.status = ImportStatus.INVALID
        batch.message = batch.message or _("确认导入时重新校验发现错误（数据可能已被他人修改），未导入任何数据。")
        _finish(run, status=batch.status, **_outcome_values(batch))
        transaction.on_commit(lambda: _delete_file(plan_name(stored)))  # the file stays for the error report
        return batch
    except IntegrityError:
        log.warning("import %s hit a constraint", batch.pk, exc_info=True)
        batch.status = ImportStatus.FAILED
        batch.message = _("导入时与他人同时录入的数据冲突（如同一身份证号），未导入任何数据。请重新上传。")
        batch.finished_at = timezone.now()
        _finish(run, status=batch.status, message=batch.message, finished_at=batch.finished_at)
        transaction.on_commit(lambda: _delete_file(plan_name(stored)))
        return batch
    if outcome is not None:
        _store_outcome(batch, outcome)
    batch.status = ImportStatus.DONE
    batch.finished_at = timezone.now()
    batch.file = ""
    _finish(run, status=batch.status, finished_at=batch.finished_at, file="", **_outcome_values(batch))
    _audit(batch, actor, None, "imported", checked=checked)
    transaction.on_commit(lambda: _delete_file(stored))
    return batch


def _finish(run: jobs.JobRun, **values) -> None:
    """The final write of a run, in its transaction: refused (and so everything rolled back) once the
    batch is no longer this run's — cancelled, or handed to another worker after a stale heartbeat."""
    if not run.held().update(claim="", **values):
        raise jobs.JobStopped(run.pk)


class _Invalid(Exception):
    def __init__(self, outcome):
        self.outcome = outcome


def batch_fail(*, batch_id: int, message: str) -> None:
    """Mark a batch failed after an unexpected error in the worker (nothing was written: one transaction)."""
    for kind in (VALIDATION_JOB, IMPORT_JOB):
        jobs.fail(kind, batch_id, message)


# Statuses a user may cancel: waiting for a decision, or for (or in the hands of) a worker.
CANCELLABLE = (ImportStatus.VALIDATING, ImportStatus.INVALID, ImportStatus.READY, ImportStatus.QUEUED,
               ImportStatus.IMPORTING)


@transaction.atomic
def batch_cancel(*, actor: User, batch: ImportBatch, request=None) -> ImportBatch:
    """Cancel the batch and delete its file. A run in progress sees it at its next beat and stops (an
    import rolls back: nothing of it is written)."""
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    access.check(actor, Action.IMPORT_DATA, batch.jurisdiction_id)
    if batch.status not in CANCELLABLE:
        raise ImportRefused(_("该导入当前状态为“%(s)s”，不能取消。") % {"s": batch.get_status_display()})
    was = batch.status
    stored = batch.file.name
    batch.status = ImportStatus.CANCELLED
    batch.file = ""
    batch.claim = ""
    batch.finished_at = timezone.now()
    batch.save(update_fields=["status", "file", "claim", "finished_at"])
    _audit(batch, actor, request, "cancelled", was=was)
    transaction.on_commit(lambda: _delete_file(stored))
    return batch


def batches_expire(*, now=None) -> int:
    """Delete uploaded files not confirmed in time (personal data must not linger). Returns how many."""
    cutoff = (now or timezone.now()) - upload_ttl()
    count = 0
    stale = ImportBatch.objects.filter(
        created_at__lt=cutoff, status__in=[ImportStatus.VALIDATING, ImportStatus.INVALID, ImportStatus.READY])
    for batch in stale.only("pk", "file"):
        with transaction.atomic():
            changed = ImportBatch.objects.filter(pk=batch.pk).filter(
                status__in=[ImportStatus.VALIDATING, ImportStatus.INVALID, ImportStatus.READY]).update(
                status=ImportStatus.EXPIRED, file="", finished_at=timezone.now())
            if changed:
                stored = batch.file.name
                transaction.on_commit(lambda stored=stored: _delete_file(stored))
                count += 1
    return count


def admin_import_files_expire(*, now: float | None = None) -> int:
    """Delete the Django admin's import uploads left unconfirmed for longer than the app's own uploads live."""
    from pathlib import Path

    from .tmp_storage import ADMIN_IMPORT_FOLDER

    return tempfiles.remove_older_than(Path(settings.MEDIA_ROOT) / ADMIN_IMPORT_FOLDER, upload_ttl(), now=now)


def _delete_file(name: str) -> None:
    """Delete an upload and the dry run's plan beside it (or just a plan, given its name)."""
    if not name:
        return
    from django.core.files.storage import default_storage

    for each in (name,) if name.endswith(".plan") else (name, plan_name(name)):
        try:
            default_storage.delete(each)
        except OSError:
            log.warning("could not delete import file %s", each, exc_info=True)


def _audit(batch: ImportBatch, actor, request, what: str, **extra) -> None:
    audit_record(event=AuditEvent.IMPORT, actor=actor, obj=batch, request=request,
                 description=f"{batch.get_kind_display()}：{batch.file_name}"[:200],
                 detail={"what": what, "batch": batch.pk, "kind": batch.kind, "sha256": batch.sha256,
                         "rows": batch.total_rows, "new": batch.new_count, "updated": batch.updated_count,
                         "unchanged": batch.unchanged_count, "errors": batch.error_count,
                         "matched": batch.matched_count, "unmatched": batch.unmatched_count, **extra})

@transaction.atomic
def feed_record_review(*, actor: User, record: FeedRecord, note: str) -> FeedRecord:
    """The township has looked at an unmatched row (a possible lead) and says what it found."""
    access.check(actor, Action.IMPORT_DATA, record.batch.jurisdiction_id)
    record.reviewed_at = timezone.now()
    record.reviewed_by = actor
    record.review_note = note[:300]
    record.save(update_fields=["reviewed_at", "reviewed_by", "review_note"])
    return record


@transaction.atomic
def feed_records_mark_reviewed(*, actor: User, record_ids, note: str) -> int:
    """Mark unmatched rows as looked at, set-based (referrals calls it when rows become leads). Rows already
    reviewed keep their first review. Outside the actor's import jurisdiction → Http404, nothing written."""
    ids = sorted({int(pk) for pk in record_ids})
    if not ids:
        return 0
    allowed = access.jurisdiction_ids_for(actor, Action.IMPORT_DATA)
    rows = FeedRecord.objects.filter(pk__in=ids)
    if not actor.is_superuser and rows.exclude(batch__jurisdiction_id__in=allowed).exists():
        raise Http404(_("未找到该记录，或它不在您的辖区内。"))
    return rows.filter(reviewed_at__isnull=True).update(reviewed_at=timezone.now(), reviewed_by=actor,
                                                        review_note=note[:300])
