"""The audit log — 审计日志.

django-auditlog records every create/update/delete of registered core records (with actor and
address from its middleware). What it lacks we add here as LogEntry rows of action ACCESS with an
`event` in additional_data: logins and failed logins, views of full personal data, exports and
imports, and writes made in bulk (which bypass model signals).
"""
from __future__ import annotations

import re

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from auditlog.models import LogEntry

from relief.http import client_address
from relief import punctuation


class AuditEvent(models.TextChoices):
    LOGIN = "login", _("登录")
    LOGIN_FAILED = "login_failed", _("登录失败")
    LOGOUT = "logout", _("退出")
    VIEW_PERSONAL_DATA = "view_personal_data", _("查看完整个人信息")
    EXPORT = "export", _("导出")
    IMPORT = "import", _("导入")
    BULK_WRITE = "bulk_write", _("批量写入")
    STAFF_UNLOCK = "staff_unlock", _("解除登录锁定")
    ID_NUMBER_TAKEN = "id_number_taken", _("登记已有身份证号")
    ACCESS_REFUSED = "access_refused", _("拒绝访问")
    # 身份鉴别 (relief/signin.py, relief/otp_views.py, relief/admin.py)
    OTP_ENROLLED = "otp_enrolled", _("启用双因素认证")
    OTP_FAILED = "otp_failed", _("动态验证码错误")
    OTP_RECOVERY_USED = "otp_recovery_used", _("使用恢复码登录")
    OTP_RESET = "otp_reset", _("重置双因素认证")
    PASSWORD_RESET = "password_reset", _("重置密码")
    SESSION_TIMEOUT = "session_timeout", _("会话超时退出")


class AuditResult(models.TextChoices):
    """Every entry's outcome: model writes and most events succeeded; refusals say so in `result`."""

    SUCCESS = "success", _("成功")
    REFUSED = "refused", _("拒绝")


# Events that are refusals by nature, whatever their detail says.
REFUSED_EVENTS = {AuditEvent.LOGIN_FAILED, AuditEvent.ID_NUMBER_TAKEN, AuditEvent.ACCESS_REFUSED, AuditEvent.OTP_FAILED}


class RefusalReason(models.TextChoices):
    """Why an access was refused (relief.access records each)."""

    ROLE = "role", _("角色无权使用此功能（403）")
    NO_PERMISSION = "no_permission", _("没有此项操作的权限（403）")
    OUTSIDE_JURISDICTION = "outside_jurisdiction", _("记录不在本人辖区内（404）")
    NOT_FOUND = "not_found", _("记录不存在或不在本人辖区内（404）")


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def mask_personal_value(value: str) -> str:
    """How ID numbers and birth dates enter the change log (AUDITLOG_MASK_CALLABLE): an ID number keeps
    only its last 4 characters (enough to tell two people apart when reading the log), a birth date
    nothing at all, so that no entry holds the parts that rebuild a number. An empty value stays empty.
    """
    if value in EMPTY_VALUES:
        return value
    if _DATE.match(value):
        return re.sub(r"\d", "*", value)
    if len(value) <= 4:
        return "*" * len(value)
    return "*" * (len(value) - 4) + value[-4:]


def _entry(*, event, actor=None, obj=None, model=None, request=None, description="", detail=None,
           result=None) -> LogEntry:
    target_model = obj.__class__ if obj is not None else (model or LogEntry)
    actor = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    if result is None:
        result = AuditResult.REFUSED if event in REFUSED_EVENTS else AuditResult.SUCCESS
    return LogEntry(
        content_type=ContentType.objects.get_for_model(target_model),
        object_pk=str(obj.pk) if obj is not None else "",
        object_id=obj.pk if obj is not None and isinstance(obj.pk, int) else None,
        object_repr=description or (str(obj) if obj is not None else str(target_model._meta.verbose_name)),
        action=LogEntry.Action.ACCESS,
        actor=actor,
        remote_addr=client_address(request),
        additional_data={"event": str(event), **(detail or {}), "result": str(result)},
    )


