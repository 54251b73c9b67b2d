"""The worklist, the visit form, alerts inbox, photos and the household section, through the test client."""
import datetime as dt
import io

import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from visits.cadence import due_date
from visits.jobs import overdue_scan, township_summaries
from alerts.models import Alert, AlertKind, AlertStatus
from alerts.services import alert_open
from visits.models import Visit
from visits.services import visit_log

from .factories import make_observed, make_roster, post_data, visit_data

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private"


def jpeg():
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), (10, 200, 30)).save(buffer, "JPEG")
    return SimpleUploadedFile("p.jpg", buffer.getvalue(), content_type="image/jpeg")


def test_worklist_sections_and_query_count(client, demo, django_assert_max_num_queries):
    today = timezone.localdate()
    overdue_old = make_roster(demo.village_a, entered_on=today - dt.timedelta(days=120), head_name="李阿婆")
    overdue_new = make_roster(demo.village_a, entered_on=today - dt.timedelta(days=60), head_name="赵大爷")
    make_roster(demo.village_a, entered_on=today, head_name="新纳入")
    not_seen = make_roster(demo.village_a, entered_on=today - dt.timedelta(days=10), head_name="外出户")
    visit_log(actor=demo.caseworker_a, household=not_seen, data=visit_data(
        today - dt.timedelta(days=1), person_seen=False, not_seen_reason="外出", situation_clear=False))
    make_observed(demo.village_a, decided_on=today - dt.timedelta(days=200), next_review_on=today)
    make_roster(demo.village_c, entered_on=today - dt.timedelta(days=120), head_name="外村户")
    alert_open(kind=AlertKind.STATUS_CHANGE, household=overdue_new, reason="成员失业", dedupe_key="x1")
    for _ in range(20):
        make_roster(demo.village_a, entered_on=today - dt.timedelta(days=40))
    client.force_login(demo.caseworker_a)
    # A fixed number whatever the number of households (25 here): session, user, grants, the
    # watched households with their visit dates, follow-up dates, new alerts and their count, the
    # shown households, villages, the navigation badge, base page (the constancy itself is proven by
    # test_worklist_query_count_does_not_grow_with_the_village).
    with django_assert_max_num_queries(17):
        response = client.get(reverse("visits:worklist"))
    assert response.status_code == 200
    work = response.context["work"]
    assert [i.household_id for i in work.overdue][:2] == [overdue_old.pk, overdue_new.pk]
    assert len(work.overdue) == 22
    assert work.overdue[0].overdue_days == (today - due_date(today - dt.timedelta(days=120), "monthly")).days
    assert [i.household_id for i in work.not_seen] == [not_seen.pk]
    assert work.not_seen[0].follow_up_on == today - dt.timedelta(days=1) + dt.timedelta(days=7)
    assert len(work.due_this_period) >= 1
    html = response.content.decode()
    assert "外村户" not in html and "李阿婆" in html
    assert reverse("visits:visit_new", args=[overdue_old.pk]) in html
    assert "成员失业" in html
    # The front page shows the first ten overdue households and links to all 22.
    overdue_section = html.split('data-testid="overdue"')[1].split("</section>")[0]
    assert overdue_section.count("<li ") == 10
    assert "查看全部 22 户" in overdue_section and "?show=overdue" in overdue_section


def _worklist_queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context), response


def test_worklist_query_count_does_not_grow_with_the_village(client, demo):
    """The worklist costs the same queries for 6 households as for 60, visits and not-seen ones included."""
    today = timezone.localdate()

    def add(n):
        for i in range(n):
            household = make_roster(demo.village_a, entered_on=today - dt.timedelta(days=100))
            seen = i % 3 != 0
            visit_log(actor=demo.caseworker_a, household=household, data=visit_data(
                today - dt.timedelta(days=35 + i % 20), person_seen=seen, situation_clear=seen,
                not_seen_reason="" if seen else "家中无人"))
            if i % 2 == 0:
                alert_open(kind=AlertKind.STATUS_CHANGE, household=household, reason="收入下降", dedupe_key=f"q{n}{i}")

    client.force_login(demo.caseworker_a)
    add(6)
    small, _ = _worklist_queries(client, reverse("visits:worklist"))
    small_page, _ = _worklist_queries(client, reverse("visits:worklist") + "?show=overdue&page=2")
    add(54)
    large, response = _worklist_queries(client, reverse("visits:worklist"))
    large_page, page_response = _worklist_queries(client, reverse("visits:worklist") + "?show=overdue&page=2")
    assert response.context["work"].watched_count == 60
    assert large == small and large_page == small_page
    # The worklist lists the newest 20 of the 30 new alerts and counts them all.
    assert response.context["work"].new_alert_count == 30 and len(response.context["work"].new_alerts) == 20
    assert "查看全部 30 条新预警" in response.content.decode()


