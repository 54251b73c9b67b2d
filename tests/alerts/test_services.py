"""The alerts API other apps call: open once per occurrence, acknowledge, close with who and when."""
import pytest
from django.core.exceptions import ValidationError

from alerts.models import AlertKind, AlertStatus
from alerts.services import alert_acknowledge, alert_close, alert_open
from tests.households.factories import make_household

pytestmark = pytest.mark.django_db


def test_alert_open_is_idempotent_per_dedupe_key(demo):
    household = make_household(demo.village_a, caseworker=demo.caseworker_a)
    alert, created = alert_open(kind=AlertKind.REFERRAL_OVERDUE, household=household,
                                reason="转办超过10个工作日未办结", dedupe_key="referral_overdue:7:2024-03-01")
    again, created_again = alert_open(kind=AlertKind.REFERRAL_OVERDUE, household=household,
                                      reason="转办超过10个工作日未办结", dedupe_key="referral_overdue:7:2024-03-01")
    assert created and not created_again and alert.pk == again.pk
    assert alert.caseworker == demo.caseworker_a and alert.status == AlertStatus.OPEN
    with pytest.raises(ValidationError):
        alert_open(kind="nonsense", household=household, reason="x", dedupe_key="k")


def test_acknowledge_then_close_records_who_and_when(demo):
    household = make_household(demo.village_a)
    alert, _ = alert_open(kind=AlertKind.STATUS_CHANGE, household=household, reason="成员失业", dedupe_key="k1")
    alert_acknowledge(actor=demo.caseworker_a, alert=alert)
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED and alert.acknowledged_by == demo.caseworker_a
    with pytest.raises(ValidationError, match="请写明处理情况"):
        alert_close(actor=demo.caseworker_a, alert=alert, note=" ")
    alert_close(actor=demo.caseworker_a, alert=alert, note="已入户核实，协助申请就业援助")
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CLOSED and alert.closed_by == demo.caseworker_a and alert.closed_at
    with pytest.raises(ValidationError, match="已于"):
        alert_close(actor=demo.caseworker_a, alert=alert, note="again")
    with pytest.raises(ValidationError, match="不在您的辖区内"):
        other, _ = alert_open(kind=AlertKind.OTHER, household=household, reason="x", dedupe_key="k2")
        alert_close(actor=demo.caseworker_c, alert=other, note="x")
