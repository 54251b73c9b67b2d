"""Field work without a signal (离线走访, issue 17): what the phone keeps, and how what it typed comes back.

    offline_package(user, *, pinned_ids=(), today=None) -> OfflinePackage
    offline_visit_sync(*, actor, household_id, data, files) -> SyncOutcome
    offline_household_change(*, actor, household_id, version, fields) -> SyncOutcome

The package is what a visit needs for the households of the caseworker's worklist (overdue, pinned, due this
period, not seen last time) and nothing else of the registry: a summary of the household, its members with
their ID numbers masked (the phone may be lost; the visit does not need the full number), the last visits,
what is still open, and what the visit form needs (choices, rules, the photo limits). It is bounded by a
number of households and of bytes, in the worklist's order, so the most urgent are always kept.

Coming back, a visit goes through the very form and service an online visit goes through (VisitForm and
visit_log: the three don'ts, the photo checks, the jurisdiction), carrying the submission key the phone gave
it when it was saved, so that a resend stores nothing twice. Any other change (a phone number) is sent with
the version of the household it was read at, and households.services refuses it when someone saved since.
"""
from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass, field
from importlib import import_module

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _

from alerts.models import Alert, UNHANDLED_STATUSES
from alerts.reasons import reason_text
from households.models import Household, Member, MemberStatus
from households.services import household_update
from relief import access
from relief.access import Action
from relief.models import User
from relief.punctuation import COLON

from .forms import VisitForm
from .models import CHECK_FIELDS, NOT_SEEN_FOLLOW_UP_DAYS, Visit
from .photos import PHOTO_MAX_BYTES, PHOTO_MAX_COUNT, PHOTO_MAX_SIDE
from .selectors import WORKLIST_SECTIONS, attach_households, worklist_for
from .services import visit_log

# Defaults of the settings (relief/settings.py may set them): how many households and bytes one download
# holds, and how many days the phone keeps it before it forgets it unasked.
MAX_HOUSEHOLDS = 150
MAX_BYTES = 2 * 1024 * 1024
KEEP_DAYS = 3
LAST_VISITS = 3
# What the phone may change offline besides logging a visit; each goes through households.household_update.
EDITABLE_FIELDS = ("phone",)


def max_households() -> int:
    return int(getattr(settings, "RELIEF_OFFLINE_MAX_HOUSEHOLDS", MAX_HOUSEHOLDS))


def max_bytes() -> int:
    return int(getattr(settings, "RELIEF_OFFLINE_MAX_BYTES", MAX_BYTES))


def keep_days() -> int:
    return int(getattr(settings, "RELIEF_OFFLINE_KEEP_DAYS", KEEP_DAYS))


@dataclass
class OfflinePackage:
    payload: dict
    body: bytes
    household_ids: list[int]


def _choices(model_field) -> list[list[str]]:
    return [[str(value), str(label)] for value, label in model_field.choices if value != ""]


def form_spec() -> dict:
    """What the phone needs to draw the visit form and say its rules, from the online form itself, so the two
    offer the same choices and labels."""
    fields = VisitForm.base_fields
    spec = {}
    for name, f in fields.items():
        if name in ("submission_key", "visitors"):
            continue
        entry = {"label": str(f.label or name), "help": str(f.help_text or "")}
        choices = getattr(f, "choices", None)
        if choices is not None:
            entry["choices"] = [[str(v), str(lbl)] for v, lbl in choices if v != ""]
        spec[name] = entry
    spec["kind"]["choices"] = _choices(Visit._meta.get_field("kind"))
    spec["visitors"] = {"label": str(fields["visitors"].label), "help": str(_("不选时默认为您本人。"))}
    for name in CHECK_FIELDS:
        spec[name]["choices"] = _choices(Visit._meta.get_field(name))
    spec["willingness"]["help"] = str(_("未见到本人时不记录救助意愿。"))
    return {
        "fields": spec,
        "checks": list(CHECK_FIELDS),
        "photos": {"max_bytes": PHOTO_MAX_BYTES, "max_count": PHOTO_MAX_COUNT, "max_side": PHOTO_MAX_SIDE,
                   "accept": "image/jpeg,image/png,image/webp"},
        "rules": [
            str(_("走访到户不见人不放过：未见到本人的走访不算完成本期走访，需说明原因，默认 %(d)d 天后跟进。")
                % {"d": NOT_SEEN_FOLLOW_UP_DAYS}),
            str(_("困难人员情况不调查清楚不放过：逐项了解生活状况并见到本人，才能认定情况已调查清楚。")),
            str(_("针对问题不提出对策建议不放过：发现需求时必须提出对策建议。")),
        ],
    }