def audit_record(
    *,
    event: str,
    actor=None,
    obj: models.Model | None = None,
    model: type[models.Model] | None = None,
    request=None,
    description: str = "",
    detail: dict | None = None,
    result: str | None = None,
) -> LogEntry:
    """Write one audit entry for an event that is not a plain model write.

    `obj` is the record concerned (a household whose ID number was shown, the user who logged in);
    without one, `model` names the kind of records concerned (an export of households). `result` is
    AuditResult.SUCCESS unless the event is a refusal (REFUSED_EVENTS). The entry joins the hash chain when
    its transaction commits (relief/audit_chain.py).
    """
    entry = _entry(event=event, actor=actor, obj=obj, model=model, request=request, description=description,
                   detail=detail, result=result)
    entry.save()
    return entry


def audit_record_many(records: list[dict]) -> list[LogEntry]:
    """Many entries at once (each dict holds audit_record's arguments): one INSERT, and the chain seals them
    in one pass when the transaction commits — for bulk paths that write an entry per row."""
    from .audit_chain import schedule

    entries = LogEntry.objects.bulk_create([_entry(**record) for record in records])
    schedule([entry.pk for entry in entries])
    return entries


def audit_refusal(*, request, reason: str, path: str = "", obj=None, detail: dict | None = None) -> LogEntry | None:
    """Record an access refused to a signed-in user (relief.access: the role's 403, the jurisdiction's 404).

    Never raises: the refusal itself must still reach the user if the log cannot be written."""
    from django.db import transaction

    user = getattr(request, "user", None)
    path = path or getattr(request, "path", "")
    try:
        with transaction.atomic():  # a savepoint: a failed insert leaves the caller's transaction usable
            return audit_record(event=AuditEvent.ACCESS_REFUSED, actor=user, obj=obj, request=request,
                                description=path, result=AuditResult.REFUSED,
                                detail={"reason": str(reason), "path": path,
                                        "method": getattr(request, "method", ""), **(detail or {})})
    except Exception:  # a broken transaction or database: the refusal stands, the logger says why
        import logging

        logging.getLogger(__name__).exception("access refusal not recorded")
        return None


def entry_result(entry: LogEntry) -> str:
    """AuditResult of an entry: what it says, else refused for refusal events, else success."""
    data = entry.additional_data if isinstance(entry.additional_data, dict) else {}
    if data.get("result") in AuditResult.values:
        return data["result"]
    return AuditResult.REFUSED if data.get("event") in REFUSED_EVENTS else AuditResult.SUCCESS


def event_label(entry: LogEntry) -> str:
    event = (entry.additional_data or {}).get("event") if entry.action == LogEntry.Action.ACCESS else None
    if event in AuditEvent.values:
        return AuditEvent(event).label
    return ACTION_LABELS.get(entry.action, ACTION_LABEL_OTHER)


ACTION_LABELS = {LogEntry.Action.CREATE: _("新增"), LogEntry.Action.UPDATE: _("修改"), LogEntry.Action.DELETE: _("删除")}
ACTION_LABEL_OTHER = _("访问")


# ---------------------------------------------------------------- reading the log (审计日志页面)
# django-auditlog stores each change as {field name: [old, new]} of str() values (None as "None",
# foreign keys as their pk, datetimes as naive UTC) and also walks reverse relations ("x.Y.None").
# The page turns that into sentences: who did what to which record, with field labels and values a
# person reads (空, choice labels, the related record's name, Asia/Shanghai times).

EMPTY_VALUES = {None, "", "None", "[]", "{}"}

