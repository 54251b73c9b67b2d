"""Home card: 特困 people cared for at home whose care agreement is missing or expired (照料协议待落实)."""
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from relief import access
from relief.access import Action
from relief.home import HomeCard

from .care import care_rows


def cards(user) -> list[HomeCard]:
    if not access.may_open(user, "households:care_list"):
        return []
    due = care_rows(access.village_ids_for(user, Action.VIEW), "due", timezone.localdate()).count()
    if not due:
        return []
    return [HomeCard(_("照料协议缺失或过期"), due, reverse("households:care_list") + "?show=due", urgent=True)]