def test_worklist_pages_through_one_section(client, demo):
    today = timezone.localdate()
    households = [make_roster(demo.village_a, entered_on=today - dt.timedelta(days=200 - i), head_name=f"户主{i:02d}")
                  for i in range(35)]
    client.force_login(demo.caseworker_a)
    url = reverse("visits:worklist")
    first = client.get(url + "?show=overdue")
    page = first.context["page"]
    assert page.paginator.count == 35 and page.paginator.num_pages == 2
    # Oldest due date first, and every shown item carries its household for the template.
    assert [i.household_id for i in page.object_list] == [h.pk for h in households[:30]]
    html = first.content.decode()
    assert "户主00" in html and "户主30" not in html
    assert 'aria-current="page"' in html and "第 1 / 2 页" in html
    second = client.get(url + "?show=overdue&page=2").content.decode()
    assert "户主30" in second and "户主34" in second and "户主00" not in second
    # An unknown section falls back to the front page.
    assert client.get(url + "?show=everything").context["show"] == ""


def test_township_worklist_filters_one_village(client, demo):
    today = timezone.localdate()
    make_roster(demo.village_a, entered_on=today - dt.timedelta(days=90), head_name="甲村户")
    make_roster(demo.village_b, entered_on=today - dt.timedelta(days=90), head_name="乙村户")
    make_roster(demo.village_c, entered_on=today - dt.timedelta(days=90), head_name="外乡镇户")
    client.force_login(demo.township1)
    url = reverse("visits:worklist")
    html = client.get(url).content.decode()
    assert "甲村户" in html and "乙村户" in html and "外乡镇户" not in html
    only_b = client.get(url, {"village": demo.village_b.pk, "show": "overdue"}).content.decode()
    assert "乙村户" in only_b and "甲村户" not in only_b
    # A village outside the township is ignored: the township's own villages are shown, no other.
    outside = client.get(url, {"village": demo.village_c.pk}).content.decode()
    assert "外乡镇户" not in outside and "甲村户" in outside


def test_worklist_is_for_caseworkers_and_townships(client, demo):
    client.force_login(demo.district_official)
    assert client.get(reverse("visits:worklist")).status_code == 403


def test_visit_form_saves_once_with_photo_and_closes_overdue_alert(client, demo):
    household = make_roster(demo.village_a, entered_on=D(2024, 1, 1), caseworker=demo.caseworker_a)
    overdue_scan(timezone.localdate())
    assert Alert.objects.get(household=household).status == AlertStatus.OPEN
    client.force_login(demo.caseworker_a)
    url = reverse("visits:visit_new", args=[household.pk])
    form_page = client.get(url)
    assert form_page.status_code == 200 and 'name="submission_key"' in form_page.content.decode()
    data = post_data(household, photos=jpeg(), visitors=[demo.caseworker_a.pk])
    response = client.post(url, data)
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert visit.photos.count() == 1
    assert Alert.objects.get(household=household).status == AlertStatus.CLOSED
    again = client.post(url, {**data, "photos": jpeg()})
    assert again.status_code == 302 and Visit.objects.count() == 1
    detail = client.get(response["Location"])
    assert "本期走访已完成" in detail.content.decode()


def test_visit_form_errors_keep_what_was_typed(client, demo):
    household = make_roster(demo.village_a, entered_on=D(2024, 1, 1))
    client.force_login(demo.caseworker_a)
    url = reverse("visits:visit_new", args=[household.pk])
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    response = client.post(url, post_data(household, visited_on=future, situation="老人腿脚不便，独居二楼",
                                          medical=None, needs=["care"], measures=""))
    assert response.status_code == 400
    html = response.content.decode()
    assert "走访日期不能晚于今天。" in html
    assert "以下生活状况尚未了解" in html and "就医及用药" in html
    assert "老人腿脚不便，独居二楼" in html
    assert not Visit.objects.exists()