# Keys of our own entries' `additional_data` worth showing, in words; the rest are technical.
DETAIL_LABELS = {
    "username": _("用户名"), "rows": _("行数"), "masked": _("身份证号遮蔽"), "ledger": _("台账"),
    "households": _("家庭数"), "members": _("人数"), "population": _("抽样总体"), "sampled": _("抽中"),
    "leads_created": _("新建线索"), "leads_existing": _("已有线索"), "leads_opened": _("新建线索"),
    "errors": _("错误行数"), "new": _("新增"), "updated": _("更新"), "unchanged": _("未变"),
    "what": _("内容"), "file_name": _("文件名"), "cleared": _("清除的失败登录记录"),
    "reason": _("拒绝原因"), "path": _("访问地址"), "purpose_label": _("用途"), "reason_label": _("查看原因"),
}


# What an import entry records (imports.services._audit): the sentence says which step it was, so an
# upload that failed its check never reads as "导入了".
IMPORT_STEP_SENTENCES = {
    "uploaded": _("%(actor)s 上传了%(model)s“%(record)s”（待校验，尚未导入）"),
    "rejected": _("%(actor)s 上传的%(model)s“%(record)s”被拒收（文件无法读取）"),
    "imported": _("%(actor)s 导入了%(model)s“%(record)s”"),
    "cancelled": _("%(actor)s 取消了%(model)s“%(record)s”"),
}
# Detail keys whose values are codes: shown by their labels. Apps above relief add theirs with
# register_detail_value_labels (from their AppConfig.ready), so relief imports none of them.
DETAIL_VALUE_LABELS = {
    "what": {"uploaded": _("上传"), "rejected": _("拒收"), "imported": _("已导入"), "cancelled": _("已取消")},
    "reason": dict(RefusalReason.choices),
}
# Keys whose value lists several codes, with the separator between them (e.g. "roster/visits").
DETAIL_VALUE_SEPARATORS: dict[str, str] = {}


def register_detail_value_labels(key: str, labels: dict, separator: str = "") -> None:
    """Show the codes an app writes under `key` in audit details by their labels; with a separator, a
    value lists several codes, each shown by its label."""
    DETAIL_VALUE_LABELS[key] = labels
    if separator:
        DETAIL_VALUE_SEPARATORS[key] = separator


def _detail_value_text(key: str, value) -> str:
    labels = DETAIL_VALUE_LABELS.get(key)
    separator = DETAIL_VALUE_SEPARATORS.get(key)
    if labels and separator:
        return punctuation.mark("、").join(str(labels.get(part, part)) for part in str(value).split(separator))
    if labels and str(value) in labels:
        return str(labels[str(value)])
    return _structure_text(value)


def _empty(value) -> bool:
    return value is None or (isinstance(value, str) and value.strip() in EMPTY_VALUES)


def _shown_fields(model) -> dict:
    """Concrete fields a person cares about: no reverse relations, ids, timestamps or version counters."""
    fields = {}
    for field in model._meta.get_fields():
        if not getattr(field, "concrete", False) or field.primary_key:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False) or field.name == "version":
            continue
        fields[field.name] = field
    return fields


def _datetime_text(raw: str) -> str:
    import datetime as dt

    from django.utils import timezone

    try:
        value = dt.datetime.fromisoformat(raw)
    except ValueError:
        return raw
    if timezone.is_naive(value):
        value = value.replace(tzinfo=dt.UTC)  # auditlog keeps datetimes as naive UTC
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def _structure_text(value) -> str:
    if isinstance(value, dict):
        return "；".join(f"{k}：{_structure_text(v)}" for k, v in value.items() if not _empty(v)) or str(_("空"))
    if isinstance(value, list | tuple):
        return punctuation.mark("、").join(_structure_text(v) for v in value) or str(_("空"))
    if isinstance(value, bool):
        return str(_("是") if value else _("否"))
    return str(value)


