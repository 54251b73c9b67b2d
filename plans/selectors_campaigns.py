"""Reads of the focused screening campaigns (集中排查): who a campaign targets, and its coverage.

The rules, once:
- **targeted**: `target_households` (when a campaign starts; the set is then frozen in CampaignTarget);
- **visited**: a visit that saw the person (见到本人), dated within the campaign's period (`visited_q`);
- **lead raised**: a lead registered for the family within the period (`lead_q`);
- **not yet**: targeted and not visited.
The coverage table and the lists its figures link to filter one queryset (`targets_in_state`), so a figure
always equals the rows of its list.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from households.models import EventKind, Household, HouseholdEvent
from imports.models import FeedKind
from referrals.models import Lead
from relief import access
from relief.access import Action
from relief.models import Jurisdiction, JurisdictionLevel
from visits.models import Visit

from .models_campaigns import Campaign, CampaignTarget, CampaignTargetKind
from .selectors import visible_townships

# The states a target list filters on (the coverage table's columns).
TARGET_STATES = ("visited", "pending", "leads")


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _event_q(campaign_or_data, since: dt.date | None) -> Q:
    """The household events that make a family a target of a disaster or department-data campaign."""
    kind, feed_kind, keyword = (campaign_or_data["target_kind"], campaign_or_data.get("feed_kind"),
                                campaign_or_data.get("event_keyword") or "")
    if kind == CampaignTargetKind.DISASTER:
        q = (Q(kind=EventKind.DISASTER) & (Q(new_value__icontains=keyword) if keyword else Q())) | (
            Q(kind=EventKind.FEED_MATCH, data__feed_kind=FeedKind.DISASTER)
            & (Q(data__detail__icontains=keyword) if keyword else Q()))
    else:
        q = Q(kind=EventKind.FEED_MATCH, data__feed_kind=feed_kind)
    if since:
        q &= Q(occurred_at__gte=_day_start(since))
    return q


def target_households(*, township: Jurisdiction, data: dict, village_ids) -> QuerySet[Household]:
    """The families a campaign with these settings targets today, in these villages of the township.

    `data` holds target_kind, focus_reason, feed_kind, event_since, event_keyword (as Campaign's fields).
    The roster's reasons and the observation list are read from the households' kept copies (households.flags).
    """
    households = Household.objects.filter(village__in=village_ids, village__parent=township)
    kind = data["target_kind"]
    if kind == CampaignTargetKind.DIBAO_EDGE:
        return households.filter(roster_reasons__contains=",dibao_edge,")
    if kind == CampaignTargetKind.FOCUS_REASON:
        return households.filter(roster_reasons__contains=f",{data['focus_reason']},")
    if kind == CampaignTargetKind.OBSERVATION:
        return households.filter(observation_review_on__isnull=False)
    if kind in (CampaignTargetKind.DISASTER, CampaignTargetKind.FEED):
        events = HouseholdEvent.objects.filter(_event_q(data, data.get("event_since")), household=OuterRef("pk"))
        return households.filter(Exists(events))
    return households


# Both read the period from the target's own campaign (OuterRef), so targets of many campaigns are counted in
# one query: the list page, and the scorecards over every campaign of a year.
def visited_q() -> Exists:
    return Exists(Visit.objects.filter(household=OuterRef("household_id"), person_seen=True,
                                       visited_on__gte=OuterRef("campaign__starts_on"),
                                       visited_on__lte=OuterRef("campaign__ends_on")))


def lead_q() -> Exists:
    # received_at is a moment: its local day (USE_TZ, Asia/Shanghai) is what falls within the period.
    return Exists(Lead.objects.filter(household=OuterRef("household_id"),
                                      received_at__date__gte=OuterRef("campaign__starts_on"),
                                      received_at__date__lte=OuterRef("campaign__ends_on")))


def campaigns_for(user) -> QuerySet[Campaign]:
    """Campaigns of the townships the user sees (a caseworker: their own township's)."""
    return Campaign.objects.filter(township__in=visible_townships(user)).select_related("township")


def campaign_for(user, pk: int) -> Campaign | None:
    return campaigns_for(user).filter(pk=pk).first()


def targets_for(user, campaign: Campaign) -> QuerySet[CampaignTarget]:
    """The campaign's families the user may see: by the village each lived in when the campaign started."""
    return access.scope(CampaignTarget.objects.filter(campaign=campaign), user, Action.VIEW, field="village")


def targets_in_state(targets: QuerySet[CampaignTarget], state: str) -> QuerySet[CampaignTarget]:
    """The one filter behind each coverage figure and the list it links to (targets of one campaign or many)."""
    targets = targets.annotate(visited=visited_q(), lead_raised=lead_q())
    if state == "visited":
        return targets.filter(visited=True)
    if state == "pending":
        return targets.filter(visited=False)
    if state == "leads":
        return targets.filter(lead_raised=True)
    return targets


@dataclass
class CoverageRow:
    village: Jurisdiction | None
    targets: int = 0
    visited: int = 0
    pending: int = 0
    leads: int = 0

    @property
    def percent(self) -> int:
        return round(100 * self.visited / self.targets) if self.targets else 0


def coverage(user, campaign: Campaign) -> tuple[list[CoverageRow], CoverageRow]:
    """Per village of the user's view: targeted / visited / not yet / with a lead raised, and the totals.
    Two queries whatever the number of families."""
    counts = (targets_in_state(targets_for(user, campaign), "").order_by().values("village")
              .annotate(n=Count("pk"), v=Count("pk", filter=Q(visited=True)), l=Count("pk", filter=Q(lead_raised=True))))
    by_village = {c["village"]: c for c in counts}
    villages = Jurisdiction.objects.filter(pk__in=by_village).order_by("code")
    rows = [CoverageRow(village=v, targets=by_village[v.pk]["n"], visited=by_village[v.pk]["v"],
                        pending=by_village[v.pk]["n"] - by_village[v.pk]["v"], leads=by_village[v.pk]["l"])
            for v in villages]
    total = CoverageRow(village=None, targets=sum(r.targets for r in rows), visited=sum(r.visited for r in rows),
                        pending=sum(r.pending for r in rows), leads=sum(r.leads for r in rows))
    return rows, total


def campaign_summaries(user, campaigns: list[Campaign]) -> dict[int, CoverageRow]:
    """Targeted and visited per campaign of a list page, within the user's view: one query for the page."""
    targets = access.scope(CampaignTarget.objects.filter(campaign__in=campaigns), user, Action.VIEW, field="village")
    counts = {row["campaign_id"]: row for row in targets_in_state(targets, "").order_by().values("campaign_id")
              .annotate(n=Count("pk"), v=Count("pk", filter=Q(visited=True)))}
    out = {}
    for campaign in campaigns:
        row = counts.get(campaign.pk, {"n": 0, "v": 0})
        out[campaign.pk] = CoverageRow(village=None, targets=row["n"], visited=row["v"], pending=row["n"] - row["v"])
    return out


def township_villages(township: Jurisdiction) -> QuerySet[Jurisdiction]:
    return Jurisdiction.objects.filter(parent=township, level=JurisdictionLevel.VILLAGE).order_by("code")


# ------------------------------------------------------------------ the worklist's section

@dataclass
class PendingTarget:
    """A family still to be visited in a campaign, shaped for visits.selectors.attach_households."""

    household_id: int
    village_id: int
    household: Household | None = None
    head_name: str = ""


def running_for_villages(village_ids, today: dt.date) -> list[Campaign]:
    """Campaigns running today with targets in these villages."""
    has_targets = CampaignTarget.objects.filter(campaign=OuterRef("pk"), village__in=village_ids)
    return list(Campaign.objects.running(today).filter(Exists(has_targets)).select_related("township")
                .order_by("ends_on", "pk"))


def pending_in_villages(campaign: Campaign, village_ids, limit: int) -> tuple[int, list[PendingTarget]]:
    """(how many families of these villages the campaign has still to visit, the first `limit` of them)."""
    pending = targets_in_state(CampaignTarget.objects.filter(campaign=campaign, village__in=village_ids),
                               "pending").order_by("village__code", "household_id")
    total = pending.count()
    return total, [PendingTarget(household_id=h, village_id=v)
                   for h, v in pending.values_list("household_id", "village_id")[:limit]]
