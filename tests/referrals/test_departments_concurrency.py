"""Two departments decide the last items of one case at the same moment: both are stored and the case is finished
exactly once; two people deciding the same item: one is stored, the other is told."""
import datetime as dt
import threading

import pytest
from django.db import connection, connections

from referrals import services
from referrals.models import DepartmentItem, ReferralStep, StepAction
from relief.models import Role
from tests.conftest import skip_or_fail

from . import helpers as h

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _case(demo):
    r = h.submitted(demo)
    deadline = h.today() + dt.timedelta(days=10)
    return services.assessment_create(
        actor=demo.township1, referral=r, needs="需求", opinion="意见",
        items=[{"department": "social_security", "measure": "低保", "deadline": deadline},
               {"department": "housing", "measure": "危房修缮", "deadline": deadline}])


def _race(calls):
    barrier = threading.Barrier(len(calls))
    results = {}

    def run(name, fn, kwargs):
        try:
            barrier.wait(timeout=10)
            fn(**kwargs)
            results[name] = "stored"
        except services.ReferralError as exc:
            results[name] = " ".join(exc.messages)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(name, fn, kwargs)) for name, fn, kwargs in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


def test_last_two_departments_at_once_finish_the_case_once(demo, make_staff):
    if connection.vendor != "postgresql":
        skip_or_fail("the row-lock test needs PostgreSQL (DATABASE_URL=postgres://...)")
    shebao = make_staff(Role.DEPARTMENT, demo.townships[0], department="social_security")
    case = _case(demo)
    ss, housing = case.items.get(department="social_security"), case.items.get(department="housing")
    results = _race([
        ("ss", services.department_item_decide, {"actor": shebao, "item": ss.pk, "approved": True, "amount": 500}),
        ("housing", services.department_item_decide,
         {"actor": demo.township1, "item": housing.pk, "approved": False, "reason": "房屋不属于危房"}),
    ])
    assert results == {"ss": "stored", "housing": "stored"}
    case.referral.refresh_from_db()
    assert case.referral.status == "eligible"
    finished = ReferralStep.objects.filter(referral=case.referral, action__in=[StepAction.DECIDE_ELIGIBLE,
                                                                               StepAction.DECIDE_INELIGIBLE])
    assert finished.count() == 1


def test_two_people_deciding_one_item_store_one(demo, make_staff):
    if connection.vendor != "postgresql":
        skip_or_fail("the row-lock test needs PostgreSQL (DATABASE_URL=postgres://...)")
    second = make_staff(Role.TOWNSHIP, demo.townships[0])
    case = _case(demo)
    housing = case.items.get(department="housing")
    results = _race([
        ("a", services.department_item_decide, {"actor": demo.township1, "item": housing.pk, "approved": True,
                                                "version": housing.version}),
        ("b", services.department_item_decide, {"actor": second, "item": housing.pk, "approved": False,
                                                "reason": "房屋不属于危房", "version": housing.version}),
    ])
    assert sorted(results.values()).count("stored") == 1
    refused = next(v for v in results.values() if v != "stored")
    assert "您的操作未保存" in refused
    assert DepartmentItem.objects.get(pk=housing.pk).version == housing.version + 1
