"""The household page's section: the family's leads and referrals (two queries)."""
from django.utils.translation import gettext as _

from households.sections import HouseholdSection

from . import selectors, services


def section(request, household):
    leads, referrals = selectors.household_leads_and_referrals(household)
    open_referral = any(r.is_open for r in referrals)
    return HouseholdSection(
        title=_("线索与转办"), template="referrals/household_section.html", order=60,
        context={"leads": leads, "referrals": referrals, "household": household,
                 "may_create": not open_referral and services._is_party(request.user, services.VILLAGE,
                                                                        household.village_id)},
    )
