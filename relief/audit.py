"""The audit log — 审计日志.

django-auditlog records every create/update/delete of registered core records (with actor and
address from its middleware). What it lacks we add here as LogEntry rows of action ACCESS with an
`event` in additional_data: logins and failed logins, views of full personal data, exports and
imports, and writes made in bulk (which bypass model signals).
"""
from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from auditlog.models import LogEntry


class AuditEvent(models.TextChoices):
    LOGIN = "login", _("登录")
    LOGIN_FAILED = "login_failed", _("登录失败")
    LOGOUT = "logout", _("退出")
    VIEW_PERSONAL_DATA = "view_personal_data", _("查看完整个人信息")
    EXPORT = "export", _("导出")
    IMPORT = "import", _("导入")
    BULK_WRITE = "bulk_write", _("批量写入")


def client_address(request) -> str | None:
    if request is None:
        return None
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if forwarded:
        return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR")


def audit_record(
    *,
    event: str,
    actor=None,
    obj: models.Model | None = None,
    model: type[models.Model] | None = None,
    request=None,
    description: str = "",
    detail: dict | None = None,
) -> LogEntry:
    """Write one audit entry for an event that is not a plain model write.

    `obj` is the record concerned (a household whose ID number was shown, the user who logged in);
    without one, `model` names the kind of records concerned (an export of households).
    """
    target_model = obj.__class__ if obj is not None else (model or LogEntry)
    actor = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    return LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(target_model),
        object_pk=str(obj.pk) if obj is not None else "",
        object_id=obj.pk if obj is not None and isinstance(obj.pk, int) else None,
        object_repr=description or (str(obj) if obj is not None else str(target_model._meta.verbose_name)),
        action=LogEntry.Action.ACCESS,
        actor=actor,
        remote_addr=client_address(request),
        additional_data={"event": event, **(detail or {})},
    )


def event_label(entry: LogEntry) -> str:
    event = (entry.additional_data or {}).get("event") if entry.action == LogEntry.Action.ACCESS else None
    if event in AuditEvent.values:
        return AuditEvent(event).label
    return {
        LogEntry.Action.CREATE: _("新增"),
        LogEntry.Action.UPDATE: _("修改"),
        LogEntry.Action.DELETE: _("删除"),
    }.get(entry.action, _("访问"))
