"""Writes of the ledgers app: export jobs, the monthly closing, supervision sampling. Each one audited."""
from __future__ import annotations

import datetime as dt
import hashlib
import random
import secrets
from datetime import timedelta
from pathlib import Path

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from households.models import AssistanceRecord
from relief import access, jobs, tempfiles
from relief.access import Action
from relief.audit import AuditEvent, audit_record
from relief.models import Jurisdiction, JurisdictionLevel
from .services_support import (  # noqa: F401  (the assistants' support writes, kept beside)
    assistant_allowance_add, assistant_equipment_issue, assistant_insurance_add, assistant_training_add,
)

from .services_assessment import (  # noqa: F401  (the district's supervision, kept beside)
    assessment_adjust, assessment_export, assessment_plan_save, default_criteria, roster_file, roster_file_intact,
    self_assessment_review, self_assessment_save,
)
from .models import (
    CheckResult, Correction, ExportStatus, Inspection, LedgerExport, LedgerKind, LedgerSnapshot, SampleItem,
    SampleSizeMode, SamplingDraw, SnapshotKind, _export_path,
)
from relief.months import month_end

from .reports import LedgerRequest, ledger_for
from relief.watermark import watermark_text
from relief.xlsx import write_workbook


def async_threshold() -> int:
    """Ledgers with more rows than this are written by a Celery worker, not in the request."""
    return int(getattr(settings, "RELIEF_LEDGER_ASYNC_ROWS", 3000))


def export_lifetime() -> timedelta:
    return timedelta(hours=int(getattr(settings, "RELIEF_LEDGER_EXPORT_HOURS", 24)))


def audit_ledger_download(*, actor, request, kind: str, jurisdiction: Jurisdiction, detail: dict) -> None:
    audit_record(event=AuditEvent.EXPORT, actor=actor, obj=jurisdiction, request=request,
                 description=_("下载%(kind)s：%(j)s") % {"kind": LedgerKind(kind).label, "j": jurisdiction.name},
                 detail={"ledger": kind, **detail})


def ledger_write_temp(ledger_request: LedgerRequest, progress=None) -> tuple[Path, int, str]:
    """Write the ledger to a temporary file (removed by the caller); returns path, rows and file name."""
    ledger = ledger_for(ledger_request)
    # Ledgers hold personal data: written under the private media root, never the shared /tmp.
    path = tempfiles.named_temp_path(prefix="ledger-", suffix=".xlsx")
    try:
        with tempfiles.openpyxl_spool_cleanup():
            rows = write_workbook(str(path), title=ledger.title, subtitle=ledger_request.subtitle(),
                                  watermark=watermark_text(ledger_request.user, ledger_request.generated_at),
                                  sheets=ledger.sheets(), progress=progress)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path, rows, ledger.filename()


# ---------------------------------------------------------------- background exports
@transaction.atomic
def ledger_export_create(*, actor, ledger_request: LedgerRequest, rows_total: int) -> LedgerExport:
    """Record the job and ring for a worker after commit; with the broker down the job waits (queued)
    and the reconciler rings again."""
    export = LedgerExport.objects.create(
        requester=actor, kind=ledger_request.kind, jurisdiction=ledger_request.jurisdiction,
        params=ledger_request.params(), rows_total=rows_total,
        expires_at=timezone.now() + export_lifetime(),
    )
    from .tasks import run_ledger_export

    jobs.enqueue(run_ledger_export, str(export.pk))
    return export