def _json_text(value, labels) -> str:
    """A JSON field in words. A model names what its JSON holds in `audit_json_labels`:
    {field: TextChoices} for a list of codes, or {field: {key: (label, TextChoices | None) or None}} for a dict
    (None hides a technical key)."""
    if labels is None:
        return _structure_text(value)
    if isinstance(value, list) and isinstance(labels, type):
        names = dict(labels.choices)
        return punctuation.mark("、").join(str(names.get(v, v)) for v in value) or str(_("空"))
    if isinstance(value, dict) and isinstance(labels, dict):
        parts = []
        for key, item in value.items():
            if _empty(item) or (key in labels and labels[key] is None):
                continue
            label, choices = labels.get(key) or (key, None)
            text = str(dict(choices.choices).get(item, item)) if choices is not None else _structure_text(item)
            parts.append(f"{label}：{text}")
        return "；".join(parts) or str(_("空"))
    return _structure_text(value)


class _Resolver:
    """Names of related records for a page of entries, fetched once per model."""

    def __init__(self):
        self.wanted: dict = {}
        self.names: dict = {}

    def want(self, model, pk: str) -> None:
        self.wanted.setdefault(model, set()).add(pk)

    def fetch(self) -> None:
        for model, pks in self.wanted.items():
            ids = [pk for pk in pks if str(pk).isdigit()]
            found = model._default_manager.in_bulk([int(pk) for pk in ids]) if ids else {}
            for pk in pks:
                obj = found.get(int(pk)) if str(pk).isdigit() else None
                self.names[(model, pk)] = str(obj) if obj is not None else str(_("#%(pk)s（已删除）") % {"pk": pk})

    def name(self, model, pk: str) -> str:
        return self.names.get((model, pk), pk)


def _value_text(field, raw, resolver: _Resolver) -> str:
    if _empty(raw):
        return str(_("空"))
    if field.many_to_one or field.one_to_one:
        return resolver.name(field.related_model, str(raw))
    if field.choices:
        labels = {str(k): v for k, v in field.flatchoices}
        return str(labels.get(str(raw), raw))
    kind = field.get_internal_type()
    if kind == "BooleanField":
        return str(_("是") if str(raw) == "True" else _("否"))
    if kind == "DateTimeField":
        return _datetime_text(str(raw))
    if kind == "JSONField":
        import json

        try:
            value = json.loads(raw) if isinstance(raw, str) else raw
        except ValueError:
            return str(raw)
        return _json_text(value, getattr(field.model, "audit_json_labels", {}).get(field.name))
    return str(raw)


def _model_changes(entry: LogEntry, model, resolver: _Resolver):
    """[(label, old, new)] of a create/update/delete; old is None for a create."""
    fields = _shown_fields(model) if model is not None else {}
    rows = []
    for name, values in (entry.changes_dict or {}).items():
        field = fields.get(name)
        if field is None:
            continue
        if isinstance(values, dict) and values.get("type") == "m2m":  # a many-to-many change
            verb = _("添加") if values.get("operation") == "add" else _("移除")
            rows.append((str(field.verbose_name), None, f"{verb}：{_structure_text(values.get('objects') or [])}"))
            continue
        old, new = (list(values) + [None, None])[:2]
        if entry.action == LogEntry.Action.CREATE:
            if _empty(new) or (new == "False" and field.get_internal_type() == "BooleanField"):
                continue  # a new record: what it has, not every switch left off
            rows.append((str(field.verbose_name), None, _value_text(field, new, resolver)))
        elif entry.action == LogEntry.Action.DELETE:
            if _empty(old):
                continue
            rows.append((str(field.verbose_name), _value_text(field, old, resolver), None))
        else:
            rows.append((str(field.verbose_name), _value_text(field, old, resolver),
                         _value_text(field, new, resolver)))
    return rows


