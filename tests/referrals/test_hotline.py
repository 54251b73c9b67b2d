"""Hotline work orders (热线工单): deadlines, the overdue boundary, stale forms refused, the overdue scan's alerts,
the spreadsheet import (good, bad row, duplicates, another township's village, hostile file), jurisdiction and
the list's queries."""
import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from alerts.models import Alert, AlertKind, AlertStatus
from referrals import services
from referrals.models import HotlineWorkOrder, Lead, LeadChannel
from referrals.services import ReferralConflict, ReferralError
from referrals.tasks import hotline_overdue_alerts
from tests.households.factories import make_household
from tests.imports.helpers import csv_bytes, upload, xlsx_bytes

pytestmark = pytest.mark.django_db

HOURS = dt.timedelta(hours=1)
HEADERS = ["工单编号", "受理时间", "来电人", "联系电话", "诉求内容", "所属村/社区", "地址", "首次响应期限", "反馈期限"]


def hotline_lead(demo, village=None, household=None, **kw):
    village = village or demo.village_a
    actor = demo.township2 if village == demo.village_c else demo.township1
    return services.lead_create(actor=actor, channel=LeadChannel.HOTLINE, village=None if household else village,
                                household=household, subject_name="" if household else "王芳",
                                description="来电反映独居老人生活困难", **kw)


def work_order(demo, *, village=None, household=None, number="SH0001", received=None, **kw):
    lead = hotline_lead(demo, village, household)
    actor = demo.township2 if (village or demo.village_a) == demo.village_c else demo.township1
    return services.work_order_register(actor=actor, lead=lead, number=number,
                                        received_at=received or timezone.now() - HOURS, **kw)


def respond(order, actor, at=None, text="已电话联系来电人"):
    return services.work_order_respond(actor=actor, work_order=order, version=order.version,
                                       at=at or timezone.now(), text=text)


# ---------------------------------------------------------------- services
def test_a_work_order_without_deadlines_gets_the_defaults(demo, settings):
    settings.RELIEF_HOTLINE_RESPONSE_HOURS, settings.RELIEF_HOTLINE_FEEDBACK_DAYS = 24, 5
    received = timezone.now() - 2 * HOURS
    order = work_order(demo, received=received)
    assert order.response_due == received + 24 * HOURS
    assert order.feedback_due == received + dt.timedelta(days=5)
    assert order.stage == "awaiting_response" and order.lead.channel == LeadChannel.HOTLINE


def test_deadlines_must_follow_one_another(demo):
    received = timezone.now() - 2 * HOURS
    with pytest.raises(ReferralError) as exc:
        work_order(demo, received=received, response_due=received - HOURS)
    assert "首次响应期限不能早于受理时间" in str(exc.value.message_dict["response_due"])
    with pytest.raises(ReferralError) as exc:
        work_order(demo, number="SH0002", received=received, response_due=received + 5 * HOURS,
                   feedback_due=received + 4 * HOURS)
    assert "反馈期限不能早于首次响应期限" in str(exc.value.message_dict["feedback_due"])
    with pytest.raises(ReferralError):
        work_order(demo, number="SH0003", received=timezone.now() + dt.timedelta(days=1))
    assert not HotlineWorkOrder.objects.exists()


def test_a_work_order_number_is_registered_once(demo):
    work_order(demo, number="SH0001")
    with pytest.raises(ReferralError) as exc:
        work_order(demo, number="SH0001")
    assert "已登记" in str(exc.value)


def test_only_hotline_leads_have_work_orders(demo):
    lead = services.lead_create(actor=demo.township1, channel=LeadChannel.WALK_IN, village=demo.village_a,
                                subject_name="王芳", description="来访")
    with pytest.raises(ReferralError):
        services.work_order_register(actor=demo.township1, lead=lead, number="SH9")


