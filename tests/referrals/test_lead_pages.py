"""The lead pages as their users meet them: the form's default channel, the household search, deadlines in days."""
import datetime as dt

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from households.models import Member
from referrals import services
from referrals.models import Lead
from tests.households.factories import make_household

from . import helpers as h

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("username, channel", [("caseworker1", "visit"), ("township1", "hotline")])
def test_the_lead_form_starts_on_the_channel_the_role_uses(client, demo, username, channel):
    client.force_login(demo.users[username])
    form = client.get(reverse("referrals:lead_create")).context["form"]
    assert form["channel"].value() == channel


def _lead_without_household(demo, village=None):
    return services.lead_create(actor=demo.township1, channel="hotline", village=village or demo.village_a,
                                subject_address="华山路", description="邻居反映老人无人照料")


def test_the_household_picker_searches_by_name_id_or_address_within_the_jurisdiction(client, demo):
    mine = make_household(demo.village_a, head_name="欧阳秀兰", residence_address="华山路8弄2号")
    neighbour = make_household(demo.village_b, head_name="李四", residence_address="江苏路1号")
    outside = make_household(demo.village_c, head_name="欧阳明", residence_address="华山路8弄9号")
    lead = _lead_without_household(demo)
    head = mine.members.get()
    client.force_login(demo.township1)
    url = reverse("referrals:lead_detail", args=[lead.pk])

    def found(q):
        response = client.post(url, {"hq": q})  # as the picker's form sends it: the term stays out of the URL
        assert response.status_code == 200
        return {row.pk for row in response.context["found"]}, response.content.decode()

    ids, body = found("秀")  # a character from the middle of the name
    assert ids == {mine.pk}, [(m.name, m.household_id) for m in Member.objects.filter(name__contains="秀")]
    assert "欧阳秀兰" in body and head.id_number not in body
    assert f"{head.id_number[:6]}********{head.id_number[-4:]}" in body and "华山路8弄2号" in body
    assert found(head.id_number)[0] == {mine.pk}
    assert found(head.id_number[:6])[0] == {mine.pk, neighbour.pk}  # the first digits: both of the township
    assert found("江苏路")[0] == {neighbour.pk}  # another village of the same township
    assert found("欧阳")[0] == {mine.pk}  # the namesake in township 2 is not offered
    assert "<select" not in found("")[1]  # no list of every address

    # Posting the id of a household of another township is refused and links nothing.
    response = client.post(reverse("referrals:lead_action", args=[lead.pk, "household"]),
                           {"household": outside.pk, "version": lead.version}, follow=True)
    assert "请从搜索结果中选择您辖区内已登记的家庭" in response.content.decode()
    assert Lead.objects.get(pk=lead.pk).household_id is None
    # Picking a household found in another village of the township: the lead follows the family there.
    client.post(reverse("referrals:lead_action", args=[lead.pk, "household"]),
                {"household": neighbour.pk, "version": lead.version})
    lead.refresh_from_db()
    assert lead.household == neighbour and lead.village == demo.village_b


def test_a_caseworker_finds_only_households_of_their_village(client, demo):
    make_household(demo.village_b, head_name="王秀英")
    mine = make_household(demo.village_a, head_name="陈秀英")
    lead = _lead_without_household(demo)
    client.force_login(demo.caseworker_a)
    response = client.post(reverse("referrals:lead_detail", args=[lead.pk]), {"hq": "秀英"})
    assert [row.pk for row in response.context["found"]] == [mine.pk]
    # As the page's live search asks (htmx): only the results, and a search is no request to reveal data.
    partial = client.post(reverse("referrals:lead_detail", args=[lead.pk]), {"hq": "秀英"}, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200 and "陈秀英" in partial.content.decode()
    assert "<html" not in partial.content.decode()
    page = client.get(reverse("referrals:lead_detail", args=[lead.pk])).content.decode()
    assert 'hx-post="' in page and 'name="hq"' in page and 'hx-get="' not in page


@pytest.fixture
def shanghai_morning(monkeypatch):
    """01:30 on 2 December in Shanghai, still 1 December in UTC."""
    moment = dt.datetime(2026, 12, 1, 17, 30, tzinfo=dt.timezone.utc)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    return dt.date(2026, 12, 2)


@pytest.mark.parametrize("deadline, text", [
    (dt.date(2026, 12, 5), "还剩 3 天"), (dt.date(2026, 12, 2), "今天到期"), (dt.date(2026, 11, 30), "已超期 2 天"),
    (None, ""),
])
def test_days_left_counts_in_the_local_date(shanghai_morning, deadline, text):
    rendered = Template("{% load deadlines %}{{ d|days_left }}").render(Context({"d": deadline}))
    assert rendered == text


def test_referral_pages_show_the_days_left(client, demo):
    r = h.assigned(demo, deadline=h.today() + dt.timedelta(days=3))
    client.force_login(demo.township1)
    assert "还剩 3 天" in client.get(reverse("referrals:detail", args=[r.pk])).content.decode()
    assert "还剩 3 天" in client.get(reverse("referrals:list"), {"status": "assigned"}).content.decode()
    household = make_household(demo.village_a)
    lead = services.lead_create(actor=demo.township1, channel="hotline", household=household, description="摔伤")
    referral = services.lead_to_referral(actor=demo.township1, lead=lead)
    services.referral_accept(actor=demo.township1, referral=referral, department="civil_affairs",
                             deadline=h.today() + dt.timedelta(days=1))
    assert "还剩 1 天" in client.get(reverse("referrals:lead_detail", args=[lead.pk])).content.decode()


def test_the_hand_over_form_offers_a_default_deadline(client, demo):
    r = h.submitted(demo)
    client.force_login(demo.township1)
    form = client.get(reverse("referrals:step", args=[r.pk, "accept"])).context["form"]
    assert form["deadline"].value() == h.today() + dt.timedelta(days=15)
