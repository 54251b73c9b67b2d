"""Home-page cards of plans: villages without an assistant (seed 002), the user's overdue plan items."""
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _, npgettext

from relief import access, figure_cache, punctuation
from relief.access import Action
from relief.home import HomeCard
from relief.models import JurisdictionLevel, Role

from .models import ItemStatus, PlanItem
from .selectors import villages_without_assistant
from .selectors_campaigns import campaigns_for
from .team_signals import TEAM_TOPIC


def _villages_without_assistant(user) -> list[str]:
    """The names, in code order, of the user's villages without an assistant: kept between requests until a
    team member or an account changes (team_signals), as it is counted on every look at the home page."""
    village_ids = access.village_ids_for(user, Action.VIEW)

    def names() -> list[str]:
        villages = access.jurisdictions_for(user, Action.VIEW, JurisdictionLevel.VILLAGE).order_by("code")
        return [v.name for v in villages_without_assistant(villages)]

    return figure_cache.cached(TEAM_TOPIC, f"without-assistant-{figure_cache.scope_key(village_ids)}", names)


def cards(user) -> list[HomeCard]:
    result = []
    if user.is_superuser or user.role in (Role.DISTRICT, Role.TOWNSHIP, Role.ADMIN):
        missing = _villages_without_assistant(user)
        if missing:
            names = punctuation.mark("、").join(missing[:5])
            names = _("%(names)s等") % {"names": names} if len(missing) > 5 else names
            result.append(HomeCard(title=_("村/社区缺社会救助协理员"), count=len(missing), urgent=True,
                                   url=reverse("plans:team_list"),
                                   note=_("每个村/社区至少一名：%(v)s") % {"v": names}))
    overdue = PlanItem.objects.filter(owner=user, status__in=[ItemStatus.PLANNED, ItemStatus.IN_PROGRESS],
                                      due_date__lt=timezone.localdate()).count()
    if overdue:
        result.append(HomeCard(title=_("一户一策措施已逾期"), count=overdue, urgent=True,
                               note=_("请尽快落实并记录进度")))
    # 集中排查 running now in the user's townships: as many as the campaign list shows under 进行中.
    running = list(campaigns_for(user).running(timezone.localdate()).order_by("ends_on", "pk")
                   .values_list("name", flat=True))
    if running and access.may_open(user, "plans:campaign_list"):
        names = punctuation.mark("、").join(running[:2])
        names = _("%(names)s等") % {"names": names} if len(running) > 2 else names
        result.append(HomeCard(title=npgettext("home card", "进行中的集中排查", "进行中的集中排查", len(running)),
                               count=len(running),
                               url=reverse("plans:campaign_list") + "?state=running", note=names))
    return result
