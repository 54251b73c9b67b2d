"""Service kinds (服务类型): one current kind with its history, 转介 case goals and notes, 跟踪联系 contacts at
a cadence, refusals in Chinese, stale forms refused, and the alerts the scan opens and closes."""
import datetime as dt

import pytest
from django.http import Http404
from django.utils import timezone

from alerts.jobs import status_change_scan
from alerts.models import Alert, AlertKind, AlertStatus
from households.models import Cadence
from households.services import household_update
from plans import service_kinds as services
from plans.models import GoalStatus, ServiceRecord, ServiceType
from plans.service_kinds import ServiceError
from relief.months import add_months

from . import factories

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def _start(actor, household, kind, days=10, **kw):
    current = ServiceRecord.objects.current().filter(household=household).first()
    return services.service_start(actor=actor, household=household, kind=kind,
                                  started_on=TODAY() - dt.timedelta(days=days), reason=kw.pop("reason", "走访发现"),
                                  current_id=current.pk if current else None,
                                  version=current.version if current else None, **kw)


def test_changing_the_kind_closes_the_previous_record_and_keeps_history(demo):
    h = factories.household(demo.village_a)
    first = _start(demo.township1, h, ServiceType.COMPREHENSIVE, days=30)
    second = _start(demo.township1, h, ServiceType.TRACKING, days=5, cadence=Cadence.MONTHLY, reason="暂不符合")
    first.refresh_from_db()
    assert first.ended_on == second.started_on and first.end_reason == "暂不符合"
    assert first.ended_by == demo.township1
    assert list(ServiceRecord.objects.current().filter(household=h)) == [second]
    assert ServiceRecord.objects.filter(household=h).count() == 2
    assert second.decided_by == demo.township1
    assert second.next_contact_on == add_months(second.started_on, 1)


def test_bad_input_is_refused_in_chinese_and_nothing_is_stored(demo):
    h = factories.household(demo.village_a)
    cases = [
        (dict(kind=ServiceType.REFERRAL), "责任社工"),
        (dict(kind=ServiceType.REFERRAL, case_worker=demo.caseworker_c), "本村或本乡镇"),
        (dict(kind=ServiceType.TRACKING), "联系频次"),
        (dict(kind=ServiceType.COMPREHENSIVE, reason="  "), "为什么确定"),
        (dict(kind="other"), "服务类型"),
        (dict(kind=ServiceType.COMPREHENSIVE, days=-3), "晚于今天"),
    ]
    for kwargs, words in cases:
        with pytest.raises(ServiceError) as exc:
            _start(demo.township1, h, **kwargs)
        assert words in " ".join(exc.value.messages)
    assert not ServiceRecord.objects.filter(household=h).exists()
    _start(demo.township1, h, ServiceType.COMPREHENSIVE)
    with pytest.raises(ServiceError, match="当前已是"):
        _start(demo.township1, h, ServiceType.COMPREHENSIVE)


def test_a_stale_form_is_refused(demo):
    h = factories.household(demo.village_a)
    record = _start(demo.township1, h, ServiceType.REFERRAL, case_worker=demo.caseworker_a)
    seen = record.version
    services.service_goal_add(actor=demo.caseworker_a, record=record, text="心理疏导", target_on=TODAY(),
                              version=seen)
    with pytest.raises(ServiceError, match="已被他人修改"):
        services.service_note_add(actor=demo.township1, record=record, noted_on=TODAY(), note="面谈", version=seen)
    with pytest.raises(ServiceError, match="已被他人修改"):
        services.service_start(actor=demo.township1, household=h, kind=ServiceType.COMPREHENSIVE,
                               started_on=TODAY(), reason="调整", current_id=record.pk, version=seen)
    with pytest.raises(ServiceError, match="已被他人修改"):  # the form showed no current kind
        services.service_start(actor=demo.township1, household=h, kind=ServiceType.COMPREHENSIVE,
                               started_on=TODAY(), reason="调整", current_id=None, version=None)
    assert record.notes.count() == 0 and ServiceRecord.objects.filter(household=h).count() == 1


