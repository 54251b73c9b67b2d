"""The worklist, the visit form, alerts inbox, photos and the household section, through the test client."""
import datetime as dt
import io
import uuid

import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from visits.jobs import overdue_scan, township_summaries
from visits.models import Alert, AlertKind, AlertStatus, Visit
from visits.services import alert_open, visit_log

from .factories import ALL_CHECKS, make_observed, make_roster, visit_data

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private"


def post_data(household, **overrides):
    data = {"submission_key": str(uuid.uuid4()), "visited_on": timezone.localdate().isoformat(), "method": "home",
            "person_seen": "on", **ALL_CHECKS, "situation": "生活基本正常", "willingness": "not_asked",
            "ability": "na", "actions_taken": "宣讲政策", "measures": "", "situation_clear": "on"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def jpeg():
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), (10, 200, 30)).save(buffer, "JPEG")
    return SimpleUploadedFile("p.jpg", buffer.getvalue(), content_type="image/jpeg")


def test_worklist_sections_and_query_count(client, demo, django_assert_max_num_queries):
    today = timezone.localdate()
    overdue_old = make_roster(demo.village_a, entered_on=today - dt.timedelta(days=120), head="李阿婆")
    overdue_new = make_roster(demo.village_a, entered_on=today - dt.timedelta(days=60), head="赵大爷")
    make_roster(demo.village_a, entered_on=today, head="新纳入")
    not_seen = make_roster(demo.village_a, entered_on=today - dt.timedelta(days=10), head="外出户")
    visit_log(actor=demo.caseworker_a, household=not_seen, data=visit_data(
        today - dt.timedelta(days=1), person_seen=False, not_seen_reason="外出", situation_clear=False))
    make_observed(demo.village_a, decided_on=today - dt.timedelta(days=200), next_review_on=today)
    make_roster(demo.village_c, entered_on=today - dt.timedelta(days=120), head="外村户")
    alert_open(kind=AlertKind.STATUS_CHANGE, household=overdue_new, reason="成员失业", dedupe_key="x1")
    for _ in range(20):
        make_roster(demo.village_a, entered_on=today - dt.timedelta(days=40))
    client.force_login(demo.caseworker_a)
    # A fixed number whatever the number of households (25 here): session, user, grants, the
    # watched households with their last visits, alerts, villages, the navigation badge, base page.
    with django_assert_max_num_queries(14):
        response = client.get(reverse("visits:worklist"))
    assert response.status_code == 200
    work = response.context["work"]
    assert [i.household.pk for i in work.overdue][:2] == [overdue_old.pk, overdue_new.pk]
    assert len(work.overdue) == 22
    assert [i.household.pk for i in work.not_seen] == [not_seen.pk]
    assert len(work.due_this_period) >= 1
    html = response.content.decode()
    assert "外村户" not in html and "李阿婆" in html
    assert reverse("visits:visit_new", args=[overdue_old.pk]) in html
    assert "成员失业" in html


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


def test_alert_inbox_badge_acknowledge_and_close(client, demo, django_assert_max_num_queries):
    household = make_roster(demo.village_a)
    alert, _ = alert_open(kind=AlertKind.STATUS_CHANGE, household=household, reason="家庭成员死亡",
                          dedupe_key="e1")
    alert_open(kind=AlertKind.STATUS_CHANGE, household=make_roster(demo.village_c), reason="外村", dedupe_key="e2")
    client.force_login(demo.caseworker_a)
    with django_assert_max_num_queries(14):
        inbox = client.get(reverse("visits:alerts"))
    html = inbox.content.decode()
    assert "家庭成员死亡" in html and "外村" not in html
    assert '<span class="badge">1</span>' in html
    client.post(reverse("visits:alert_acknowledge", args=[alert.pk]))
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED
    bad = client.post(reverse("visits:alert_close", args=[alert.pk]), {"note": ""})
    assert bad.status_code == 400 and "关闭预警时请写明处理情况。" in bad.content.decode()
    client.post(reverse("visits:alert_close", args=[alert.pk]), {"note": "已慰问，协助办理丧葬补助"})
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CLOSED and alert.close_note == "已慰问，协助办理丧葬补助"
    client.force_login(demo.township1)
    assert "家庭成员死亡" in client.get(reverse("visits:alerts") + "?status=all").content.decode()


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
    assert "上周走访次数" in html and "2024-03-04 起一周" in html
    page = client.get(reverse("visits:summaries")).content.decode()
    assert "2024-03-04" in page


def test_caseworker_home_cards(client, demo):
    make_roster(demo.village_a, entered_on=D(2024, 1, 1))
    client.force_login(demo.caseworker_a)
    html = client.get(reverse("home")).content.decode()
    assert "逾期未走访" in html and "本月应走访" in html
