"""Writes for the adviser posts (救助顾问点): re-exported by plans.services, callers import from there."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from relief import access, punctuation
from relief.access import Action
from relief.models import Jurisdiction, JurisdictionLevel

from .models_advisers import AdviserPost, AdviserPostKind, AdviserPostPerson

POST_FIELDS = ("kind", "name", "place", "opening_hours", "phone", "is_active")


def _error(errors):
    from .services import PlanError

    return PlanError(errors)


def adviser_post_version(post: AdviserPost) -> str:
    """What an edit form carries of the post it was read at: a later save changes it."""
    return post.updated_at.isoformat()


@transaction.atomic
def adviser_post_save(*, actor, post: AdviserPost | None = None, township: Jurisdiction, data: dict,
                      village: Jurisdiction | None = None, people: list[dict],
                      version: str | None = None) -> AdviserPost:
    """Add or edit an adviser post of a township with the advisers on duty there (the list replaces the old one).

    Only the township's own staff keep its posts (access.keeps_township_people_of); another township answers
    404. A village post names a village of the township; the centre and the workstation none. At least one
    adviser, each with name, phone and role. An edit carries ``adviser_post_version`` of the post as its form
    read it: a post saved meanwhile by someone else is refused, never overwritten. django-auditlog records the rows.
    """
    if township is None or township.level != JurisdictionLevel.TOWNSHIP:
        raise _error({"township": _("请选择乡镇/街道。")})
    access.check(actor, Action.VIEW, township)
    if not access.keeps_township_people_of(actor, township):
        raise _error(_("救助顾问点由乡镇（街道）民政工作人员维护。"))
    if post is not None:
        post = AdviserPost.objects.select_for_update(of=("self",)).filter(pk=post.pk, township=township).first()
        if post is None:
            raise Http404(_("未找到该记录，或它不在您的辖区内。"))
        if version is not None and version != adviser_post_version(post):
            raise _error(_("这个顾问点已被他人修改，请刷新页面，看过最新内容后再改。"))
    else:
        post = AdviserPost(township=township)
    for name in POST_FIELDS:
        if name in data:
            setattr(post, name, data[name].strip() if isinstance(data[name], str) else data[name])
    errors = {}
    for name, message in (("name", _("请填写顾问点名称。")), ("place", _("请填写顾问点地点。")),
                          ("opening_hours", _("请填写开放时间。")), ("phone", _("请填写咨询电话。"))):
        if not getattr(post, name):
            errors[name] = message
    if post.kind not in AdviserPostKind.values:
        errors["kind"] = _("请选择顾问点类别。")
    elif post.kind == AdviserPostKind.VILLAGE:
        if village is None:
            errors["village"] = _("村居救助顾问点须选择村/社区。")
        elif village.level != JurisdictionLevel.VILLAGE or village.parent_id != township.pk:
            errors["village"] = _("所选村/社区不属于%(t)s。") % {"t": township.name}
    else:
        village = None
    people = [{k: (p.get(k) or "").strip() for k in ("name", "phone", "role")} for p in people or []]
    people = [p for p in people if any(p.values())]
    if not people:
        errors["people"] = _("请至少填写一名救助顾问。")
    for i, p in enumerate(people, start=1):
        missing = [label for key, label in (("name", _("姓名")), ("phone", _("联系电话")), ("role", _("职责")))
                   if not p[key]]
        if missing:
            errors.setdefault("people", _("第%(n)s位救助顾问请填写%(f)s。") % {"n": i, "f": punctuation.mark("、").join(missing)})
            continue
        try:
            AdviserPostPerson(**p).full_clean(exclude=["post"])
        except ValidationError as exc:
            errors.setdefault("people", _("第%(n)s位救助顾问：%(m)s") % {"n": i, "m": exc.messages[0]})
    if errors:
        raise _error(errors)
    post.village = village
    post.updated_at = timezone.now()
    post.full_clean(exclude=["township", "village"])
    post.save()
    # One row at a time, so django-auditlog records each adviser added and removed.
    for person in post.people.all():
        person.delete()
    for p in people:
        AdviserPostPerson.objects.create(post=post, **p)
    return post
