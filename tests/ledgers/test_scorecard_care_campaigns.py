"""The scorecards count the care agreements (照料协议) and the focused screenings (集中排查) by the rules that
make their own lists, on the demo district."""
import pytest
from django.urls import reverse
from django.utils import timezone

from households.care import CareState, care_people
from plans.models import Campaign
from plans.selectors_campaigns import coverage


@pytest.mark.django_db
def test_scorecards_count_care_agreements_and_campaign_coverage(full_demo, client):
    user = full_demo.users["township1"]
    client.force_login(user)
    cards = client.get(reverse("ledgers:scorecards")).context["cards"]
    villages = dict(cards["levels"])[next(label for label, _rows in cards["levels"] if "村" in str(label))]
    today = timezone.localdate()
    start, end = cards["start"], cards["end"]
    expected_visited = {}
    for campaign in Campaign.objects.filter(starts_on__lte=end, ends_on__gte=start):
        rows, _total = coverage(user, campaign)
        for r in rows:
            part = expected_visited.setdefault(r.village.pk, [0, 0])
            part[0] += r.visited
            part[1] += r.targets
    assert any(t for _v, t in expected_visited.values()), "the demo runs a campaign in township 1"
    needing = 0
    for row in villages:
        people = care_people([row["village"].pk], min(end, today))
        need = people.count()
        covered = people.filter(care_state__in=[CareState.VALID, CareState.EXPIRING]).count()
        assert row["care"] == {"need": need, "covered": covered}, row["name"]
        needing += need
        visited, targets = expected_visited.get(row["village"].pk, [0, 0])
        assert row["campaigns"] == {"targets": targets, "visited": visited}, row["name"]
    assert needing, "the demo has 特困 people who need a care agreement"
    township = dict(cards["levels"])[next(label for label, _rows in cards["levels"] if "乡镇" in str(label))][0]
    assert township["care"]["need"] == needing
