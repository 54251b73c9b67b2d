"""Street patrols — 街面巡查: record a patrol, raise leads from it (the leads through lead_create)."""
from __future__ import annotations

from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from relief import access, punctuation
from relief.access import Action
from relief.models import Jurisdiction, JurisdictionLevel, Role, User

from ..models import LeadChannel, Patrol, PatrolLead, Urgency
from .common import _now, _required, _today
from .errors import ReferralError
from .leads import lead_create

PATROL_STAFF_ROLES = (Role.CASEWORKER, Role.TOWNSHIP)


def patrol_staff_choices(township: Jurisdiction):
    """Staff who may be named on a patrol of the township: its own staff and its villages' caseworkers."""
    return (User.objects.filter(is_active=True, role__in=PATROL_STAFF_ROLES)
            .filter(jurisdiction__in=Jurisdiction.objects.filter(pk=township.pk)
                    | Jurisdiction.objects.filter(parent=township, level=JurisdictionLevel.VILLAGE))
            .order_by("role", "username"))


@transaction.atomic
def patrol_record(*, actor, township: Jurisdiction | None = None, village: Jurisdiction | None = None,
                  patrolled_on=None, area: str, staff=(), others: str = "", people_met: int = 0,
                  notes: str = "") -> Patrol:
    """Record a street patrol (街面巡查) of a township, or of one of its villages.

    The actor must keep the households of the place (the village, or the township for a patrol across
    villages); another jurisdiction answers 404. Named staff must serve the township or one of its villages.
    Bad input raises ReferralError with a Chinese message per field. django-auditlog records the row.
    """
    if village is not None:
        if village.level != JurisdictionLevel.VILLAGE:
            raise ReferralError({"village": _("请选择村/社区。")})
        if township is not None and village.parent_id != township.pk:
            raise ReferralError({"village": _("所选村/社区不属于该乡镇（街道）。")})
        township = village.parent
    if township is None or township.level != JurisdictionLevel.TOWNSHIP:
        raise ReferralError({"township": _("请选择乡镇/街道。")})
    place = village or township
    if village is None and not access.can(actor, Action.VIEW, township) and Jurisdiction.objects.filter(
            parent=township, pk__in=access.village_ids_for(actor, Action.EDIT_HOUSEHOLDS)).exists():
        # A village's caseworker serves part of the township: they record their own village's patrols.
        raise ReferralError({"village": _("请选择您负责的村/社区。")})
    access.check(actor, Action.VIEW, place)
    if not access.can(actor, Action.EDIT_HOUSEHOLDS, place):
        raise ReferralError({"village": _("请选择您负责的村/社区。")} if village is None
                            else _("您的角色不能登记街面巡查。"))
    fields = _patrol_fields(township, patrolled_on=patrolled_on, area=area, staff=staff, others=others,
                            people_met=people_met, notes=notes)
    staff = fields.pop("staff")
    now = _now()
    patrol = Patrol.objects.create(township=township, village=village, recorded_by=actor, created_at=now,
                                   updated_at=now, **fields)
    patrol.staff.set(staff)
    return patrol


def patrol_version(patrol: Patrol) -> str:
    """What an edit form carries of the patrol it was read at: a later save by someone else changes it."""
    return patrol.updated_at.isoformat()


