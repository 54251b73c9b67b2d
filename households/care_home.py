"""Home card: 特困 people cared for at home whose care agreement is missing or expired (照料协议待落实)."""
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import npgettext

from relief import access, data_version, figure_cache
from relief.access import Action
from relief.home import HomeCard

from .care import care_rows


def cards(user) -> list[HomeCard]:
    if not access.may_open(user, "households:care_list"):
        return []
    village_ids = access.village_ids_for(user, Action.VIEW)
    today = timezone.localdate()
    # Counted on every look at the home page, changed only by a write: kept under the records' stamp, which
    # every household event, assistance change and care agreement replaces (relief/data_version.py).
    due = figure_cache.cached(data_version.RECORDS, f"care-due-{figure_cache.scope_key(village_ids)}-{today}",
                              lambda: care_rows(village_ids, "due", today).count())
    if not due:
        return []
    return [HomeCard(npgettext("home card", "照料协议缺失或过期", "照料协议缺失或过期", due), due,
                     reverse("households:care_list") + "?show=due", urgent=True)]
