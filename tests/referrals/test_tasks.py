"""Daily deadline alerts: overdue referrals and late help-first paperwork, once per occurrence."""
import datetime as dt

import pytest
from django.conf import settings

from referrals import services
from referrals.models import Referral
from referrals.tasks import deadline_alerts, deadline_alerts_task
from alerts.models import Alert, AlertKind

from . import helpers as h

pytestmark = pytest.mark.django_db


def test_overdue_referrals_and_late_paperwork_open_one_alert_each(demo):
    late = h.assigned(demo)
    on_time = h.assigned(demo, deadline=h.today() + dt.timedelta(days=3))
    decided = h.assigned(demo)
    services.referral_decide_ineligible(actor=demo.township1, referral=decided, reason="收入超过标准")
    Referral.objects.filter(pk__in=[late.pk, decided.pk]).update(deadline=h.today() - dt.timedelta(days=1))
    help_first = h.submitted(demo, urgency="emergency")
    services.referral_help_first(actor=demo.township1, referral=help_first, amount=800,
                                 paperwork_due=h.today(), comment="突发火灾")
    Referral.objects.filter(pk=help_first.pk).update(paperwork_due=h.today() - dt.timedelta(days=2))

    assert deadline_alerts() == {"opened": 2, "existing": 0}
    overdue = Alert.objects.get(kind=AlertKind.REFERRAL_OVERDUE)
    assert overdue.household_id == late.household_id and f"转办{late.pk}" in overdue.reason
    assert overdue.source_ref == f"referral:{late.pk}"
    paperwork = Alert.objects.get(kind=AlertKind.HELP_FIRST_PAPERWORK_LATE)
    assert paperwork.household_id == help_first.household_id and "800" in paperwork.reason
    assert not Alert.objects.filter(household=on_time.household).exists()

    # Running again (the same day, or a re-delivered task) opens nothing new.
    assert deadline_alerts_task.delay().get() == {"opened": 0, "existing": 2,
                                                  "department_items": {"opened": 0, "closed": 0}}
    assert Alert.objects.count() == 2


def test_done_paperwork_is_not_late(demo):
    r = h.submitted(demo, urgency="emergency")
    services.referral_help_first(actor=demo.township1, referral=r, amount=500, paperwork_due=h.today(),
                                 comment="急病")
    services.referral_paperwork_done(actor=demo.township1, referral=r)
    Referral.objects.filter(pk=r.pk).update(paperwork_due=h.today() - dt.timedelta(days=1))
    assert deadline_alerts() == {"opened": 0, "existing": 0}


def test_the_job_is_scheduled_daily():
    entry = settings.CELERY_BEAT_SCHEDULE["referrals-deadline-alerts"]
    assert entry["task"] == "referrals.deadline_alerts"
    assert entry["schedule"].hour == {6}


def _overdue(demo):
    """An assigned referral whose deadline has passed, with the alert the morning job opened."""
    r = h.assigned(demo)
    Referral.objects.filter(pk=r.pk).update(deadline=h.today() - dt.timedelta(days=2))
    deadline_alerts()
    alert = Alert.objects.get(kind=AlertKind.REFERRAL_OVERDUE, source_ref=f"referral:{r.pk}")
    assert alert.status == "open"
    return Referral.objects.get(pk=r.pk), alert


@pytest.mark.parametrize("decide", ["eligible", "ineligible", "return"])
def test_the_overdue_alert_closes_when_the_referral_leaves_the_watched_state(demo, decide):
    """Decided, or returned (its deadline withdrawn): the system closes the alert with a note saying why."""
    r, alert = _overdue(demo)
    if decide == "eligible":
        services.referral_decide_eligible(actor=demo.township1, referral=r, assistance_type="temporary", amount=900,
                                          start_date=h.today())
    elif decide == "ineligible":
        services.referral_decide_ineligible(actor=demo.township1, referral=r, reason="家庭收入高于低保标准")
    else:
        services.referral_return(actor=demo.township1, referral=r, reason="材料不全，请补充")
    alert.refresh_from_db()
    assert alert.status == "closed" and alert.closed_by is None and alert.closed_at is not None
    assert f"转办{r.pk}" in alert.close_note and "系统自动关闭" in alert.close_note
    # The next morning opens nothing again for the same occurrence.
    assert deadline_alerts()["opened"] == 0


def test_the_overdue_alert_stays_while_the_referral_is_still_late(demo):
    r, alert = _overdue(demo)
    services.referral_review(actor=demo.township1, referral=r, review_date=h.today(), participants="民政办、社保所",
                             conclusion="拟公示")
    alert.refresh_from_db()
    assert alert.status == "open"


def test_the_late_paperwork_alert_closes_when_the_paperwork_is_done(demo):
    r = h.submitted(demo, urgency="emergency")
    services.referral_help_first(actor=demo.township1, referral=r, amount=500, paperwork_due=h.today(),
                                 comment="急病")
    Referral.objects.filter(pk=r.pk).update(paperwork_due=h.today() - dt.timedelta(days=1))
    deadline_alerts()
    alert = Alert.objects.get(kind=AlertKind.HELP_FIRST_PAPERWORK_LATE)
    services.referral_paperwork_done(actor=demo.township1, referral=Referral.objects.get(pk=r.pk))
    alert.refresh_from_db()
    assert alert.status == "closed" and "手续已补齐" in alert.close_note