def ledger_export_run(*, export_id) -> None:
    """Write the file of an export job; idempotent (a job not waiting, or held by another run, is left
    alone). Beats every few hundred rows; a cancel or a take-over stops it there and nothing is kept."""
    from .tasks import EXPORT_JOB

    run = jobs.claim(EXPORT_JOB, export_id)
    if run is None:
        return
    export = LedgerExport.objects.select_related("requester", "jurisdiction").get(pk=export_id)

    def progress(done):
        run.beat()
        run.held().update(rows_done=done)

    path = None
    try:
        # The jurisdiction is checked again with the requester's grants as they are now.
        ledger_request = LedgerRequest.from_params(user=export.requester, kind=export.kind,
                                                   jurisdiction=export.jurisdiction, params=export.params)
        run.held().update(rows_done=0)
        path, rows, filename = ledger_write_temp(ledger_request, progress=progress)
        run.beat(force=True)
        with path.open("rb") as fh:
            # A restarted job writes the file again under the same name: never two files for one job.
            export.file.storage.delete(_export_path(export, ""))
            export.file.save(f"{export.pk}.xlsx", File(fh), save=False)
        finished = run.held().update(
            file=export.file.name, filename=filename, rows_done=rows, rows_total=rows, claim="",
            status=ExportStatus.DONE, finished_at=timezone.now())
        if not finished:
            export.file.delete(save=False)
    except jobs.JobStopped:
        return
    except SoftTimeLimitExceeded:
        jobs.fail(EXPORT_JOB, export.pk, jobs.TIMED_OUT, token=run.token)
        if export.file:
            export.file.delete(save=False)
        raise
    except Exception as exc:  # the requester sees a message, never a half-written file
        jobs.fail(EXPORT_JOB, export.pk, _("生成失败，请重新生成或联系系统管理员。（%(e)s）") % {"e": str(exc)[:150]},
                  token=run.token)
        if export.file:
            export.file.delete(save=False)
        raise
    finally:
        run.close()
        if path is not None:
            path.unlink(missing_ok=True)


@transaction.atomic
def ledger_export_cancel(*, actor, export: LedgerExport, request=None) -> LedgerExport:
    """The requester stops a queued or running export; a running one stops at its next beat and keeps
    no file."""
    export = LedgerExport.objects.select_for_update().get(pk=export.pk)
    if export.requester_id != actor.pk:
        raise Http404
    access.check(actor, Action.EXPORT_LEDGERS, export.jurisdiction)
    if not export.is_running:
        raise ValidationError(_("该导出当前状态为“%(s)s”，不能取消。") % {"s": export.get_status_display()})
    was = export.status
    export.status = ExportStatus.CANCELLED
    export.claim = ""
    export.finished_at = timezone.now()
    export.save(update_fields=["status", "claim", "finished_at"])
    audit_record(event=AuditEvent.EXPORT, actor=actor, obj=export.jurisdiction, request=request,
                 description=_("取消导出%(kind)s：%(j)s") % {"kind": export.get_kind_display(),
                                                         "j": export.jurisdiction.name},
                 detail={"ledger": export.kind, "job": str(export.pk), "what": "cancelled", "was": was})
    return export


def ledger_exports_purge(*, now=None) -> int:
    """Delete the files of expired export jobs (personal data is not kept longer than needed), and the
    temporary files a killed worker left in the private temp folder."""
    now = now or timezone.now()
    count = 0
    for export in LedgerExport.objects.filter(expires_at__lte=now).exclude(file=""):
        export.file.delete(save=False)
        LedgerExport.objects.filter(pk=export.pk).update(file="")
        count += 1
    return count + tempfiles.orphans_purge(now=now.timestamp())


# ---------------------------------------------------------------- monthly closing
def _system_request(kind: str, township: Jurisdiction, month: dt.date) -> LedgerRequest:
    return LedgerRequest(user=None, kind=kind, jurisdiction=township, start=month, end=month_end(month))


def snapshot_create(*, township: Jurisdiction, month: dt.date, kind: str = SnapshotKind.MONTHLY,
                    actor=None, made_at: dt.datetime | None = None) -> LedgerSnapshot | None:
    """Freeze the township's ledger for the month; returns None when it exists already (idempotent).
    `made_at`: when it was made (the demo replays a year of closings); by default now."""
    month = month.replace(day=1)
    if LedgerSnapshot.objects.filter(township=township, month=month, kind=kind).exists():
        return None
    if actor is not None:
        access.check(actor, Action.EXPORT_LEDGERS, township)
    ledger_kind = LedgerKind.MONTHLY if kind == SnapshotKind.MONTHLY else LedgerKind.SUMMARY
    ledger_request = _system_request(ledger_kind, township, month)
    ledger_request.author = actor
    path, rows, filename = ledger_write_temp(ledger_request)
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        snapshot = LedgerSnapshot(township=township, month=month, kind=kind, filename=filename, rows=rows,
                                  sha256=digest, created_by=actor, created_at=made_at or timezone.now())
        try:
            with transaction.atomic():
                with path.open("rb") as fh:
                    snapshot.file.save(filename, File(fh), save=False)
                snapshot.save()
                audit_record(event=AuditEvent.EXPORT, actor=actor, obj=snapshot,
                             description=_("月结：%(s)s") % {"s": snapshot}, detail={"ledger": ledger_kind,
                                                                                        "snapshot": snapshot.pk})
        except IntegrityError:
            # Another worker closed the same month a moment earlier: keep theirs.
            if snapshot.file:
                snapshot.file.storage.delete(snapshot.file.name)
            return None
    finally:
        path.unlink(missing_ok=True)
    return snapshot