def test_referral_case_goals_notes_and_overdue(demo):
    h = factories.household(demo.village_a)
    record = _start(demo.township1, h, ServiceType.REFERRAL, days=40, case_worker=demo.caseworker_a)
    late = services.service_goal_add(actor=demo.township1, record=record, text="链接助餐",
                                     target_on=TODAY() - dt.timedelta(days=3), version=record.version)
    record.refresh_from_db()
    ahead = services.service_goal_add(actor=demo.township1, record=record, text="助学金",
                                      target_on=TODAY() + dt.timedelta(days=3), version=record.version)
    assert late.is_overdue and not ahead.is_overdue
    record.refresh_from_db()
    with pytest.raises(ServiceError, match="达成"):
        services.service_goal_update(actor=demo.caseworker_a, goal=late, status=GoalStatus.ACHIEVED, note="",
                                     version=record.version)
    services.service_goal_update(actor=demo.caseworker_a, goal=late, status=GoalStatus.ACHIEVED, note="已对接",
                                 version=record.version)
    late.refresh_from_db()
    assert not late.is_overdue and late.closed_on == TODAY()
    record.refresh_from_db()
    note = services.service_note_add(actor=demo.caseworker_a, record=record, noted_on=TODAY(), note="入户评估",
                                     version=record.version)
    assert note.by == demo.caseworker_a
    record.refresh_from_db()
    with pytest.raises(ServiceError, match="跟踪联系服务"):
        services.service_contact_log(actor=demo.caseworker_a, record=record, contacted_on=TODAY(),
                                     method="phone", note="x", version=record.version)


def test_case_worker_must_serve_the_village_or_township(demo):
    h = factories.household(demo.village_a)
    _start(demo.township1, h, ServiceType.REFERRAL, case_worker=demo.township1)  # township staff may carry it
    other = factories.household(demo.village_a)
    with pytest.raises(ServiceError, match="本村或本乡镇"):
        _start(demo.township1, other, ServiceType.REFERRAL, case_worker=demo.caseworker_b)  # village B


def test_outside_the_jurisdiction_is_404(demo):
    h = factories.household(demo.village_c)
    with pytest.raises(Http404):
        _start(demo.township1, h, ServiceType.COMPREHENSIVE)


def test_tracking_contacts_set_the_next_due_date_and_close_the_due_alert(demo):
    h = factories.household(demo.village_a)
    record = _start(demo.township1, h, ServiceType.TRACKING, days=40, cadence=Cadence.MONTHLY)
    assert record.contact_due
    stats = services.service_scan()
    assert stats["contact_due"] == 1
    alert = Alert.objects.get(kind=AlertKind.CONTACT_DUE, household=h)
    assert alert.status == AlertStatus.OPEN
    services.service_scan()  # idempotent
    assert Alert.objects.filter(kind=AlertKind.CONTACT_DUE, household=h).count() == 1
    record.refresh_from_db()
    services.service_contact_log(actor=demo.caseworker_a, record=record, contacted_on=TODAY(), method="phone",
                                 note="电话联系，情况稳定", version=record.version)
    record.refresh_from_db()
    assert record.next_contact_on > TODAY() and not record.contact_due
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CLOSED
    with pytest.raises(ServiceError, match="联系方式"):
        services.service_contact_log(actor=demo.caseworker_a, record=record, contacted_on=TODAY(), method="fax",
                                     note="x", version=record.version)


def test_a_status_change_reflags_the_household_for_review(demo):
    factories.standard(demo.district, "1330")
    h = factories.household(demo.village_a, income="2000")
    record = _start(demo.township1, h, ServiceType.TRACKING, days=20, cadence=Cadence.HALF_YEARLY)
    ServiceRecord.objects.filter(pk=record.pk).update(reviewed_at=timezone.now() - dt.timedelta(days=20))
    h.refresh_from_db()
    household_update(actor=demo.caseworker_a, household=h, version=h.version, per_capita_income="500")
    status_change_scan()
    assert Alert.objects.filter(kind=AlertKind.STATUS_CHANGE, household=h).exists()
    assert ServiceRecord.objects.annotate(due=services.review_due_expression()).get(pk=record.pk).due
    services.service_scan()
    review = Alert.objects.get(kind=AlertKind.SERVICE_REVIEW_DUE, household=h)
    record.refresh_from_db()
    services.service_review(actor=demo.caseworker_a, record=record, note="收入下降，协助申请低保前继续跟踪",
                            version=record.version)
    review.refresh_from_db()
    assert review.status == AlertStatus.CLOSED
    assert not ServiceRecord.objects.annotate(due=services.review_due_expression()).get(pk=record.pk).due
    assert "复核服务类型" in record.notes.get().note


def test_ending_a_service(demo):
    h = factories.household(demo.village_a)
    record = _start(demo.township1, h, ServiceType.COMPREHENSIVE, days=10)
    with pytest.raises(ServiceError, match="早于开始日期"):
        services.service_end(actor=demo.township1, record=record, ended_on=TODAY() - dt.timedelta(days=20),
                             reason="已纳入低保", version=record.version)
    services.service_end(actor=demo.township1, record=record, ended_on=TODAY(), reason="已纳入低保",
                         version=record.version)
    assert not ServiceRecord.objects.current().filter(household=h).exists()