def test_overdue_starts_after_the_deadline_not_at_it(demo):
    received = timezone.now() - 5 * HOURS
    order = work_order(demo, received=received, response_due=received + 2 * HOURS,
                       feedback_due=received + dt.timedelta(days=2))
    due = order.response_due
    assert not order.is_overdue(due)
    assert not HotlineWorkOrder.objects.overdue(due).exists()
    later = due + dt.timedelta(seconds=1)
    assert order.is_overdue(later)
    assert list(HotlineWorkOrder.objects.overdue(later)) == [order]
    order = respond(order, demo.township1)
    # Responded: the feedback deadline runs now, and is not passed yet.
    assert not HotlineWorkOrder.objects.overdue().exists()
    assert HotlineWorkOrder.objects.overdue(order.feedback_due + dt.timedelta(seconds=1)).get() == order
    assert order.response_late


def test_a_stale_form_or_a_second_submit_is_refused_and_stores_nothing(demo):
    order = work_order(demo)
    stale = order.version
    respond(order, demo.township1, text="第一次响应")
    with pytest.raises(ReferralConflict) as exc:
        services.work_order_respond(actor=demo.township1, work_order=order.pk, version=stale, at=timezone.now(),
                                    text="重复提交")
    assert "已被他人修改" in str(exc.value)
    with pytest.raises(ReferralConflict):
        services.work_order_update(actor=demo.township1, work_order=order.pk, version=stale, number="SH9999",
                                   source="12345", received_at=order.received_at, response_due=order.response_due,
                                   feedback_due=order.feedback_due)
    order.refresh_from_db()
    assert order.response == "第一次响应" and order.number == "SH0001" and order.version == stale + 1


def test_feedback_comes_after_the_response(demo):
    order = work_order(demo)
    with pytest.raises(ReferralError) as exc:
        services.work_order_feedback(actor=demo.township1, work_order=order, version=order.version,
                                     at=timezone.now(), text="已办结")
    assert "请先登记首次响应" in str(exc.value)
    order = respond(order, demo.township1, at=timezone.now() - HOURS / 2)
    with pytest.raises(ReferralError):
        services.work_order_feedback(actor=demo.township1, work_order=order, version=order.version,
                                     at=order.received_at - HOURS, text="早于响应")
    order = services.work_order_feedback(actor=demo.township1, work_order=order, version=order.version,
                                         at=timezone.now(), text="已纳入低保")
    assert order.stage == "done" and order.feedback_by == demo.township1
    with pytest.raises(ReferralConflict):
        services.work_order_feedback(actor=demo.township1, work_order=order, version=order.version,
                                     at=timezone.now(), text="再次反馈")


def test_only_the_township_holding_the_lead_edits_its_work_order(demo):
    order = work_order(demo)
    with pytest.raises(ReferralError):
        respond(order, demo.caseworker_a)
    with pytest.raises(Http404):
        respond(order, demo.township2)
    with pytest.raises(ReferralError):
        respond(order, demo.district_official)


# ---------------------------------------------------------------- the overdue scan
def test_the_scan_opens_an_alert_per_overdue_stage_and_closes_it_when_answered(demo):
    household = make_household(demo.village_a)
    received = timezone.now() - 30 * HOURS
    order = work_order(demo, household=household, received=received)  # response due 6 hours ago
    unlinked = work_order(demo, number="SH0002", received=received)
    assert hotline_overdue_alerts() == {"opened": 2, "closed": 0}
    assert hotline_overdue_alerts() == {"opened": 0, "closed": 0}
    alert = Alert.objects.get(kind=AlertKind.HOTLINE_OVERDUE, household=household)
    assert alert.dedupe_key == f"hotline_overdue:{order.pk}:response" and alert.village_id == household.village_id  # it lies where the family lives
    assert "SH0001" in alert.reason and "首次响应" in alert.reason
    assert alert.source_ref == f"lead:{order.lead_id}"
    # The unlinked lead's work order has no household yet: its alert lies in the lead's village, linked to the lead.
    about_lead = Alert.objects.get(kind=AlertKind.HOTLINE_OVERDUE, household__isnull=True)
    assert about_lead.village_id == unlinked.lead.village_id and about_lead.source_ref == f"lead:{unlinked.lead_id}"
    from alerts.sources import source_of

    assert source_of(about_lead.source_ref, demo.township1).url == reverse("referrals:lead_detail",
                                                                           args=[unlinked.lead_id])
    assert set(HotlineWorkOrder.objects.overdue()) == {order, unlinked}

    order = respond(order, demo.township1)
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CLOSED and "首次响应" in alert.close_note

    # The feedback deadline passes: a new occurrence, a new alert; feedback closes it.
    HotlineWorkOrder.objects.filter(pk=order.pk).update(feedback_due=timezone.now() - HOURS / 2,
                                                        response_due=received + HOURS)
    assert hotline_overdue_alerts()["opened"] == 1
    feedback_alert = Alert.objects.get(dedupe_key=f"hotline_overdue:{order.pk}:feedback")
    order.refresh_from_db()
    services.work_order_feedback(actor=demo.township1, work_order=order, version=order.version,
                                 at=timezone.now(), text="已办结并回复热线")
    feedback_alert.refresh_from_db()
    assert feedback_alert.status == AlertStatus.CLOSED