def _needs_providers() -> list:
    providers = []
    for path in getattr(settings, "RELIEF_OFFLINE_NEEDS_PROVIDERS", []):
        module, name = path.rsplit(".", 1)
        providers.append(getattr(import_module(module), name))
    return providers


def _visit_row(visit: Visit) -> dict:
    return {
        "visited_on": visit.visited_on.isoformat(), "method": visit.get_method_display(),
        "kind": visit.get_kind_display(), "person_seen": visit.person_seen,
        "needs": visit.need_labels(), "measures": visit.measures[:200], "situation": visit.situation[:300],
        "open_reasons": visit.open_reasons(),
        "visitors": [u.display_name for u in visit.visitors.all()] + ([visit.volunteers] if visit.volunteers else []),
    }


def offline_package(user: User, *, pinned_ids=(), today: dt.date | None = None) -> OfflinePackage:
    """The day's worklist for the phone, as JSON bytes; a fixed number of queries whatever its size."""
    today = today or timezone.localdate()
    village_ids = access.village_ids_for(user, Action.LOG_VISITS)
    work = worklist_for(user, today=today, village_ids=village_ids, with_alerts=False)
    pinned = [int(pk) for pk in pinned_ids if str(pk).isdigit()]
    # Pins are checked like every other household: one outside the user's villages is not packed.
    pinned = list(access.scope(Household.objects.filter(pk__in=pinned), user, Action.LOG_VISITS)
                  .values_list("pk", flat=True)) if pinned else []
    items_by_id, reasons = {}, {}
    for name in WORKLIST_SECTIONS:
        for item in work.section(name):
            items_by_id.setdefault(item.household_id, item)
            reasons.setdefault(item.household_id, []).append(name)
    # Overdue first, then the pinned, then the other sections in their order; each household once (a dict keeps
    # the first place, without searching a list of thousands for each of thousands).
    later = [i.household_id for name in WORKLIST_SECTIONS[1:] for i in work.section(name)]
    order = list(dict.fromkeys([i.household_id for i in work.overdue] + pinned + later))
    for pk in pinned:
        reasons.setdefault(pk, []).append("pinned")
    total = len(order)
    order = order[:max_households()]

    attach_households([items_by_id[pk] for pk in order if pk in items_by_id])
    households = Household.objects.select_related("village").in_bulk(order)
    members: dict[int, list] = {}
    for m in Member.objects.filter(household_id__in=order).order_by("household_id", "pk"):
        members.setdefault(m.household_id, []).append({
            "name": m.name, "relation": m.get_relation_display(), "sex": m.get_sex_display(),
            "age": m.age_on(today), "id_number": m.masked_id_number, "status": m.get_status_display(),
            "present": m.status == MemberStatus.PRESENT,
            "health": "、".join(x for x in (m.serious_illness, m.chronic_illness) if x),
            "disability": " ".join(x for x in (m.get_disability_type_display() if m.disability_type else "",
                                                 m.get_disability_grade_display() if m.disability_grade else "") if x),
            "self_care": m.get_self_care_display(),
        })
    visits: dict[int, list] = {}
    recent = (Visit.objects.filter(household_id__in=order)
              .annotate(rank=Window(RowNumber(), partition_by=[F("household_id")],
                                    order_by=[F("visited_on").desc(), F("pk").desc()]))
              .filter(rank__lte=LAST_VISITS).prefetch_related("visitors").order_by("household_id", "rank"))
    for v in recent:
        visits.setdefault(v.household_id, []).append(_visit_row(v))
    alerts: dict[int, list] = {}
    for a in Alert.objects.filter(household_id__in=order, status__in=UNHANDLED_STATUSES).order_by("-opened_at"):
        alerts.setdefault(a.household_id, []).append(f"{a.get_kind_display()}{COLON}{reason_text(a)[:120]}")
    needs: dict[int, list] = {}
    for provider in _needs_providers():
        for pk, rows in provider(order).items():
            needs.setdefault(pk, []).extend(rows)
    # Who may be named as a visitor: the staff of the household's village and township, as the form offers.
    place_ids = {h.village_id for h in households.values()} | {h.village.parent_id for h in households.values()}
    staff: dict[int, list] = {}
    for u in User.objects.filter(is_active=True, jurisdiction__in=place_ids).order_by("role", "full_name", "username"):
        staff.setdefault(u.jurisdiction_id, []).append([u.pk, u.display_name])

    rows = []
    for pk in order:
        h = households.get(pk)
        if h is None:
            continue
        item = items_by_id.get(pk)
        own_visits = visits.get(pk, [])
        rows.append({
            "id": pk, "version": h.version, "village": h.village.name, "village_id": h.village_id,
            "address": h.residence_address, "phone": h.phone,
            "head": (item.head_name if item else "") or next(
                (m["name"] for m in members.get(pk, []) if m["relation"] == str(_("户主"))), ""),
            "categories": h.categories.strip(","),
            "reasons": reasons.get(pk, []),
            "cadence": item.cadence_label if item else "",
            "due_on": item.due_on.isoformat() if item else None,
            "overdue_days": item.overdue_days if item else 0,
            "last_visit_on": item.last_visit_on.isoformat() if item and item.last_visit_on else None,
            "last_seen": item.last_seen if item else None,
            "follow_up_on": item.follow_up_on.isoformat() if item and item.follow_up_on else None,
            "members": members.get(pk, []),
            "visits": own_visits,
            "open": (own_visits[0]["open_reasons"] if own_visits else [str(_("尚无走访记录"))]) + alerts.get(pk, []),
            "needs": needs.get(pk, []),
            "visitors": staff.get(h.village_id, []) + staff.get(h.village.parent_id, []),
        })
    now = timezone.now()
    payload = {
        "format": 1,
        "user": user.pk,
        "user_name": user.display_name,
        "generated_at": now.isoformat(),
        "today": today.isoformat(),
        "expires_at": (now + dt.timedelta(days=keep_days())).isoformat(),
        "keep_days": keep_days(),
        "limits": {"households": max_households(), "bytes": max_bytes()},
        "total": total,
        "form": form_spec(),
        "households": rows,
    }
    # Drop the least urgent households (the end of the order) until the package fits its byte limit.
    body = _encode(payload)
    while len(body) > max_bytes() and payload["households"]:
        over = len(body) - max_bytes()
        drop = max(1, min(len(payload["households"]) // 2, over // max(1, len(body) // len(payload["households"]))))
        del payload["households"][-drop:]
        body = _encode(payload)
    payload["truncated"] = len(payload["households"]) < total
    payload["count"] = len(payload["households"])
    body = _encode(payload)
    payload["bytes"] = len(body)
    body = _encode(payload)
    return OfflinePackage(payload=payload, body=body, household_ids=[r["id"] for r in payload["households"]])


def _encode(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


# ---------------------------------------------------------------- coming back

@dataclass
class SyncOutcome:
    """stored (a new visit or change), duplicate (the same submission key was stored before), refused (with
    the reasons, in Chinese, each at its field where it has one) or conflict (someone changed it since)."""

    status: str
    message: str
    errors: list[dict] = field(default_factory=list)
    visit_id: int | None = None
    current: dict | None = None

    @property
    def http_status(self) -> int:
        return {"stored": 201, "duplicate": 200, "refused": 422, "conflict": 409}[self.status]

    def as_json(self) -> dict:
        return {"status": self.status, "message": self.message, "errors": self.errors, "visit": self.visit_id,
                **({"current": self.current} if self.current is not None else {})}


def _refused(message: str, errors: list[dict] | None = None) -> SyncOutcome:
    return SyncOutcome("refused", message, errors or [{"field": "", "label": "", "message": message}])


def not_yours_message() -> str:
    return _("该家庭已不在您负责的村/社区（可能已迁往其他村/社区，或您的负责范围已调整），这条记录不能保存。"
             "请与乡镇民政办核实后修改或删除。")


def _form_errors(form) -> list[dict]:
    errors = [{"field": "", "label": "", "message": str(m)} for m in form.non_field_errors()]
    for name, messages in form.errors.items():
        if name == "__all__":
            continue
        label = str(form.fields[name].label or "") if name in form.fields else ""
        errors.extend({"field": name, "label": label, "message": str(m)} for m in messages)
    return errors


def offline_visit_sync(*, actor: User, household_id, data, files) -> SyncOutcome:
    """Store one visit the phone kept, through the online form's rules and visit_log (its own transaction)."""
    try:
        key = uuid.UUID(str(data.get("submission_key", "")))
    except ValueError:
        return _refused(_("提交编号无效：这条记录无法识别，请删除后重新填写。"))
    # A resend of what was stored (the answer was lost on the way back): harmless, whatever happened since.
    existing = Visit.objects.filter(idempotency_key=key).first()
    if existing is not None:
        if existing.logged_by_id == actor.pk and str(existing.household_id) == str(household_id):
            return SyncOutcome("duplicate", _("这条走访记录此前已上传，未重复登记。"), visit_id=existing.pk)
        return _refused(_("提交编号已被其他走访记录使用，请删除这条记录后重新填写。"))
    households = access.scope(Household.objects.select_related("village", "village__parent"), actor,
                              Action.LOG_VISITS)
    household = households.filter(pk=int(household_id)).first() if str(household_id).isdigit() else None
    if household is None:
        return _refused(not_yours_message())
    form = VisitForm(data, files, household=household, user=actor)
    if not form.is_valid():
        return _refused(_("走访记录未保存：有需要修改的内容。"), _form_errors(form))
    fields = {name: form.cleaned_data[name] for name in form.cleaned_data
              if name not in ("visitors", "photos", "submission_key")}
    try:
        visit, created = visit_log(actor=actor, household=household, data=fields,
                                   visitors=form.cleaned_data["visitors"], photos=form.cleaned_data["photos"],
                                   idempotency_key=key)
    except ValidationError as exc:
        return _refused(_("走访记录未保存：有需要修改的内容。"), _validation_errors(exc, form))
    if not created:
        return SyncOutcome("duplicate", _("这条走访记录此前已上传，未重复登记。"), visit_id=visit.pk)
    return SyncOutcome("stored", _("走访记录已保存。"), visit_id=visit.pk)


def _validation_errors(exc: ValidationError, form=None) -> list[dict]:
    if not hasattr(exc, "error_dict"):
        return [{"field": "", "label": "", "message": str(m)} for m in exc.messages]
    errors = []
    for name, items in exc.error_dict.items():
        label = str(form.fields[name].label or "") if form is not None and name in form.fields else ""
        for item in items:
            errors.extend({"field": name if label else "", "label": label, "message": str(m)} for m in item.messages)
    return errors


def offline_household_change(*, actor: User, household_id, version, fields: dict) -> SyncOutcome:
    """A change made offline (a phone number), against the version of the household the phone read; a save
    made since is never overwritten: the phone is told what the server holds now."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown or not fields:
        return _refused(_("离线时只能修改联系电话。"))
    households = access.scope(Household.objects.select_related("village"), actor, Action.EDIT_HOUSEHOLDS)
    household = households.filter(pk=int(household_id)).first() if str(household_id).isdigit() else None
    if household is None:
        return _refused(not_yours_message())
    try:
        version = int(version)
    except (TypeError, ValueError):
        return _refused(_("缺少修改时的信息版本，无法判断是否与他人的修改冲突，请重新填写。"))
    if version != household.version:
        current = {name: getattr(household, name) for name in EDITABLE_FIELDS}
        return SyncOutcome(
            "conflict",
            _("未保存：您离线修改时该家庭信息为第 %(mine)s 版，之后已被修改（现在是第 %(now)s 版），"
              "为避免覆盖他人的修改，您的修改没有提交。请核对后决定是否重新修改。")
            % {"mine": version, "now": household.version},
            current={**current, "version": household.version})
    try:
        household_update(actor=actor, household=household, version=version,
                         **{name: str(value).strip() for name, value in fields.items()})
    except ValidationError as exc:
        if getattr(exc, "code", None) == "stale":
            household.refresh_from_db()
            return SyncOutcome("conflict", exc.messages[0],
                               current={**{n: getattr(household, n) for n in EDITABLE_FIELDS},
                                        "version": household.version})
        return _refused(_("修改未保存。"), _validation_errors(exc))
    return SyncOutcome("stored", _("修改已保存。"))
