"""The audit log as an Excel file (审计日志导出), for the audit administrator (三员分立).

The list's own filters and search (`relief.selectors.audit_entries_filtered`) choose the entries; each row says
when, who, from where, what, about which record, and with what result. The file is written in openpyxl's
write-only mode through `relief.xlsx.write_workbook` from a chunked iterator, so memory stays bounded and the
number of queries does not grow with the rows; it carries the exporter's watermark, and the export itself is an
audit entry with its purpose and filters.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

from django.db import models
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _, gettext_lazy

from auditlog.models import LogEntry

from . import tempfiles
from .audit import AuditEvent, AuditResult, audit_record, entry_result, event_label
from .selectors import audit_entries_filtered
from .watermark import watermark_text
from .xlsx import Column, Sheet, write_workbook

CHUNK = 2000


class AuditExportPurpose(models.TextChoices):
    """Why the audit log leaves the application: recorded with the export."""

    SECURITY_REVIEW = "security_review", gettext_lazy("安全审计检查")
    INCIDENT = "incident", gettext_lazy("事件调查")
    INSPECTION = "inspection", gettext_lazy("上级检查")
    ARCHIVE = "archive", gettext_lazy("留档备查")


def _columns() -> list[Column]:
    return [Column(_("时间"), 20, "datetime"), Column(_("操作人"), 16), Column(_("账号"), 16),
            Column(_("来源地址"), 16), Column(_("事件"), 16), Column(_("记录类型"), 16), Column(_("记录"), 40),
            Column(_("结果"), 10)]


def audit_export_rows(entries: QuerySet[LogEntry]) -> Iterator[list]:
    """One row per entry, read in chunks (the actor and content type joined: no query per row)."""
    system = _("系统")
    results = {value: str(label) for value, label in AuditResult.choices}
    for entry in entries.iterator(chunk_size=CHUNK):
        data = entry.additional_data if isinstance(entry.additional_data, dict) else {}
        model = entry.content_type.model_class() if entry.content_type_id else None
        if entry.actor_id:
            who, account = entry.actor.display_name, entry.actor.get_username()
        else:
            who, account = system, str(data.get("username") or "")  # a failed login names what was typed
        yield [entry.timestamp, who, account, entry.remote_addr or "", str(event_label(entry)),
               str(model._meta.verbose_name) if model is not None else "", entry.object_repr or "",
               results.get(entry_result(entry), "")]


def _filter_detail(filters: dict) -> dict:
    return {name: value.isoformat() if hasattr(value, "isoformat") else value
            for name, value in filters.items() if value}


def audit_log_export(*, actor, request, filters: dict, purpose: str) -> tuple[Path, int, str]:
    """Write the entries the filters choose to a private temporary file (the caller removes it) and record the
    export; returns the path, the number of rows and the file name."""
    now = timezone.localtime()
    entries = audit_entries_filtered(actor, **{k: v for k, v in filters.items() if v})
    title = _("审计日志")
    subtitle = _("导出时间：%(t)s；导出人：%(who)s；用途：%(purpose)s") % {
        "t": f"{now:%Y-%m-%d %H:%M}", "who": actor.display_name,
        "purpose": AuditExportPurpose(purpose).label}
    path = tempfiles.named_temp_path(prefix="audit-", suffix=".xlsx")
    try:
        with tempfiles.openpyxl_spool_cleanup():
            rows = write_workbook(str(path), title=title, subtitle=subtitle, watermark=watermark_text(actor, now),
                                  sheets=[Sheet(title=title, columns=_columns(), rows=audit_export_rows(entries))])
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    audit_record(event=AuditEvent.EXPORT, actor=actor, model=LogEntry, request=request,
                 description=_("导出审计日志"),
                 detail={"what": str(_("审计日志")), "rows": rows, "purpose": purpose,
                         "purpose_label": str(AuditExportPurpose(purpose).label), "filters": _filter_detail(filters)})
    return path, rows, _("审计日志-%(t)s.xlsx") % {"t": f"{now:%Y%m%d-%H%M}"}
