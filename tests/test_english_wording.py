"""System text in the reader's language: alert reasons worded again from what the job kept (alerts/reasons.py),
leads and referrals named alike everywhere (referrals/labels.py), why a search found a row (match notes), a
household's history read back in the reader's language (households/events.py) and the menu's plural names.

What is stored stays Chinese (the site's language): each test reads a page or a function in English and in
Chinese, the English through the header's language switch (the cookie), as a user does."""
import datetime as dt
import html
import re

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import Truncator

from alerts.care_jobs import care_agreement_scan
from alerts.models import Alert, AlertKind
from alerts.reasons import reason_fields, reason_text
from alerts.services import alert_open
from households import services as household_services
from households.models import AssistanceType, HousingSituation, Relation
from referrals import services
from referrals.labels import lead_label, referral_label
from referrals.models import HotlineWorkOrder, LeadChannel, Referral
from referrals.tasks import deadline_alerts, hotline_overdue_alerts, step_alerts
from tests.households.factories import id_number, make_household
from tests.households.test_care_agreements import agree, tekun_person
from tests.referrals import helpers as h
from tests.referrals.test_hotline import work_order
from tests.visits.factories import make_observed, make_roster, visit_data
from visits.jobs import overdue_scan
from visits.services import visit_log

pytestmark = pytest.mark.django_db
D = dt.date
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


def in_english(alert) -> str:
    with translation.override("en"):
        return reason_text(alert)


def in_chinese(alert) -> str:
    with translation.override("zh-hans"):
        return reason_text(alert)


def switch_to(client, language):
    """The header's language switch (tests/test_translations.py): a POST that sets the language cookie."""
    response = client.post(reverse("set_language"), {"language": language, "next": "/"})
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == language


def undated(page: str) -> str:
    """The page without the elements that keep each date of a sentence on one line (deadlines' keep_dates)."""
    return re.sub(r'<span class="date">([^<]*)</span>', r"\1", page)


def cells(page: str, testid: str) -> list[str]:
    """The text of each element marked with this data-testid (tags stripped, entities read)."""
    found = re.findall(rf'data-testid="{testid}"[^>]*>(.*?)</(?:td|dd|span|a)>', undated(page), re.DOTALL)
    return [html.unescape(re.sub(r"<[^>]+>", "", text)).strip() for text in found]


def nav(page: str) -> str:
    return page.split('<nav class="nav"', 1)[1].split("</nav>", 1)[0]


# ================================================================ alert reasons, worded from their params

def test_the_overdue_visit_scan_keeps_what_its_reasons_are_worded_from(demo):
    never_seen = make_roster(demo.village_a, entered_on=D(2024, 1, 1), caseworker=demo.caseworker_a)
    seen = make_roster(demo.village_a, entered_on=D(2024, 1, 1), caseworker=demo.caseworker_a, head_name="李秀英",
                       residence_address="长宁路9号")
    visit_log(actor=demo.caseworker_a, household=seen, data=visit_data(D(2024, 1, 31)))
    assert overdue_scan(D(2024, 3, 5))["opened"] == 2
    alerts = {a.household_id: a for a in Alert.objects.filter(kind=AlertKind.OVERDUE_VISIT)}

    first = alerts[never_seen.pk]
    assert first.reason == "纳入花名册（2024-01-01）后尚无见到本人的走访，已超过每月走访一次的期限"
    assert first.reason_params == {"message": "overdue_roster_never_seen", "since": "2024-01-01",
                                   "cadence": "monthly"}
    assert in_english(first) == ("Added to the roster on 2024-01-01 and no visit has seen the person since: "
                                 "the visit frequency (Monthly) has been exceeded")
    assert in_chinese(first) == first.reason

    second = alerts[seen.pk]
    assert second.reason == "上次见到本人的走访在 2024-01-31，已超过每月走访一次的期限"
    assert in_english(second) == ("The last visit that saw the person was on 2024-01-31: "
                                  "the visit frequency (Monthly) has been exceeded")
    assert in_chinese(second) == second.reason


def test_the_overdue_scan_words_the_observation_lists_reasons_in_english(demo):
    household = make_observed(demo.village_a, decided_on=D(2024, 1, 1), next_review_on=D(2024, 4, 1))
    overdue_scan(D(2024, 4, 2))
    overdue = Alert.objects.get(kind=AlertKind.OVERDUE_VISIT, household=household)
    assert overdue.reason == "列入观察名单（2024-01-01）后尚无见到本人的走访，复核日期 2024-04-01 已过"
    assert in_english(overdue) == ("Added to the observation list on 2024-01-01 and no visit has seen the person "
                                   "since: the review date 2024-04-01 has passed")
    review = Alert.objects.get(kind=AlertKind.OBSERVATION_REVIEW_DUE, household=household)
    assert review.reason == "观察名单复核日期 2024-04-01 已到：请复核该户是否继续列入观察名单"
    assert in_english(review) == ("Observation list review date 2024-04-01 reached: please review whether the "
                                  "household should stay on the observation list")
    assert in_chinese(overdue) == overdue.reason and in_chinese(review) == review.reason