def test_the_scan_closes_alerts_of_work_orders_no_longer_overdue(demo):
    household = make_household(demo.village_a)
    received = timezone.now() - 30 * HOURS
    order = work_order(demo, household=household, received=received)
    hotline_overdue_alerts()
    # The hotline extended the deadline (an edit the service would announce; here written behind its back).
    HotlineWorkOrder.objects.filter(pk=order.pk).update(response_due=timezone.now() + HOURS,
                                                        feedback_due=timezone.now() + 50 * HOURS)
    assert hotline_overdue_alerts() == {"opened": 0, "closed": 1}
    assert not Alert.objects.filter(kind=AlertKind.HOTLINE_OVERDUE, status__in=["open", "acknowledged"]).exists()


def test_moving_a_deadline_later_closes_the_alert_at_once(demo):
    household = make_household(demo.village_a)
    received = timezone.now() - 30 * HOURS
    order = work_order(demo, household=household, received=received)
    hotline_overdue_alerts()
    services.work_order_update(actor=demo.township1, work_order=order, version=order.version, number=order.number,
                               source=order.source, received_at=received, response_due=timezone.now() + HOURS,
                               feedback_due=timezone.now() + 50 * HOURS)
    assert Alert.objects.get(kind=AlertKind.HOTLINE_OVERDUE).status == AlertStatus.CLOSED


# ---------------------------------------------------------------- import
def _row(number="SH1001", received="2026-11-30 09:30", village="华一居委会", **kw):
    row = {"工单编号": number, "受理时间": received, "来电人": "李四", "联系电话": "13800000000",
           "诉求内容": "独居老人，近期住院，生活无人照料", "所属村/社区": village, "地址": "华阳路1弄1号",
           "首次响应期限": "", "反馈期限": ""}
    row.update(kw)
    return row


def _recent(hours=2):
    return timezone.localtime(timezone.now() - hours * HOURS).strftime("%Y-%m-%d %H:%M")


def _post_file(client, content, name="热线工单.xlsx"):
    return client.post(reverse("referrals:hotline_import"), {"file": upload(content, name)})


def test_a_good_file_previews_then_imports_every_work_order_as_a_hotline_lead(client, demo):
    client.force_login(demo.township1)
    content = xlsx_bytes(HEADERS, [_row("SH1001", _recent()), _row("SH1002", _recent(3), village="310105001002",
                                                                     **{"反馈期限": "2099-01-05"})])
    response = _post_file(client, content)
    outcome = response.context["outcome"]
    assert outcome.ok and outcome.new == 2 and not HotlineWorkOrder.objects.exists()
    token = response.context["checked"].token
    response = client.post(reverse("referrals:hotline_import_confirm"), {"plan": token})
    assert response.status_code == 302
    orders = {o.number: o for o in HotlineWorkOrder.objects.select_related("lead")}
    assert set(orders) == {"SH1001", "SH1002"}
    lead = orders["SH1001"].lead
    assert lead.channel == LeadChannel.HOTLINE and lead.source_ref == "SH1001" and lead.village == demo.village_a
    assert lead.reporter_name == "李四" and lead.subject_name == "李四" and lead.received_by == demo.township1
    assert orders["SH1002"].lead.village == demo.village_b
    # A deadline given as a bare date runs to that day's end; one left empty follows the default.
    assert timezone.localtime(orders["SH1002"].feedback_due).strftime("%Y-%m-%d %H:%M:%S") == "2099-01-05 23:59:59"
    assert orders["SH1001"].response_due == orders["SH1001"].received_at + 24 * HOURS
    # The same plan confirmed twice imports nothing more.
    response = client.post(reverse("referrals:hotline_import_confirm"), {"plan": token})
    assert "已登记" in "".join(response.context["refused"]) and HotlineWorkOrder.objects.count() == 2


