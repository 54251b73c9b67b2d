"""The household page's section: the family's leads and referrals (two queries)."""
from django.utils.translation import gettext as _

from households.sections import HouseholdSection
from relief import access
from relief.models import JurisdictionLevel

from . import selectors


def section(request, household):
    leads, referrals = selectors.household_leads_and_referrals(household)
    open_referral = any(r.is_open for r in referrals)
    user = request.user
    return HouseholdSection(
        title=_("线索与转办"), template="referrals/household_section.html", order=60,
        context={"leads": leads, "referrals": referrals, "household": household,
                 # Roles that cannot open the referral pages (the admin) read the list without links.
                 "link_referrals": access.may_open(user, "referrals:detail", pk=0),
                 "link_leads": access.may_open(user, "referrals:lead_detail", pk=0),
                 "may_create": not open_referral and access.may_open(user, "referrals:create", household_pk=0)
                 and access.is_referral_party(user, JurisdictionLevel.VILLAGE, household.village_id)},
    )
