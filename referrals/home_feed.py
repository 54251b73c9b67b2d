"""Home card: rows of department lists that match nobody and are not yet leads (部门数据待转线索)."""
from django.urls import reverse
from django.utils.translation import gettext as _

from relief import access
from relief.home import HomeCard

from .selectors_feed import feed_rows_pending


def cards(user) -> list[HomeCard]:
    if not access.may_open(user, "referrals:feed_rows"):
        return []
    pending = feed_rows_pending(user).count()
    return [HomeCard(_("部门数据待转线索"), pending, reverse("referrals:feed_rows"))]