def month_close_all(*, month: dt.date, kind: str = SnapshotKind.MONTHLY) -> list[LedgerSnapshot]:
    """The month-end job: every township's ledger for the month, each frozen once."""
    made = []
    for township in Jurisdiction.objects.filter(level=JurisdictionLevel.TOWNSHIP).order_by("code"):
        snapshot = snapshot_create(township=township, month=month, kind=kind)
        if snapshot:
            made.append(snapshot)
    return made


def snapshot_file_intact(snapshot: LedgerSnapshot) -> bool:
    digest = hashlib.sha256()
    with snapshot.file.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest() == snapshot.sha256


# ---------------------------------------------------------------- supervision sampling
def quarter_bounds(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    start = dt.date(year, (quarter - 1) * 3 + 1, 1)
    end = month_end(dt.date(year, quarter * 3, 1))
    return start, end


def sampling_population(*, district: Jurisdiction, year: int, quarter: int) -> list[int]:
    """New recipients of the quarter: assistance records that started in it, in the district's villages."""
    start, end = quarter_bounds(year, quarter)
    villages = Jurisdiction.objects.villages().under(district)
    return list(AssistanceRecord.objects.filter(start_date__range=(start, end), household__village__in=villages)
                .order_by("pk").values_list("pk", flat=True))


def sample_size(mode: str, value: int, population: int) -> int:
    if mode == SampleSizeMode.PERCENT:
        size = -(-population * value // 100)  # rounded up: 10% of 15 is 2
    else:
        size = value
    return max(0, min(size, population))


def draw_sample(seed: str, population: list[int], size: int) -> list[int]:
    """The draw itself: the same seed and population always give the same records."""
    return sorted(random.Random(seed).sample(sorted(population), size))


@transaction.atomic
def sampling_draw(*, actor, district: Jurisdiction, year: int, quarter: int, size_mode: str,
                  size_value: int, seed: str | None = None) -> SamplingDraw:
    access.check(actor, Action.SUPERVISE, district)
    if district.level != JurisdictionLevel.DISTRICT:
        raise ValidationError(_("随机抽查由区县民政局组织。"))
    if SamplingDraw.objects.filter(district=district, year=year, quarter=quarter).exists():
        raise ValidationError(_("%(y)s年第%(q)s季度已经抽取过，不能重复抽取。") % {"y": year, "q": quarter})
    population = sampling_population(district=district, year=year, quarter=quarter)
    if not population:
        raise ValidationError(_("%(y)s年第%(q)s季度没有新增救助对象，无需抽查。") % {"y": year, "q": quarter})
    seed = seed or secrets.token_hex(16)
    draw = SamplingDraw.objects.create(district=district, year=year, quarter=quarter, size_mode=size_mode,
                                       size_value=size_value, seed=seed, population_ids=population,
                                       drawn_by=actor)
    chosen = draw_sample(seed, population, sample_size(size_mode, size_value, len(population)))
    records = AssistanceRecord.objects.filter(pk__in=chosen).select_related("household__village")
    SampleItem.objects.bulk_create([
        SampleItem(draw=draw, assistance=record, household=record.household, village=record.household.village,
                   township_id=record.household.village.parent_id, assistance_type=record.type,
                   start_date=record.start_date)
        for record in records
    ])
    audit_record(event=AuditEvent.BULK_WRITE, actor=actor, obj=draw, description=str(draw),
                 detail={"population": len(population), "sampled": len(chosen), "seed": seed})
    return draw


@transaction.atomic
def sample_check(*, actor, item: SampleItem, result: str, note: str) -> SampleItem:
    item = SampleItem.objects.select_for_update().select_related("draw").get(pk=item.pk)
    access.check(actor, Action.SUPERVISE, item.draw.district)
    if result not in CheckResult.values or result == CheckResult.PENDING:
        raise ValidationError({"result": _("请选择核查结果。")})
    if result in (CheckResult.OMISSION, CheckResult.ERROR) and not note.strip():
        raise ValidationError({"note": _("漏报或错报必须写明核查说明。")})
    item.result, item.note = result, note.strip()
    item.checked_by, item.checked_at = actor, timezone.now()
    item.save(update_fields=["result", "note", "checked_by", "checked_at"])
    # django-auditlog records the change of result (SampleItem is registered in LedgersConfig.ready).
    return item


# ---------------------------------------------------------------- inspections (乡不定期监督检查)

def _refuse_unless_inspector(actor, village) -> None:
    if not access.inspects_village(actor, village):
        raise ValidationError(_("只有该村/社区所属乡镇/街道的工作人员可以登记监督检查。"))


@transaction.atomic
def inspection_record(*, actor, village: Jurisdiction, inspected_on: dt.date, inspectors: str, subjects: str = "",
                      findings: str = "", corrections: list[tuple[str, dt.date]] = ()) -> Inspection:
    """Record an inspection with the corrections it asks for (each a thing and a date)."""
    _refuse_unless_inspector(actor, village)
    if village.level != JurisdictionLevel.VILLAGE:
        raise ValidationError({"village": _("请选择被检查的村/社区。")})
    if inspected_on > timezone.localdate():
        raise ValidationError({"inspected_on": _("检查日期不能晚于今天。")})
    if not inspectors.strip():
        raise ValidationError({"inspectors": _("请填写检查人员。")})
    for item, due_on in corrections:
        _check_correction(item, due_on, inspected_on)
    inspection = Inspection.objects.create(village=village, inspected_on=inspected_on, inspectors=inspectors.strip(),
                                           subjects=subjects.strip(), findings=findings.strip(), recorded_by=actor)
    for item, due_on in corrections:  # one by one: each goes to the audit log
        Correction.objects.create(inspection=inspection, item=item.strip(), due_on=due_on)
    return inspection


def _check_correction(item: str, due_on, inspected_on: dt.date) -> None:
    if not (item or "").strip():
        raise ValidationError({"corrections": _("整改事项不能为空。")})
    if due_on is None:
        raise ValidationError({"corrections": _("整改事项“%(i)s”缺少整改期限。") % {"i": item.strip()}})
    if due_on < inspected_on:
        raise ValidationError({"corrections": _("整改事项“%(i)s”的整改期限不能早于检查日期（%(d)s）。") % {
            "i": item.strip(), "d": inspected_on.isoformat()}})


@transaction.atomic
def correction_add(*, actor, inspection: Inspection, item: str, due_on: dt.date) -> Correction:
    _refuse_unless_inspector(actor, inspection.village)
    _check_correction(item, due_on, inspection.inspected_on)
    correction = Correction.objects.create(inspection=inspection, item=item.strip(), due_on=due_on)
    return correction


@transaction.atomic
def correction_done(*, actor, correction: Correction, done_on: dt.date, note: str) -> Correction:
    """Confirm a correction done. Once confirmed it stays as confirmed: a second submit (another tab, a
    double tap) is refused rather than overwriting who confirmed it and how."""
    correction = Correction.objects.select_for_update().select_related("inspection__village").get(pk=correction.pk)
    _refuse_unless_inspector(actor, correction.inspection.village)
    if correction.done_on is not None:
        raise ValidationError(_("该整改事项已于 %(d)s 确认完成，不能重复确认。") % {"d": correction.done_on.isoformat()})
    if not (note or "").strip():
        raise ValidationError({"note": _("请填写整改情况。")})
    if done_on > timezone.localdate():
        raise ValidationError({"done_on": _("完成日期不能晚于今天。")})
    if done_on < correction.inspection.inspected_on:
        raise ValidationError({"done_on": _("完成日期不能早于检查日期。")})
    correction.done_on, correction.done_note, correction.done_by = done_on, note.strip(), actor
    correction.save(update_fields=["done_on", "done_note", "done_by"])
    return correction
