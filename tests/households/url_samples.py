"""An object in village C (outside caseworker A's and township 1's jurisdiction) for every household URL."""
from households import services
from households.models import AssistanceType, FocusReason, TargetKind

from .factories import make_household


def _household(demo):
    return make_household(demo.village_c)


def _with_member(demo):
    household = _household(demo)
    return {"pk": household.pk, "member_pk": household.members.first().pk}


def _with_assistance(demo):
    household = _household(demo)
    record = services.assistance_add(actor=None, household=household, type=AssistanceType.DIBAO,
                                     start_date=household.created_at.date(), monthly_amount=500)
    return {"pk": household.pk, "record_pk": record.pk}


def _on_roster(demo):
    household = _household(demo)
    services.roster_enter(actor=None, household=household, reasons=[FocusReason.ELDERLY_ALONE],
                          target_kind=TargetKind.WARNING)
    return {"pk": household.pk}


def _on_observation(demo):
    household = _household(demo)
    services.observation_add(actor=None, household=household, reason_not_eligible="收入略高于标准")
    return {"pk": household.pk}


def _on_quarterly_check(demo):
    household = _household(demo)
    services.quarterly_check_place(actor=None, household=household, reason="exited")
    return {"pk": household.pk}


def _with_care_agreement(demo):
    import datetime as dt

    from households import care_services
    from households.models import CarerRelation

    household = _household(demo)
    agreement = care_services.care_agreement_record(
        actor=None, member=household.members.first(), carer_name="李四", carer_phone="13800000000",
        carer_relation=CarerRelation.NEIGHBOUR, terms="每日送餐", starts_on=dt.date.today() - dt.timedelta(days=1),
        ends_on=dt.date.today() + dt.timedelta(days=300))
    return {"pk": household.pk, "agreement_pk": agreement.pk}


OUTSIDE_OBJECT_KWARGS = {
    "households:care_agreement_add": _with_member,
    "households:care_follow_up_add": _with_care_agreement,
    "households:quarterly_check": _on_quarterly_check,
    "households:written_refusal": _on_quarterly_check,
    "households:whole_household_check": lambda demo: {"pk": _household(demo).pk},
    "households:detail": lambda demo: {"pk": _household(demo).pk},
    "households:print": lambda demo: {"pk": _household(demo).pk},
    "households:edit": lambda demo: {"pk": _household(demo).pk},
    "households:member_add": lambda demo: {"pk": _household(demo).pk},
    "households:member_edit": _with_member,
    "households:member_status": _with_member,
    "households:assistance_add": lambda demo: {"pk": _household(demo).pk},
    "households:assistance_end": _with_assistance,
    "households:roster_enter": lambda demo: {"pk": _household(demo).pk},
    "households:roster_change": _on_roster,
    "households:roster_exit": _on_roster,
    "households:observation_add": lambda demo: {"pk": _household(demo).pk},
    "households:observation_review": _on_observation,
    "households:observation_remove": _on_observation,
}