def test_a_bad_row_is_named_by_row_and_column_and_nothing_is_imported(client, demo):
    client.force_login(demo.township1)
    content = xlsx_bytes(HEADERS, [_row("SH1001", _recent()), _row("SH1002", "明天上午"),
                                   _row("SH1003", _recent(), **{"首次响应期限": "2020-01-01 08:00"})])
    response = _post_file(client, content)
    outcome = response.context["outcome"]
    assert not outcome.ok and outcome.error_rows == 2 and not response.context["checked"].token
    errors = {(row, column) for row, column, _message in outcome.errors}
    assert errors == {(3, "受理时间"), (4, "首次响应期限")}
    body = response.content.decode()
    assert "第 3 行" in body and "无法识别时间" in body and "hotline-confirm" not in body
    assert not Lead.objects.filter(channel=LeadChannel.HOTLINE).exists()


def test_a_work_order_repeated_in_the_file_or_already_registered_is_refused(client, demo):
    work_order(demo, number="SH0001")
    client.force_login(demo.township1)
    content = csv_bytes(HEADERS, [_row("SH1001", _recent()), _row("SH1001", _recent()), _row("SH0001", _recent())])
    response = _post_file(client, content, "工单.csv")
    errors = response.context["outcome"].errors
    assert [3, "工单编号", "工单编号与第 2 行重复。"] in errors
    assert any(e[0] == 4 and e[1] == "工单编号" and "已登记" in e[2] for e in errors)
    assert HotlineWorkOrder.objects.count() == 1


def test_a_village_outside_the_importers_township_is_refused(client, demo):
    client.force_login(demo.township1)
    response = _post_file(client, xlsx_bytes(HEADERS, [_row("SH1001", _recent(), village=demo.village_c.name)]))
    errors = response.context["outcome"].errors
    assert len(errors) == 1 and errors[0][:2] == [2, "所属村/社区"] and "不是您辖区内" in errors[0][2]
    # A forged plan naming that village is refused by the service as well.
    rows = [{"row_number": 2, "number": "SH1001", "source": "12345", "received_at": timezone.now() - HOURS,
             "village_id": demo.village_c.pk, "description": "伪造", "subject_name": "王芳"}]
    with pytest.raises(ReferralError) as exc:
        services.work_orders_import(actor=demo.township1, rows=rows)
    assert "不在您的辖区内" in str(exc.value)
    assert not HotlineWorkOrder.objects.exists()