def test_visit_form_refuses_bad_photo_and_saves_nothing(client, demo):
    household = make_roster(demo.village_a)
    client.force_login(demo.caseworker_a)
    response = client.post(reverse("visits:visit_new", args=[household.pk]),
                           post_data(household, photos=SimpleUploadedFile("a.jpg", b"MZ\x90\x00 exe")))
    assert response.status_code == 400
    assert "不是有效的图片文件" in response.content.decode()
    assert not Visit.objects.exists()


def test_photo_is_served_to_the_village_only_and_audited(client, demo):
    household = make_roster(demo.village_a)
    visit, _ = visit_log(actor=demo.caseworker_a, household=household, data=visit_data(D(2024, 3, 5)),
                         photos=[jpeg()])
    photo = visit.photos.get()
    client.force_login(demo.caseworker_a)
    response = client.get(reverse("visits:photo", args=[photo.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    assert LogEntry.objects.filter(additional_data__event="view_personal_data", object_pk=str(photo.pk)).exists()
    client.force_login(demo.caseworker_c)
    assert client.get(reverse("visits:photo", args=[photo.pk])).status_code == 404
    client.force_login(demo.district_official)
    assert client.get(reverse("visits:photo", args=[photo.pk])).status_code == 403


def test_household_page_shows_visits_alerts_due_date_and_why_open(client, demo):
    household = make_roster(demo.village_a, entered_on=D(2024, 1, 1))
    visit_log(actor=demo.caseworker_a, household=household, data=visit_data(
        D(2024, 3, 5), needs=["medical"], needs_text="透析费用高", situation_clear=False, medical=""))
    alert_open(kind=AlertKind.STATUS_CHANGE, household=household, reason="新患大重病（尿毒症）", dedupe_key="e9")
    client.force_login(demo.caseworker_a)
    html = client.get(reverse("households:detail", args=[household.pk])).content.decode()
    assert 'data-testid="household-visits"' in html
    assert "2024-04-05" in html  # next due: a month after the completing visit
    assert "发现需求但尚未提出对策建议" in html and "困难情况尚未调查清楚" in html
    assert "尚未了解：就医及用药" in html
    assert "新患大重病（尿毒症）" in html


def test_township_home_shows_the_weekly_summary(client, demo):
    household = make_roster(demo.village_a, entered_on=D(2024, 1, 1))
    visit_log(actor=demo.caseworker_a, household=household, data=visit_data(D(2024, 3, 5)))
    township_summaries(D(2024, 3, 4))
    client.force_login(demo.township1)
    html = client.get(reverse("home")).content.decode()
    assert "上周走访次数" in html and '<span class="date">2024-03-04</span> 起一周' in html  # the date kept whole
    page = client.get(reverse("visits:summaries")).content.decode()
    assert "2024-03-04" in page


def test_caseworker_home_cards(client, demo):
    make_roster(demo.village_a, entered_on=D(2024, 1, 1))
    client.force_login(demo.caseworker_a)
    html = client.get(reverse("home")).content.decode()
    assert "逾期未走访" in html and "本月应走访" in html


def test_due_dates_say_how_many_days_are_left(client, demo):
    """A date alone makes the caseworker count; the household page and the visit form say it in days."""
    from django.utils import timezone

    today = timezone.localdate()
    household = make_roster(demo.village_a, entered_on=today - dt.timedelta(days=3))
    client.force_login(demo.caseworker_a)
    page = client.get(reverse("households:detail", args=[household.pk])).content.decode()
    form = client.get(reverse("visits:visit_new", args=[household.pk])).content.decode()
    from relief.templatetags.deadlines import days_left
    from visits.selectors import household_watch

    words = days_left(household_watch(household).due_on)
    assert words
    for html in (page, form):
        assert words in html


def test_the_household_page_names_every_visitor(client, demo):
    """Visitors without an account (a volunteer, a grid worker) are named beside the staff who visited."""
    household = make_roster(demo.village_a)
    visit_log(actor=demo.caseworker_a, household=household,
              data=visit_data(timezone.localdate(), volunteers="网格员王五"))
    client.force_login(demo.caseworker_a)
    page = client.get(reverse("households:detail", args=[household.pk])).content.decode()
    assert f"{demo.caseworker_a.display_name}、网格员王五" in page


def test_a_family_nobody_watches_has_no_open_case_for_want_of_a_visit(client, demo):
    """Neither on the roster nor on the observation list: not due a visit, so "尚无走访记录" is no reason."""
    from tests.households.factories import make_household

    unwatched, watched = make_household(demo.village_a), make_roster(demo.village_a, caseworker=demo.caseworker_a)
    client.force_login(demo.caseworker_a)
    assert "尚无走访记录" not in client.get(reverse("households:detail", args=[unwatched.pk])).content.decode()
    assert "尚无走访记录" in client.get(reverse("households:detail", args=[watched.pk])).content.decode()


def test_a_family_seen_but_left_open_stays_on_the_worklist_until_a_visit_closes_it(client, demo):
    """三个不放过: a visit that saw the person but left the situation unclear (or a need without measures)
    completes the month, yet the family is followed up: 见到本人但仍需跟进, by its follow-up date, on the worklist,
    its home card and the phone's package, until a later visit closes the case."""
    from visits.offline import offline_package

    today = timezone.localdate()
    unclear = make_roster(demo.village_a, entered_on=today - dt.timedelta(days=60), head_name="未查清户")
    visit_log(actor=demo.caseworker_a, household=unclear, data=visit_data(
        today - dt.timedelta(days=3), medical="", situation_clear=False, next_follow_up_on=today + dt.timedelta(days=4)))
    no_measures = make_roster(demo.village_a, entered_on=today - dt.timedelta(days=60), head_name="缺对策户")
    visit_log(actor=demo.caseworker_a, household=no_measures, data=visit_data(
        today - dt.timedelta(days=20), needs=["medical"], needs_text="慢病用药负担重", measures=""))
    closed = make_roster(demo.village_a, entered_on=today - dt.timedelta(days=60), head_name="已办结户")
    visit_log(actor=demo.caseworker_a, household=closed, data=visit_data(today - dt.timedelta(days=2)))

    client.force_login(demo.caseworker_a)
    response = client.get(reverse("visits:worklist"))
    work = response.context["work"]
    # Ordered by when to come back: the one with no date set from the day of its visit, 20 days ago.
    assert [i.household_id for i in work.open_case] == [no_measures.pk, unclear.pk]
    assert [i.follow_up_on for i in work.open_case] == [None, today + dt.timedelta(days=4)]
    assert not any(i.household_id == unclear.pk for i in work.overdue + work.not_seen)
    section = response.content.decode().split('data-testid="open-case"')[1].split("</section>")[0]
    assert "未查清户" in section and "缺对策户" in section and "已办结户" not in section
    assert "还剩 4 天" in section and "未定" in section and section.count('data-testid="case-still-open"') == 2
    # Each says what its visit left open, and links to that visit.
    rows = {pk: section.split(f'data-household="{pk}"')[1].split("</li>")[0] for pk in (unclear.pk, no_measures.pk)}
    assert "困难情况尚未调查清楚" in rows[unclear.pk] and "发现需求但尚未提出对策建议" not in rows[unclear.pk]
    assert "发现需求但尚未提出对策建议" in rows[no_measures.pk] and "困难情况尚未调查清楚" not in rows[no_measures.pk]
    latest = Visit.objects.filter(household=no_measures).latest("pk")
    assert reverse("visits:visit_detail", args=[latest.pk]) in rows[no_measures.pk]

    home = client.get(reverse("home")).content.decode()
    card = home.split("?show=open_case")[1].split("</a>")[0]
    assert '<span class="num">2</span>' in card and "见到本人但仍需跟进" in card
    paged = client.get(reverse("visits:worklist") + "?show=open_case")
    assert [i.household_id for i in paged.context["page"].object_list] == [no_measures.pk, unclear.pk]
    package = offline_package(demo.caseworker_a, today=today).payload
    reasons = {row["id"]: row["reasons"] for row in package["households"]}
    assert "open_case" in reasons[unclear.pk] and unclear.pk in reasons

    # The next visit answers every check: the case is closed and the family leaves the section.
    visit_log(actor=demo.caseworker_a, household=unclear, data=visit_data(today))
    work = client.get(reverse("visits:worklist")).context["work"]
    assert [i.household_id for i in work.open_case] == [no_measures.pk]