def test_the_step_scan_words_a_late_referral_step_and_a_late_lead_in_english(demo):
    late = h.submitted(demo)  # the township accepts within 5 days
    Referral.objects.filter(pk=late.pk).update(step_started_at=timezone.now() - dt.timedelta(days=8))
    lead = services.lead_create(actor=demo.township1, channel=LeadChannel.HOTLINE, description="热线反映困难",
                                village=demo.village_a, subject_name="张三",
                                received_at=timezone.now() - dt.timedelta(days=8))
    assert step_alerts()["opened"] == 2

    step = Alert.objects.get(kind=AlertKind.STEP_OVERDUE, source_ref=f"referral:{late.pk}")
    assert step.reason_params["message"] == "referral_step_overdue"
    assert step.reason.startswith(f"转办{late.pk}“乡镇受理”环节超时（乡镇办理，期限")
    english = in_english(step)
    assert english.startswith(f"Referral {late.pk}: step “Township accepts” is overdue (handled by the township, "
                              "time limit ")
    assert english.endswith(" days late).") and not HAN.search(english)
    assert in_chinese(step) == step.reason

    late_lead = Alert.objects.get(kind=AlertKind.STEP_OVERDUE, source_ref=f"lead:{lead.pk}")
    english = in_english(late_lead)
    assert english.startswith(f"Lead {lead.pk} was not discussed by the village in time after registration "
                              "(time limit ")
    assert not HAN.search(english) and in_chinese(late_lead) == late_lead.reason


def test_the_deadline_task_words_an_overdue_referral_and_late_paperwork_in_english(demo):
    late = h.assigned(demo)
    deadline = h.today() - dt.timedelta(days=1)
    Referral.objects.filter(pk=late.pk).update(deadline=deadline)
    help_first = h.submitted(demo, urgency="emergency")
    services.referral_help_first(actor=demo.township1, referral=help_first, amount=800,
                                 paperwork_due=h.today(), comment="突发火灾")
    due = h.today() - dt.timedelta(days=2)
    Referral.objects.filter(pk=help_first.pk).update(paperwork_due=due)
    assert deadline_alerts()["opened"] == 2

    overdue = Alert.objects.get(kind=AlertKind.REFERRAL_OVERDUE)
    assert overdue.reason == f"转办{late.pk}交民政办理，期限{deadline:%Y-%m-%d}已过，尚未办结（已交办部门）。"
    assert in_english(overdue) == (f"Referral {late.pk} was assigned to Civil affairs; the time limit "
                                   f"{deadline:%Y-%m-%d} has passed and it is not yet completed "
                                   "(Assigned to department).")
    assert in_chinese(overdue) == overdue.reason
    paperwork = Alert.objects.get(kind=AlertKind.HELP_FIRST_PAPERWORK_LATE)
    assert in_english(paperwork) == (f"Referral {help_first.pk} received advance assistance of 800.00 yuan; "
                                     f"the time limit {due:%Y-%m-%d} for completing the formalities has passed.")
    assert in_chinese(paperwork) == paperwork.reason


def test_the_department_item_scan_words_its_reason_in_english(demo):
    from referrals.models import Department, DepartmentItem
    from referrals.tasks import department_item_alerts

    referral = h.submitted(demo)
    case = services.assessment_create(actor=demo.township1, referral=referral, needs="医疗支出大", opinion="医疗救助",
                                      items=[{"department": Department.MEDICAL_INSURANCE, "measure": "医疗救助",
                                              "deadline": h.today() + dt.timedelta(days=10), "assistance_type": ""}])
    deadline = h.today() - dt.timedelta(days=2)
    DepartmentItem.objects.filter(assessment=case).update(deadline=deadline)
    assert department_item_alerts()["opened"] == 1
    alert = Alert.objects.get(kind=AlertKind.DEPARTMENT_ITEM_OVERDUE)
    assert alert.reason == f"转办{referral.pk}：医保承办的“医疗救助”办理期限{deadline:%Y-%m-%d}已过，尚未作出办理结果。"
    english = in_english(alert)
    assert english.startswith(f"Referral {referral.pk}: the handling deadline {deadline:%Y-%m-%d} for “医疗救助” "
                              "handled by ")
    assert english.endswith(" has passed and no outcome has been recorded.")
    # The measure is typed text and stays as written; the department is a label, in English.
    assert not HAN.search(english.replace("医疗救助", ""))
    assert in_chinese(alert) == alert.reason