def test_a_hostile_file_is_refused_by_the_imports_readers_guards(client, demo, settings):
    from tests.imports.test_hostile_files import SHEET, declare_size, inline, sheet_rows, with_sheet

    client.force_login(demo.township1)
    bomb = declare_size(with_sheet(sheet_rows(b"<row r=\"1\">" + inline("x") + b"</row>")), SHEET, 1100 * 1024 * 1024)
    response = _post_file(client, bomb)
    assert "解压后超过 200 MB 的上限" in response.context["outcome"].file_error
    settings.RELIEF_IMPORT_SYNC_MAX_ROWS = 3
    many = xlsx_bytes(HEADERS, [_row(f"SH{n}", _recent()) for n in range(20)])
    response = _post_file(client, many)
    assert "文件超过 3 行" in response.context["outcome"].file_error
    response = _post_file(client, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old.xls")
    assert "旧版 Excel" in response.context["outcome"].file_error
    assert not HotlineWorkOrder.objects.exists()


def test_a_forged_or_anothers_plan_is_refused(client, demo, make_staff):
    client.force_login(demo.township1)
    response = _post_file(client, xlsx_bytes(HEADERS, [_row("SH1001", _recent())]))
    token = response.context["checked"].token
    response = client.post(reverse("referrals:hotline_import_confirm"), {"plan": token[:-3] + "abc"})
    assert "预览已过期或无效" in "".join(response.context["refused"])
    colleague = make_staff("township", demo.township1.jurisdiction)
    client.force_login(colleague)
    response = client.post(reverse("referrals:hotline_import_confirm"), {"plan": token})
    assert "预览已过期或无效" in "".join(response.context["refused"])
    assert not HotlineWorkOrder.objects.exists()


def test_the_template_download_reads_back_as_a_valid_file(client, demo):
    client.force_login(demo.township1)
    response = client.get(reverse("referrals:hotline_template"))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    from referrals.hotline_import import check_upload

    checked = check_upload(actor=demo.township1, upload=upload(response.content, "模板.xlsx"))
    # The example row is a real row: it checks as one work order (its received time in the past).
    assert checked.outcome.file_error == "" and checked.outcome.total_rows == 1


# ---------------------------------------------------------------- pages
def test_the_lead_page_shows_the_work_order_and_the_township_records_a_response(client, demo):
    order = work_order(demo, received=timezone.now() - 30 * HOURS)
    client.force_login(demo.township1)
    page = client.get(reverse("referrals:lead_detail", args=[order.lead_id])).content.decode()
    assert "SH0001" in page and "已超时" in page and 'data-testid="work-order-respond"' in page
    url = reverse("referrals:work_order_action", args=[order.pk, "respond"])
    data = {"version": order.version, "respond-at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "respond-text": "已电话联系"}
    assert client.post(url, data).status_code == 302
    order.refresh_from_db()
    assert order.response == "已电话联系" and order.responded_by == demo.township1
    # The same form sent again is refused, in words.
    response = client.post(url, data, follow=True)
    assert "已被他人修改" in response.content.decode()
    # A caseworker of the village sees the work order, without the forms.
    client.force_login(demo.caseworker_a)
    page = client.get(reverse("referrals:lead_detail", args=[order.lead_id])).content.decode()
    assert "SH0001" in page and "work-order-feedback-save" not in page


def test_another_townships_work_order_answers_404(client, demo):
    order = work_order(demo, village=demo.village_c)
    client.force_login(demo.township1)
    url = reverse("referrals:work_order_action", args=[order.pk, "respond"])
    assert client.post(url, {"version": order.version, "respond-at": "2026-01-01T08:00",
                             "respond-text": "x"}).status_code == 404
    assert client.post(reverse("referrals:work_order_register", args=[order.lead_id]), {}).status_code == 404
    assert "SH0001" not in client.get(reverse("referrals:work_orders")).content.decode()


def test_the_list_filters_and_its_card_counts_its_rows(client, demo):
    from referrals.home import work_order_cards

    received = timezone.now() - 30 * HOURS
    late = work_order(demo, number="SH-LATE", received=received)
    fresh = work_order(demo, number="SH-FRESH")
    answered = respond(work_order(demo, number="SH-ANSWERED"), demo.township1)
    client.force_login(demo.township1)
    url = reverse("referrals:work_orders")

    def listed(stage):
        return [o.number for o in client.get(url, {"stage": stage}).context["page"]]

    assert listed("overdue") == [late.number]
    assert set(listed("awaiting_response")) == {late.number, fresh.number}
    assert listed("awaiting_feedback") == [answered.number]
    assert listed("done") == []
    cards = {c.title: c for c in work_order_cards(demo.township1)}
    for card in cards.values():
        response = client.get(card.url)
        assert response.context["page"].paginator.count == card.count
    assert cards["热线工单超时"].count == 1


def test_the_list_reads_a_fixed_number_of_queries(client, demo, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(demo.township1)
    url = reverse("referrals:work_orders")
    work_order(demo, number="SH-FIRST")
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for n in range(12):
        work_order(demo, number=f"SH{n:04d}")
    with django_assert_max_num_queries(14):  # as the lead and referral lists (tests/referrals/test_pages.py)
        response = client.get(url)
    assert response.context["page"].paginator.count == 13
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(one)