ACCESS_SENTENCES = {
    AuditEvent.LOGIN: _("%(actor)s 登录"),
    AuditEvent.LOGOUT: _("%(actor)s 退出登录"),
    AuditEvent.LOGIN_FAILED: _("用户名“%(record)s”登录失败（密码错误或账号已锁定）"),
    AuditEvent.VIEW_PERSONAL_DATA: _("%(actor)s 查看了%(model)s“%(record)s”的完整个人信息"),
    AuditEvent.EXPORT: _("%(actor)s 导出：%(record)s"),
    AuditEvent.IMPORT: _("%(actor)s 导入了%(model)s“%(record)s”"),
    AuditEvent.BULK_WRITE: _("%(actor)s 批量写入%(model)s：%(record)s"),
    AuditEvent.STAFF_UNLOCK: _("%(actor)s 解除了账号“%(record)s”的登录锁定"),
    AuditEvent.ID_NUMBER_TAKEN: _("%(actor)s 登记的身份证号“%(record)s”已在系统中登记，被拒绝"),
    AuditEvent.ACCESS_REFUSED: _("%(actor)s 访问“%(record)s”被拒绝"),
    AuditEvent.OTP_ENROLLED: _("%(actor)s 启用了双因素认证"),
    AuditEvent.OTP_FAILED: _("%(actor)s 输入的动态验证码错误"),
    AuditEvent.OTP_RECOVERY_USED: _("%(actor)s 使用恢复码完成了双因素认证"),
    AuditEvent.OTP_RESET: _("%(actor)s 重置了账号“%(record)s”的双因素认证"),
    AuditEvent.PASSWORD_RESET: _("%(actor)s 重置了账号“%(record)s”的密码"),
    AuditEvent.SESSION_TIMEOUT: _("%(actor)s 的会话超时，已自动退出"),
}
ACTION_SENTENCES = {
    LogEntry.Action.CREATE: _("%(actor)s 新增了%(model)s“%(record)s”"),
    LogEntry.Action.UPDATE: _("%(actor)s 修改了%(model)s“%(record)s”"),
    LogEntry.Action.DELETE: _("%(actor)s 删除了%(model)s“%(record)s”"),
}


ACCESS_SENTENCE_OTHER = _("%(actor)s 访问了%(model)s“%(record)s”")


def _sentence_template(action, data: dict):
    """The sentence an entry reads as (describe_entries), its %(actor)s, %(model)s and %(record)s still open."""
    if action == LogEntry.Action.ACCESS:
        event = (data or {}).get("event")
        if event == AuditEvent.IMPORT and (data or {}).get("what") in IMPORT_STEP_SENTENCES:
            return IMPORT_STEP_SENTENCES[data["what"]]
        return ACCESS_SENTENCES.get(event, ACCESS_SENTENCE_OTHER)
    return ACTION_SENTENCES.get(action, ACTION_SENTENCES[LogEntry.Action.UPDATE])


def _renderings():
    """Every way an entry is rendered on the audit page, as (the entries rendered so — a Q over LogEntry —,
    their sentence template, their 事件 label): _sentence_template and event_label read the other way round."""
    access = Q(action=LogEntry.Action.ACCESS)
    steps = list(IMPORT_STEP_SENTENCES)
    for event, template in ACCESS_SENTENCES.items():
        which = access & Q(additional_data__event=str(event))
        if event == AuditEvent.IMPORT:
            which &= Q(additional_data__what__isnull=True) | ~Q(additional_data__what__in=steps)
        yield which, template, AuditEvent(event).label
    for what, template in IMPORT_STEP_SENTENCES.items():
        yield (access & Q(additional_data__event=str(AuditEvent.IMPORT), additional_data__what=what), template,
               AuditEvent.IMPORT.label)
    named = [str(e) for e in ACCESS_SENTENCES]
    unnamed = access & (Q(additional_data__event__isnull=True) | ~Q(additional_data__event__in=named))
    for event in set(AuditEvent.values) - set(named):
        yield access & Q(additional_data__event=event), ACCESS_SENTENCE_OTHER, AuditEvent(event).label
        unnamed &= ~Q(additional_data__event=event)
    yield unnamed, ACCESS_SENTENCE_OTHER, ACTION_LABEL_OTHER
    for action, template in ACTION_SENTENCES.items():
        yield Q(action=action), template, ACTION_LABELS.get(action, ACTION_LABEL_OTHER)
    others = [a for a, _label in LogEntry.Action.choices if a != LogEntry.Action.ACCESS and a not in ACTION_SENTENCES]
    if others:
        yield Q(action__in=others), ACTION_SENTENCES[LogEntry.Action.UPDATE], ACTION_LABEL_OTHER