def test_the_care_agreement_scan_words_its_reasons_in_english(demo):
    missing = tekun_person(demo.village_a, caseworker=demo.caseworker_a)
    expired = tekun_person(demo.village_a, caseworker=demo.caseworker_a, residence_address="长宁路2号")
    agree(expired, starts=-400, ends=-5)
    assert care_agreement_scan()["opened"] == 2
    ended = f"{h.today() - dt.timedelta(days=5):%Y-%m-%d}"

    alert = Alert.objects.get(kind=AlertKind.CARE_AGREEMENT_DUE, household=expired.household)
    assert alert.reason == f"照料协议已于 {ended} 到期，请续签照料协议并跟踪照料落实情况"
    assert alert.reason_params == {"message": "care_agreement_expired", "d": ended}
    assert in_english(alert) == f"The care agreement expired on {ended}: renew it and follow up on the care provided"
    assert in_chinese(alert) == alert.reason

    alert = Alert.objects.get(kind=AlertKind.CARE_AGREEMENT_DUE, household=missing.household)
    assert in_english(alert) == ("A Tekun person living at home who is disabled or partly disabled has no care "
                                 "agreement: arrange a carer and register the care agreement")
    assert in_chinese(alert) == alert.reason == "分散供养的失能、半失能特困人员尚未签订照料协议，请落实照料人并登记照料协议"


def test_the_hotline_scan_words_a_late_work_order_in_english(demo):
    household = make_household(demo.village_a)
    order = work_order(demo, household=household, number="SH0007", received=timezone.now() - dt.timedelta(hours=30))
    assert hotline_overdue_alerts()["opened"] == 1
    alert = Alert.objects.get(kind=AlertKind.HOTLINE_OVERDUE)
    assert alert.reason == "热线工单SH0007：首次响应期限已过，尚未登记首次响应。"
    assert alert.reason_params == {"message": "hotline_response_overdue", "number": "SH0007"}
    assert in_english(alert) == ("Hotline work order SH0007: the first-response deadline has passed and no first "
                                 "response is recorded.")
    assert in_chinese(alert) == alert.reason
    # Past the feedback deadline after a response: the other message.
    order = services.work_order_respond(actor=demo.township1, work_order=order, version=order.version,
                                        at=timezone.now(), text="已电话联系来电人")
    HotlineWorkOrder.objects.filter(pk=order.pk).update(feedback_due=timezone.now() - dt.timedelta(minutes=30))
    assert hotline_overdue_alerts()["opened"] == 1
    feedback = Alert.objects.get(dedupe_key=f"hotline_overdue:{order.pk}:feedback")
    assert in_english(feedback) == ("Hotline work order SH0007: first response given, but the feedback deadline "
                                    "has passed and no feedback is recorded.")
    assert in_chinese(feedback) == feedback.reason


@pytest.mark.parametrize("params", [
    None,                                                            # a person's alert, or one from before
    {"message": "no_such_message", "d": "2024-01-01"},               # a message no app registers (any more)
    {"message": "care_agreement_expired"},                           # a value the message needs is missing
    {"message": "referral_step_overdue", "pk": 3, "step": "gone", "level": "village", "due": "2024-01-01",
     "left": ["days_over", 2]},                                      # a value that no longer reads
    {"message": "referral_step_overdue", "pk": 3, "step": "study", "level": "village", "due": "2024-01-01",
     "left": "超期2天"},                                              # a value of another shape
])
def test_a_reason_without_usable_params_reads_as_written(demo, params):
    household = make_household(demo.village_a)
    alert, _created = alert_open(kind=AlertKind.STATUS_CHANGE, household=household, reason="家庭成员失业，请核实收入",
                                 dedupe_key="fallback", reason_params=params)
    alert.refresh_from_db()
    assert alert.reason_params == params
    assert in_english(alert) == in_chinese(alert) == "家庭成员失业，请核实收入"


def test_reason_fields_word_the_text_in_the_site_language_whoever_asks(demo):
    with translation.override("en"):
        fields = reason_fields("care_agreement_expired", d="2024-05-06")
    assert fields == {"reason": "照料协议已于 2024-05-06 到期，请续签照料协议并跟踪照料落实情况",
                      "reason_params": {"message": "care_agreement_expired", "d": "2024-05-06"}}


# ================================================================ the alert pages

def _care_alert(demo):
    member = tekun_person(demo.village_a, caseworker=demo.caseworker_a)
    agree(member, starts=-400, ends=-5)
    care_agreement_scan()
    return Alert.objects.get(kind=AlertKind.CARE_AGREEMENT_DUE)


def test_the_alert_list_and_page_show_the_reason_in_the_readers_language(client, demo):
    alert = _care_alert(demo)
    english = in_english(alert)
    client.force_login(demo.caseworker_a)
    switch_to(client, "en")

    listed = undated(client.get(reverse("alerts:list")).content.decode())
    assert len(english) > 60 and cells(listed, "alert-reason") == [english], "whole: within its room of 120 columns"
    detail = undated(client.get(reverse("alerts:detail", args=[alert.pk])).content.decode())
    assert '<html lang="en">' in detail
    assert cells(detail, "alert-reason") == [english]
    for page in (listed, detail):
        assert alert.reason not in page and alert.reason[:20] not in page and "照料协议已于" not in page

    switch_to(client, "zh-hans")
    listed = undated(client.get(reverse("alerts:list")).content.decode())
    assert cells(listed, "alert-reason") == [Truncator(alert.reason).chars(60)]
    detail = undated(client.get(reverse("alerts:detail", args=[alert.pk])).content.decode())
    assert cells(detail, "alert-reason") == [alert.reason]
    assert english not in detail


