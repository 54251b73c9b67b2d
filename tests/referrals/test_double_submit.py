"""A double-click on a step's button sends the same form twice at the same moment: one is stored, the other is told
the case has moved on — on SQLite as on PostgreSQL, never "database is locked" (a deferred SQLite transaction that
read before writing cannot wait for the other writer; settings open SQLite transactions IMMEDIATE)."""
import datetime as dt
import threading

import pytest
from django.db import connections

from referrals import services
from referrals.models import CaseAssessment

from . import helpers as h

pytestmark = pytest.mark.django_db(transaction=True)


def _twice(fn, kwargs, times=2):
    barrier = threading.Barrier(times)
    results = []

    def run():
        try:
            barrier.wait(timeout=10)
            fn(**kwargs)
            results.append("stored")
        except services.ReferralError as exc:
            results.append(" ".join(exc.messages))
        except Exception as exc:  # noqa: BLE001 — the failure this test is about (OperationalError)
            results.append(f"{type(exc).__name__}: {exc}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_a_double_click_on_the_assessment_stores_one(demo):
    referral = h.submitted(demo)
    deadline = h.today() + dt.timedelta(days=10)
    results = _twice(services.assessment_create, {
        "actor": demo.township1, "referral": referral.pk, "needs": "需求", "opinion": "意见",
        "version": referral.version,
        "items": [{"department": "social_security", "measure": "低保", "deadline": deadline},
                  {"department": "housing", "measure": "危房修缮", "deadline": deadline}]})
    assert results.count("stored") == 1, results
    other = [r for r in results if r != "stored"][0]
    assert "Error" not in other and "locked" not in other, other
    assert CaseAssessment.objects.filter(referral_id=referral.pk).count() == 1
