"""Home-page card: new alerts in the user's jurisdiction, and how many are acknowledged but still open."""
from django.urls import reverse
from django.utils.translation import gettext as _

from relief import access
from relief.access import Action
from relief.home import HomeCard

from .selectors import alert_counts


def cards(user) -> list[HomeCard]:
    if not access.can_anywhere(user, Action.VIEW):
        return []
    counts = alert_counts(user)
    return [HomeCard(title=_("新预警"), count=counts["open"], url=f"{reverse('alerts:list')}?status=open",
                     note=_("已知悉待处理 %(n)d 条") % {"n": counts["acknowledged"]}, urgent=bool(counts["open"]))]
