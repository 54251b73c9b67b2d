"""Sections other apps add to the household page ("one household, one page" 一户一页).

Each app lists a function `section(request, household) -> HouseholdSection | None` in
settings.RELIEF_HOUSEHOLD_SECTIONS (visits, alerts, leads and referrals, plans...). The household page
renders them in order; the print view too, unless `printable` is False. A section must only show what
the requesting user may see (the household itself is already within their jurisdiction) and should use
a fixed number of queries whatever the household's size.
"""
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from relief import access
from relief.access import Action
from relief.models import JurisdictionLevel

from . import checks


@dataclass
class HouseholdSection:
    title: str
    template: str
    context: dict = field(default_factory=dict)
    order: int = 100
    printable: bool = True


def household_sections(request, household) -> list[HouseholdSection]:
    sections = [import_string(path)(request, household) for path in settings.RELIEF_HOUSEHOLD_SECTIONS]
    return sorted((s for s in sections if s is not None), key=lambda s: s.order)


def checks_section(request, household) -> HouseholdSection | None:
    """季度排查 and 整户纳入低保核查 on the household page: the family's place on the quarterly check, its checks and
    written refusal; whether it is flagged for a whole-household check, and the outcomes recorded. Shown only
    when the family has any of them. A fixed number of queries."""
    quarterly = checks.household_quarterly(household)
    whole = checks.household_whole_check(household)
    if not (quarterly["entries"] or quarterly["refusal"] or whole["candidate"] is not None or whole["checks"]):
        return None
    user = request.user
    latest_check = quarterly["checks"][0] if quarterly["checks"] else None
    latest_whole = whole["checks"][0] if whole["checks"] else None
    may_refer = (access.may_open(user, "referrals:create", household_pk=0)
                 and access.is_referral_party(user, JurisdictionLevel.VILLAGE, household.village_id))
    return HouseholdSection(
        title=_("季度排查与整户纳入低保核查"), template="households/checks_section.html", order=40,
        context={
            "household": household, "q": quarterly, "whole": whole,
            "may_check": access.can(user, Action.LOG_VISITS, household.village_id),
            "may_edit": access.can(user, Action.EDIT_HOUSEHOLDS, household.village_id),
            "may_read_visits": access.can(user, Action.VIEW_PERSONAL_DATA, household.village_id),
            "raise_quarterly": may_refer and latest_check is not None and latest_check.circumstances_changed,
            "raise_whole": may_refer and latest_whole is not None and latest_whole.outcome == "proposed",
        },
    )