def test_the_browsers_language_words_the_reason_without_the_switch(client, demo):
    alert = _care_alert(demo)
    client.force_login(demo.caseworker_a)
    page = client.get(reverse("alerts:detail", args=[alert.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert cells(page, "alert-reason") == [in_english(alert)]
    page = client.get(reverse("alerts:detail", args=[alert.pk]), HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert cells(page, "alert-reason") == [alert.reason]


def test_an_alert_someone_wrote_shows_as_written_in_english(client, demo):
    household = make_household(demo.village_a, caseworker=demo.caseworker_a)
    alert, _created = alert_open(kind=AlertKind.STATUS_CHANGE, household=household, reason="家庭成员死亡",
                                 dedupe_key="typed")
    client.force_login(demo.caseworker_a)
    switch_to(client, "en")
    page = client.get(reverse("alerts:detail", args=[alert.pk])).content.decode()
    assert cells(page, "alert-reason") == ["家庭成员死亡"]


# ================================================================ how a lead and a referral are named

def test_lead_and_referral_labels_in_both_languages():
    with translation.override("en"):
        assert (lead_label(12), referral_label(12)) == ("Lead 12", "Referral 12")
    with translation.override("zh-hans"):
        assert (lead_label(12), referral_label(12)) == ("线索12", "转办12")


def test_the_alert_page_names_its_lead_and_referral_with_the_labels(client, demo):
    lead = services.lead_create(actor=demo.township1, channel=LeadChannel.HOTLINE, description="热线反映困难",
                                village=demo.village_a, subject_name="张三",
                                received_at=timezone.now() - dt.timedelta(days=8))
    late = h.assigned(demo)
    Referral.objects.filter(pk=late.pk).update(deadline=h.today() - dt.timedelta(days=1))
    step_alerts()
    deadline_alerts()
    about_lead = Alert.objects.get(source_ref=f"lead:{lead.pk}")
    about_referral = Alert.objects.get(kind=AlertKind.REFERRAL_OVERDUE)
    client.force_login(demo.township1)

    switch_to(client, "en")
    page = client.get(reverse("alerts:detail", args=[about_lead.pk])).content.decode()
    assert cells(page, "alert-source") == [f"Lead {lead.pk}"]
    assert f"Handle Lead {lead.pk}" in page  # the alert about no household: its button opens the lead
    page = client.get(reverse("alerts:detail", args=[about_referral.pk])).content.decode()
    assert cells(page, "alert-source") == [f"Referral {late.pk}"]
    # An overdue referral of a registered family: handled at the referral, the family's visit beside it.
    assert f"Handle Referral {late.pk}" in page and "Register a visit" in page
    listed = client.get(reverse("alerts:list")).content.decode()
    assert {f"Lead {lead.pk}", f"Referral {late.pk}"} <= set(cells(listed, "alert-source"))

    switch_to(client, "zh-hans")
    page = client.get(reverse("alerts:detail", args=[about_lead.pk])).content.decode()
    assert cells(page, "alert-source") == [f"线索{lead.pk}"]
    page = client.get(reverse("alerts:detail", args=[about_referral.pk])).content.decode()
    assert cells(page, "alert-source") == [f"转办{late.pk}"]


# ================================================================ why a search found a row

SPOUSE_ID = id_number(born=D(1958, 7, 9), sex="F")


def _family(demo, head_name="张建华", spouse="李小梅", spouse_id=None, **fields):
    """A household of village A: the head and his wife."""
    household = make_household(demo.village_a, head_name=head_name, caseworker=demo.caseworker_a, **fields)
    household_services.member_add(actor=None, household=household, name=spouse, relation=Relation.SPOUSE,
                                  id_number=spouse_id or id_number(born=D(1958, 7, 9), sex="F"))
    return household


def _lead(demo, household):
    return services.lead_create(actor=demo.township1, channel=LeadChannel.VISIT, description="来访反映生活困难",
                                household=household)


def _notes(client, url, q) -> list[str]:
    page = client.get(url, {"q": q}).content.decode()
    return cells(page, "match-note")


@pytest.mark.parametrize("list_name,testid", [("referrals:lead_list", "lead-row"), ("referrals:list", "referral-row")])
def test_a_search_by_another_member_says_who_was_found(client, demo, list_name, testid):
    household = _family(demo, spouse_id=SPOUSE_ID)
    if list_name == "referrals:lead_list":
        _lead(demo, household)
    else:
        h.submitted(demo, household=household)
    url = reverse(list_name)
    client.force_login(demo.township1)

    page = client.get(url, {"q": "李小梅"}).content.decode()
    assert page.count(f'data-testid="{testid}"') == 1
    assert cells(page, "match-note") == ["匹配：家庭成员 李小梅"]
    # By her ID number: the note names whose number it is, never the number.
    notes = _notes(client, url, SPOUSE_ID)
    assert notes == ["匹配：李小梅的身份证号"]
    assert SPOUSE_ID not in notes[0] and SPOUSE_ID[-6:] not in notes[0]
    # By the head's own name, which the row shows: no note.
    page = client.get(url, {"q": "张建华"}).content.decode()
    assert page.count(f'data-testid="{testid}"') == 1 and 'data-testid="match-note"' not in page

    switch_to(client, "en")
    assert _notes(client, url, "李小梅") == ["Matched: household member 李小梅"]
    notes = _notes(client, url, SPOUSE_ID)
    assert notes == ["Matched: ID number of 李小梅"] and SPOUSE_ID not in notes[0]
    assert _notes(client, url, "张建华") == []
    # The pinyin of the member's name finds her too, and says so.
    assert _notes(client, url, "lixiaomei") == ["Matched: household member 李小梅"]


def test_a_search_by_the_hukou_address_or_the_work_order_says_so(client, demo):
    household = _family(demo, hukou_address="江苏省南通市海门区三厂镇", residence_address="长宁路8号")
    _lead(demo, household)
    work_order(demo, number="SH4321", received=timezone.now() - dt.timedelta(hours=1))
    client.force_login(demo.township1)
    url = reverse("referrals:lead_list")
    assert _notes(client, url, "南通") == ["匹配：户籍地址 江苏省南通市海门区三厂镇"]
    assert _notes(client, url, "长宁路8号") == []  # the row shows the residence address
    assert _notes(client, url, "SH4321") == ["匹配：热线工单 SH4321"]
    switch_to(client, "en")
    assert _notes(client, url, "南通") == ["Matched: hukou address 江苏省南通市海门区三厂镇"]
    assert _notes(client, url, "SH4321") == ["Matched: hotline work order SH4321"]


def test_part_of_a_number_found_in_the_hukou_address_says_so(client, demo):
    """A term that may be part of an ID number (4 to 6 characters, 6 to 17 digits) is looked for in the
    addresses too (households.selectors.search_filter): a room number in the hukou address finds the row, and
    the note says where."""
    household = _family(demo, hukou_address="上海市长宁区延安西路1101弄", residence_address="长宁路8号")
    _lead(demo, household)
    client.force_login(demo.township1)
    url = reverse("referrals:lead_list")
    page = client.get(url, {"q": "1101"}).content.decode()
    assert page.count('data-testid="lead-row"') == 1
    assert cells(page, "match-note") == ["匹配：户籍地址 上海市长宁区延安西路1101弄"]
    assert _notes(client, url, "长宁路8") == []


@pytest.mark.parametrize("list_name", ["referrals:lead_list", "referrals:list"])
def test_the_notes_cost_the_same_queries_whatever_the_page_size(client, demo, list_name):
    url = reverse(list_name)

    def add(n, offset):
        for i in range(n):
            household = _family(demo, head_name=f"张{offset + i}号", spouse=f"李小梅{offset + i}",
                                residence_address=f"长宁路{offset + i}号")
            if list_name == "referrals:lead_list":
                _lead(demo, household)
            else:
                h.submitted(demo, household=household)

    def queries():
        client.get(url, {"q": "小梅"})  # the first look also keeps the figures every page shows
        with CaptureQueriesContext(connection) as context:
            page = client.get(url, {"q": "小梅"}).content.decode()
        return len(context.captured_queries), cells(page, "match-note")

    client.force_login(demo.township1)
    add(2, 0)
    few, notes = queries()
    assert sorted(notes) == ["匹配：家庭成员 李小梅0", "匹配：家庭成员 李小梅1"]
    add(6, 2)
    many, notes = queries()
    assert len(notes) == 8
    assert many == few


# ================================================================ a household's history

def test_the_household_history_reads_labels_in_the_readers_language(client, demo):
    household = make_household(demo.village_a, caseworker=demo.caseworker_a, assistance=[AssistanceType.DIBAO],
                               housing=HousingSituation.OWNED)
    household_services.member_add(actor=None, household=household, name="李小梅", relation=Relation.SPOUSE,
                                  id_number=id_number(born=D(1958, 7, 9), sex="F"))
    household.refresh_from_db()
    household_services.household_update(actor=None, household=household, version=household.version,
                                        housing=HousingSituation.RENTED, residence_differs=True)
    stored = {(e.field, e.old_value, e.new_value) for e in household.events.all()}
    # Stored as the site writes it, whoever reads it later.
    assert {("housing", "自有住房", "租住"), ("categories", "无", "最低生活保障（低保）"),
            ("members", "", "张建华（户主）"), ("members", "", "李小梅（配偶）"), ("residence_differs", "否", "是"),
            ("assistance", "", "最低生活保障（低保）")} <= stored
    url = reverse("households:detail", args=[household.pk])
    client.force_login(demo.caseworker_a)

    changes = cells(client.get(url).content.decode(), "event-change")
    assert {"自有住房 → 租住", "无 → 最低生活保障（低保）", "张建华（户主）", "李小梅（配偶）", "否 → 是",
            "最低生活保障（低保）"} <= set(changes)

    switch_to(client, "en")
    changes = cells(client.get(url).content.decode(), "event-change")
    assert {"Own home → Rented", "None → Dibao (minimum living allowance)", "张建华 (Head of household)",
            "李小梅 (Spouse)", "No → Yes", "Dibao (minimum living allowance)"} <= set(changes)
    # Only the names someone typed stay Chinese.
    assert not [c for c in changes if HAN.search(c.replace("张建华", "").replace("李小梅", ""))], changes


# ================================================================ the menu names lists, a label names one record

def test_the_menu_names_the_lists_in_the_plural_and_a_record_in_the_singular(client, demo):
    referral = h.submitted(demo)
    lead = services.lead_create(actor=demo.township1, channel=LeadChannel.VISIT, description="来访反映",
                                village=demo.village_a, subject_name="王五")
    client.force_login(demo.township1)
    switch_to(client, "en")
    page = client.get(reverse("referrals:list")).content.decode()
    menu = re.findall(r">([^<>]+)(?:<span class=\"badge\">\d+</span>)?</a>", nav(page))
    assert {"Leads", "Referrals", "Alerts"} <= set(menu), menu
    assert not {"Lead", "Referral", "Alert"} & set(menu)
    assert f">Referral {referral.pk}</a>" in page
    page = client.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert f"<h1>Referral {referral.pk} " in page
    page = client.get(reverse("referrals:lead_detail", args=[lead.pk])).content.decode()
    assert f"Lead {lead.pk}" in page

    switch_to(client, "zh-hans")
    page = client.get(reverse("referrals:list")).content.decode()
    menu = re.findall(r">([^<>]+)(?:<span class=\"badge\">\d+</span>)?</a>", nav(page))
    assert {"线索", "转办", "预警"} <= set(menu)
    assert f">转办{referral.pk}</a>" in page


def test_a_roster_entry_in_the_history_reads_its_kind_and_reasons_in_english(client, demo):
    household = make_roster(demo.village_a, caseworker=demo.caseworker_a)
    event = household.events.get(field="roster")
    assert event.new_value == "救助预警：独居老人"
    url = reverse("households:detail", args=[household.pk])
    client.force_login(demo.caseworker_a)
    assert "救助预警：独居老人" in cells(client.get(url).content.decode(), "event-change")
    switch_to(client, "en")
    assert "Assistance alert: Elderly living alone" in cells(client.get(url).content.decode(), "event-change")


# ================================================================ the policies a family receives

def test_the_household_plan_names_a_received_policy_by_its_assistance_type(client, demo):
    from plans import services as plan_services
    from plans.models import ConditionKind

    plan_services.policy_save(
        actor=demo.district_official, areas=[demo.district],
        conditions=[dict(kind=ConditionKind.CATEGORY_HELD, group=1, values=["dibao"])],
        data=dict(code="cn-dibao", name="长宁区最低生活保障", assistance_type=AssistanceType.DIBAO, summary="s",
                  eligibility="e", benefits="b", how_to_apply="h", department="民政办", is_active=True,
                  owner=demo.district))
    household = make_household(demo.village_a, caseworker=demo.caseworker_a, assistance=[AssistanceType.DIBAO])
    url = reverse("plans:household_plan", args=[household.pk])
    client.force_login(demo.caseworker_a)
    page = client.get(url).content.decode()
    assert ('<p data-testid="received-policies">正在享受：<span class="tag green" title="长宁区最低生活保障">'
            '最低生活保障（低保）</span></p>') in page
    switch_to(client, "en")
    page = client.get(url).content.decode()
    assert ('<p data-testid="received-policies">Currently receiving: <span class="tag green" '
            'title="长宁区最低生活保障">Dibao (minimum living allowance)</span></p>') in page


def test_counts_of_one_and_of_many_read_right_in_english():
    import datetime as dt

    from django.utils import timezone

    from referrals.steplimits import left_words
    from relief.templatetags.deadlines import days_left, time_left

    today = timezone.localdate()
    now = timezone.now()
    with translation.override("en"):
        assert days_left(today + dt.timedelta(days=1)) == "1 day left"
        assert days_left(today + dt.timedelta(days=3)) == "3 days left"
        assert days_left(today - dt.timedelta(days=1)) == "1 day overdue"
        assert time_left(now + dt.timedelta(days=3, minutes=5), now=now) == "3 days left"
        assert left_words(["days_over", 1]) == "1 day overdue"
        assert left_words(["hours_left", 2]) == "2 hours left"
    with translation.override("zh-hans"):
        assert days_left(today + dt.timedelta(days=1)) == "还剩 1 天"
        assert left_words(["days_over", 1]) == "超期1天"


def test_an_action_reads_as_an_action_and_a_status_as_a_status(client, demo):
    from alerts.models import AlertStatus

    with translation.override("en"):
        assert str(AlertStatus.OPEN.label) == "New"
        assert str(translation.pgettext("action", "关闭预警")) == "Close alert"
        assert str(translation.pgettext("action", "纳入花名册")) == "Add to the roster"
        # The event of the same words keeps its past tense.
        assert translation.gettext("纳入花名册") == "Added to the roster"
    with translation.override("zh-hans"):
        assert str(AlertStatus.OPEN.label) == "新预警"


def test_a_family_of_one_reads_as_one_person_and_a_family_of_three_as_three_people(client, demo):
    alone = make_household(demo.village_a, caseworker=demo.caseworker_a)
    three = make_household(demo.village_a, caseworker=demo.caseworker_a, members=2)
    client.force_login(demo.caseworker_a)
    switch_to(client, "en")
    assert "<dd>1 person</dd>" in client.get(reverse("households:detail", args=[alone.pk])).content.decode()
    assert "<dd>3 people</dd>" in client.get(reverse("households:detail", args=[three.pk])).content.decode()
    switch_to(client, "zh-hans")
    assert "<dd>3 人</dd>" in client.get(reverse("households:detail", args=[three.pk])).content.decode()


def test_several_categories_in_a_condition_read_as_any_one_of_them_or_none_of_them():
    from plans.matching import describe_condition
    from plans.models import ConditionKind, PolicyCondition

    held = PolicyCondition(kind=ConditionKind.CATEGORY_HELD, values=["dibao", "tekun"])
    not_held = PolicyCondition(kind=ConditionKind.CATEGORY_NOT_HELD, values=["dibao", "tekun"])
    one = PolicyCondition(kind=ConditionKind.CATEGORY_HELD, values=["dibao"])
    with translation.override("en"):
        assert describe_condition(held) == "Receives one of: Dibao (minimum living allowance), Tekun (extreme-poverty support)"
        assert describe_condition(not_held).startswith("Receives none of: Dibao")
        assert describe_condition(one) == "Receiving: Dibao (minimum living allowance)"
        assert "、" not in describe_condition(held)
    with translation.override("zh-hans"):
        assert describe_condition(held).startswith("正在享受以下任一项：最低生活保障（低保）、")
        assert describe_condition(not_held).startswith("以下均未享受：")


def test_a_family_nobody_has_visited_is_not_told_its_latest_visit_went_well(client, demo):
    household = make_household(demo.village_a, caseworker=demo.caseworker_a)
    client.force_login(demo.caseworker_a)
    page = client.get(reverse("households:detail", args=[household.pk])).content.decode()
    assert 'data-testid="no-patrol-records"' in page
    assert "最近一次走访见到本人" not in page


def test_a_family_never_visited_reads_last_visit_never_on_the_worklist(client, demo):
    make_roster(demo.village_a, caseworker=demo.caseworker_a, entered_on=D(2024, 1, 1))
    client.force_login(demo.caseworker_a)
    switch_to(client, "en")
    page = client.get(reverse("visits:worklist")).content.decode()
    assert "Last visit never" in page and "Last visit None" not in page


def test_a_default_rule_alert_reads_in_english_and_a_rewritten_rule_as_written(client, demo):
    from alerts.jobs import status_change_scan
    from alerts.models import AlertRule
    from households.models import EventKind
    from households.services.common import event_record

    household = make_household(demo.village_a, actor=demo.caseworker_a, head_name="韩桂英")
    with translation.override(settings.LANGUAGE_CODE):
        event_record(household=household, kind=EventKind.ASSISTANCE_ENDED, actor=demo.caseworker_a,
                     field="assistance", old_value=str(AssistanceType.DIBAO.label))
    status_change_scan()
    ended = Alert.objects.get(household=household, kind=AlertKind.STATUS_CHANGE)
    assert ended.reason == "救助终止（最低生活保障（低保）），请至少每季度回访一次", "the stored text stays in the site's language"
    english = "Assistance ended (Dibao (minimum living allowance)): visit at least once a quarter"
    with translation.override("en"):
        assert reason_text(ended) == english
        # An alert opened under the rule's former wording still reads in English.
        former = Alert(reason="救助终止（最低生活保障（低保）），转入每季度回访", kind=AlertKind.STATUS_CHANGE)
        assert reason_text(former) == "Assistance ended (Dibao (minimum living allowance)): moved to the quarterly follow-up visits"
    with translation.override(settings.LANGUAGE_CODE):
        assert reason_text(ended) == ended.reason
    client.force_login(demo.township1)
    switch_to(client, "en")
    page = html.unescape(client.get(reverse("alerts:detail", args=[ended.pk])).content.decode())
    assert english in page

    AlertRule.objects.filter(event_kind=EventKind.MEMBER_DECEASED).update(reason="请社工上门慰问（{new}）")
    with translation.override(settings.LANGUAGE_CODE):
        event_record(household=household, kind=EventKind.MEMBER_DECEASED, actor=demo.caseworker_a, new_value="韩某")
    status_change_scan()
    rewritten = Alert.objects.get(household=household, rule__event_kind=EventKind.MEMBER_DECEASED)
    with translation.override("en"):
        assert reason_text(rewritten) == "请社工上门慰问（韩某）", "an administrator's own wording is data"


def test_a_step_is_handled_by_the_village_and_the_lists_and_menu_read_as_lists(client, demo):
    from relief import access

    referral = h.draft(demo)
    client.force_login(demo.township1)
    switch_to(client, "en")
    page = html.unescape(client.get(reverse("referrals:detail", args=[referral.pk])).content.decode())
    assert re.search(r"· handled by the (village|township)", page) and "Village level" not in page
    leads = html.unescape(client.get(reverse("referrals:lead_list")).content.decode())
    assert "<h1>Assistance leads</h1>" in leads
    reached = 0
    for user in (demo.township1, demo.district_official):
        client.force_login(user)
        switch_to(client, "en")
        menu = html.unescape(client.get(reverse("home")).content.decode())
        assert "Import records" not in menu and "Data import" not in menu
        if access.may_open(user, "imports:index"):
            assert "Import data" in menu
            reached += 1
        elif access.may_open(user, "imports:records"):
            assert "Import history" in menu
            reached += 1
    assert reached, "one of them reaches the imports from the menu"


def test_the_alert_list_and_worklist_cut_a_reason_by_its_room_not_by_characters(client, demo):
    late = h.submitted(demo)
    Referral.objects.filter(pk=late.pk).update(step_started_at=timezone.now() - dt.timedelta(days=8))
    step_alerts()
    step = Alert.objects.get(kind=AlertKind.STEP_OVERDUE, source_ref=f"referral:{late.pk}")
    client.force_login(demo.township1)
    switch_to(client, "en")
    listed = html.unescape(undated(client.get(reverse("alerts:list")).content.decode()))
    assert in_english(step) in listed, "the English sentence is shown whole, with its deadline"
    switch_to(client, "zh-hans")
    listed = html.unescape(undated(client.get(reverse("alerts:list")).content.decode()))
    assert step.reason in listed
    from alerts.templatetags.alert_tags import alert_reason_brief

    step.reason_params, step.reason = {}, "很长的原因" * 40
    assert alert_reason_brief(step) == "很长的原因" * 12 + "…"


def test_the_worklist_counts_the_new_alerts_the_inbox_it_links_to_lists(client, demo):
    from alerts.selectors import alerts_for
    from visits.selectors import worklist_for

    household = make_household(demo.village_a, actor=demo.caseworker_a)
    alert_open(kind=AlertKind.STATUS_CHANGE, household=household, reason="收入下降", dedupe_key="t:w1")
    # A case the township handles for a family registered in its hukou township but living in township 2.
    elsewhere = make_household(demo.village_c, actor=demo.caseworker_c)
    held, _ = alert_open(kind=AlertKind.STATUS_CHANGE, household=elsewhere, reason="户籍地办理", dedupe_key="t:w2")
    Alert.objects.filter(pk=held.pk).update(township=demo.village_a.parent)
    work = worklist_for(demo.township1)
    listed = alerts_for(demo.township1, status="open", kind="", village=None, q="").count()
    assert work.new_alert_count == listed
    assert held.pk in {a.pk for a in work.new_alerts}


def test_a_home_card_of_one_reads_in_the_singular_and_of_several_in_the_plural(client, demo):
    from django.utils.translation import npgettext

    with translation.override("en"):
        assert npgettext("home card", "部门事项超期", "部门事项超期", 1) == "Department item overdue"
        assert npgettext("home card", "部门事项超期", "部门事项超期", 3) == "Department items overdue"
        assert npgettext("home card", "照料协议缺失或过期", "照料协议缺失或过期", 2) == "Care agreements missing or expired"
    with translation.override("zh-hans"):
        assert npgettext("home card", "部门事项超期", "部门事项超期", 3) == "部门事项超期"
    tekun_person(demo.village_a, caseworker=demo.caseworker_a)
    client.force_login(demo.township1)
    switch_to(client, "en")
    page = html.unescape(client.get(reverse("home")).content.decode())
    assert "Care agreement missing or expired" in page and "Care agreements missing or expired" not in page
    tekun_person(demo.village_a, caseworker=demo.caseworker_a, residence_address="长宁路9号")
    page = html.unescape(client.get(reverse("home")).content.decode())
    assert "Care agreements missing or expired" in page