@transaction.atomic
def patrol_update(*, actor, patrol: Patrol | int, version: str, patrolled_on, area: str, staff=(),
                  others: str = "", people_met: int = 0, notes: str = "") -> Patrol:
    """Correct a recorded patrol: its date, area, people and notes (not its place: its leads lie there).

    Whoever may record a patrol of the place may correct it. ``version`` is ``patrol_version`` of the patrol
    as the form read it; a patrol saved meanwhile by someone else is refused, never overwritten.
    """
    pk = patrol.pk if isinstance(patrol, Patrol) else int(patrol)
    patrol = Patrol.objects.select_for_update(of=("self",)).select_related("township", "village").filter(pk=pk).first()
    if patrol is None:
        raise Http404(_("未找到该记录，或它不在您的辖区内。"))
    access.check(actor, Action.VIEW, patrol.place_id)
    if not access.can(actor, Action.EDIT_HOUSEHOLDS, patrol.place_id):
        raise ReferralError(_("您不能修改这条巡查记录。"))
    if version != patrol_version(patrol):
        raise ReferralError(_("这条巡查记录已被他人修改，请刷新页面，看过最新内容后再改。"))
    # Who went on the patrol stays named, even after moving to another post since.
    fields = _patrol_fields(patrol.township, patrolled_on=patrolled_on, area=area, staff=staff, others=others,
                            people_met=people_met, notes=notes, keep=set(patrol.staff.values_list("pk", flat=True)))
    staff = fields.pop("staff")
    for name, value in fields.items():
        setattr(patrol, name, value)
    patrol.updated_at = _now()
    patrol.save(update_fields=[*fields, "updated_at"])
    patrol.staff.set(staff)
    return patrol


def _patrol_fields(township, *, patrolled_on, area, staff, others, people_met, notes, keep=frozenset()) -> dict:
    """The checked fields of a patrol of the township; bad input raises ReferralError per field."""
    patrolled_on = patrolled_on or _today()
    if patrolled_on > _today():
        raise ReferralError({"patrolled_on": _("巡查日期不能晚于今天。")})
    area = _required(area, "area", _("请填写巡查区域或路线。"))
    if len(area) > 200:
        raise ReferralError({"area": _("巡查区域/路线不能超过200字。")})
    if people_met is None or int(people_met) < 0:
        raise ReferralError({"people_met": _("遇到人数不能为负数。")})
    staff = list(staff or [])
    allowed = set(patrol_staff_choices(township).values_list("pk", flat=True)) | set(keep)
    outside = [str(u) for u in staff if u.pk not in allowed]
    if outside:
        raise ReferralError({"staff": _("以下人员不是本乡镇（街道）的工作人员：%(n)s。") % {"n": punctuation.mark("、").join(outside)}})
    others = (others or "").strip()
    if not staff and not others:
        raise ReferralError({"staff": _("请选择或填写参加巡查的人员。")})
    return {"patrolled_on": patrolled_on, "area": area, "staff": staff, "others": others,
            "people_met": int(people_met), "notes": (notes or "").strip()}


@transaction.atomic
def patrol_raise_lead(*, actor, patrol: Patrol | int, village: Jurisdiction | None = None, description: str,
                      subject_name: str = "", subject_address: str = "", urgency: str = Urgency.NORMAL):
    """Raise a lead (channel 街面巡查) from a patrol, linked back to it. Call as often as the patrol found people.

    The lead lies in the patrol's village, or in the village given (one of the patrol's township); lead_create
    checks the fields and the actor's jurisdiction as for any lead.
    """
    pk = patrol.pk if isinstance(patrol, Patrol) else int(patrol)
    patrol = Patrol.objects.select_for_update(of=("self",)).select_related("township", "village").filter(pk=pk).first()
    if patrol is None:
        raise Http404(_("未找到该记录，或它不在您的辖区内。"))
    access.check(actor, Action.VIEW, patrol.place_id)
    if patrol.village_id is not None:
        if village is not None and village.pk != patrol.village_id:
            raise ReferralError({"village": _("这次巡查只在%(v)s，线索须落在该村/社区。") % {"v": patrol.village.name}})
        village = patrol.village
    elif village is None:
        raise ReferralError({"village": _("请选择困难群众所在的村/社区。")})
    elif village.parent_id != patrol.township_id:
        raise ReferralError({"village": _("所选村/社区不属于%(t)s。") % {"t": patrol.township.name}})
    lead = lead_create(actor=actor, channel=LeadChannel.PATROL, village=village, description=description,
                       subject_name=subject_name, subject_address=subject_address, urgency=urgency,
                       source_ref=f"巡查{patrol.pk}")
    PatrolLead.objects.create(patrol=patrol, lead=lead)
    return lead
