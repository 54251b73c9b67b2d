"""Two township staff decide the same referral at the same moment: one decision is stored, the other is told."""
import threading

import pytest
from django.db import connection, connections

from households.models import AssistanceRecord, ObservationEntry
from referrals import services
from referrals.models import Referral, ReferralStep, StepAction
from tests.conftest import skip_or_fail

from . import helpers as h

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_deciders_at_once_store_exactly_one_decision(demo, make_staff):
    if connection.vendor != "postgresql":
        skip_or_fail("the row-lock test needs PostgreSQL (DATABASE_URL=postgres://...)")
    from relief.models import Role

    r = h.assigned(demo)
    second = make_staff(Role.TOWNSHIP, demo.township1.jurisdiction)
    version = r.version  # both read the same page
    barrier = threading.Barrier(2)
    results = {}

    def decide(name, actor, fn, **kwargs):
        try:
            barrier.wait(timeout=10)
            fn(actor=actor, referral=r.pk, version=version, **kwargs)
            results[name] = "stored"
        except services.ReferralError as exc:
            results[name] = " ".join(exc.messages)
        finally:
            connections.close_all()  # each thread used a connection of its own

    threads = [
        threading.Thread(target=decide, args=("a", demo.township1, services.referral_decide_eligible),
                         kwargs={"assistance_type": "temporary", "amount": 700, "start_date": h.today()}),
        threading.Thread(target=decide, args=("b", second, services.referral_decide_ineligible),
                         kwargs={"reason": "家庭人均收入高于低保标准", "real_difficulty": True, "difficulty": "医疗"}),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(results) == ["a", "b"]
    stored = [k for k, v in results.items() if v == "stored"]
    refused = [v for v in results.values() if v != "stored"]
    assert len(stored) == 1 and len(refused) == 1
    assert "您的操作未保存" in refused[0]
    r.refresh_from_db()
    decisions = ReferralStep.objects.filter(referral=r, action__in=[StepAction.DECIDE_ELIGIBLE,
                                                                   StepAction.DECIDE_INELIGIBLE])
    assert decisions.count() == 1
    if stored == ["a"]:
        assert r.status == "eligible" and AssistanceRecord.objects.filter(household=r.household).count() == 1
        assert not ObservationEntry.objects.filter(household=r.household).exists()
    else:
        assert r.status == "ineligible" and not AssistanceRecord.objects.filter(household=r.household).exists()
        assert ObservationEntry.objects.filter(household=r.household).count() == 1
    assert Referral.objects.get(pk=r.pk).version == version + 1