_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def sentence_search_q(term: str) -> Q:
    """Entries whose sentence or 事件 label, as the audit page shows them in the active language, contains the
    term (case aside): the words of the sentence (导出, 查看了…的完整个人信息, 新增了), the label (查看完整个人信息),
    the actor's name (系统 for none), the record kind (家庭, 救助线索) where the sentence names it, and the record's
    own text. A term spanning a word of the sentence and a value (“张三 导出”) is not looked for."""
    from django.apps import apps

    needle = (term or "").strip().casefold()
    if not needle:
        return Q(pk__in=[])
    match = Q(object_repr__icontains=term.strip())
    models = [m for m in apps.get_models() if needle in str(m._meta.verbose_name).casefold()]
    model_types = [ct.pk for ct in ContentType.objects.get_for_models(*models).values()] if models else []
    # str(actor) is the full name, else the username (relief.models.User.__str__).
    actors = Q(actor__full_name__icontains=term.strip()) | Q(actor__full_name="",
                                                              actor__username__icontains=term.strip())
    if needle in str(_("系统")).casefold():
        actors |= Q(actor__isnull=True)
    for which, template, label in _renderings():
        text = str(template)
        words = _PLACEHOLDER.split(text)[::2]
        if needle in str(label).casefold() or any(needle in w.casefold() for w in words):
            match |= which
            continue
        names = set(_PLACEHOLDER.findall(text))
        if "actor" in names:
            match |= which & actors
        if "model" in names and model_types:
            match |= which & Q(content_type_id__in=model_types)
    return match


def describe_entries(entries) -> None:
    """Give each entry of a page `sentence` and `change_rows` [(label, old, new)] for the audit log page."""
    entries = list(entries)
    resolver = _Resolver()
    for entry in entries:
        model = entry.content_type.model_class() if entry.content_type_id else None
        if model is None or entry.action == LogEntry.Action.ACCESS:
            continue
        fields = _shown_fields(model)
        for name, values in (entry.changes_dict or {}).items():
            field = fields.get(name)
            if field is not None and (field.many_to_one or field.one_to_one) and isinstance(values, list):
                for raw in values:
                    if not _empty(raw):
                        resolver.want(field.related_model, str(raw))
    resolver.fetch()
    for entry in entries:
        model = entry.content_type.model_class() if entry.content_type_id else None
        model_name = str(model._meta.verbose_name) if model is not None else str(_("记录"))
        words = {"actor": str(entry.actor) if entry.actor_id else str(_("系统")), "model": model_name,
                 "record": entry.object_repr}
        data = entry.additional_data or {}
        if entry.action == LogEntry.Action.ACCESS:
            event = data.get("event")
            entry.sentence = str(_sentence_template(entry.action, data)) % words
            entry.change_rows = [(str(DETAIL_LABELS[k]), None, _detail_value_text(k, v)) for k, v in data.items()
                                 if k in DETAIL_LABELS and not _empty(v) and not (event == "login_failed"
                                                                                   and k == "username")
                                 # A reveal's reason is a code of relief.reveal's list, shown by its label.
                                 and not (event == AuditEvent.VIEW_PERSONAL_DATA and k == "reason")]
        else:
            entry.sentence = str(_sentence_template(entry.action, data)) % words
            entry.change_rows = _model_changes(entry, model, resolver) if model is not None else []
        entry.event_label = event_label(entry)
        entry.result = entry_result(entry)
        entry.result_label = AuditResult(entry.result).label
