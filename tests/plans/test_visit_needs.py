"""Needs found on a visit join the household's needs list automatically, once, after the visit commits."""
import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from plans.models import Need
from plans.tasks import copy_visit_needs
from tests.households.factories import make_household
from tests.visits.factories import visit_data
from visits.models import Visit
from visits.services import visit_log
from tests.audit_helpers import without_seals

pytestmark = pytest.mark.django_db


def log(demo, household, capture, **overrides):
    data = visit_data(dt.date.today(), **overrides)
    with capture(execute=True) as callbacks:
        visit, _created = visit_log(actor=demo.caseworker_a, household=household, data=data)
    return visit, callbacks


def test_a_visits_needs_join_the_needs_list_once(demo, django_capture_on_commit_callbacks):
    household = make_household(demo.village_a)
    visit, _cb = log(demo, household, django_capture_on_commit_callbacks,
                     needs=["medical", "heating_cooling", "emergency"], needs_text="降压药自费部分负担重，冬季无取暖设备",
                     measures="协助申请医疗救助；联系社区送取暖器")
    needs = {n.kind: n for n in Need.objects.filter(household=household)}
    # One vocabulary: the list keeps the very kinds the caseworker ticked, with their labels.
    assert set(needs) == {"medical", "heating_cooling", "emergency"}
    assert needs["heating_cooling"].get_kind_display() == "取暖/防暑"
    assert all(n.source == "visit" and n.source_ref == str(visit.pk) for n in needs.values())
    assert needs["heating_cooling"].description.endswith("取暖/防暑。降压药自费部分负担重，冬季无取暖设备")
    assert needs["medical"].created_by == demo.caseworker_a
    # Copied again (a re-delivered task, the sweep): nothing is added twice.
    assert copy_visit_needs.delay(visit.pk).get() == 3
    assert copy_visit_needs.delay().get() == 0  # the sweep finds nothing left to copy
    assert Need.objects.filter(household=household).count() == 3


def test_the_sweep_copies_needs_whose_task_was_never_queued(demo, django_capture_on_commit_callbacks, monkeypatch):
    """The broker was down when the visit was saved: the visit stands, and the periodic sweep copies it."""
    household = make_household(demo.village_a)

    def broker_down(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(copy_visit_needs, "apply_async", broker_down)
    visit, callbacks = log(demo, household, django_capture_on_commit_callbacks, needs=["care"],
                           measures="联系社区助餐点")
    assert len(without_seals(callbacks)) == 1 and Visit.objects.filter(pk=visit.pk).exists()
    assert not Need.objects.exists()
    monkeypatch.undo()
    Visit.objects.filter(pk=visit.pk).update(created_at=visit.created_at - dt.timedelta(hours=5))
    assert copy_visit_needs.delay().get() == 1
    need = Need.objects.get(household=household)
    # Copied late, the need is still dated by the visit that found it.
    assert need.kind == "care" and need.created_at == visit.created_at - dt.timedelta(hours=5)


def test_a_visit_without_needs_adds_nothing(demo, django_capture_on_commit_callbacks):
    household = make_household(demo.village_a)
    _visit, callbacks = log(demo, household, django_capture_on_commit_callbacks)
    assert not without_seals(callbacks) and not Need.objects.exists()


def test_free_text_needs_become_an_other_need(demo, django_capture_on_commit_callbacks):
    household = make_household(demo.village_a)
    log(demo, household, django_capture_on_commit_callbacks, needs=[], needs_text="希望有人帮忙办理残疾证",
        measures="联系残联上门评残")
    need = Need.objects.get(household=household)
    assert need.kind == "other" and "希望有人帮忙办理残疾证" in need.description


def test_a_refused_visit_leaves_no_need(demo, django_capture_on_commit_callbacks):
    household = make_household(demo.village_a)
    with pytest.raises(ValidationError), django_capture_on_commit_callbacks(execute=True):
        visit_log(actor=demo.caseworker_a, household=household,
                  data=visit_data(dt.date.today(), needs=["medical"], measures="协助申请医疗救助",
                                  next_follow_up_on=dt.date.today() - dt.timedelta(days=1)))
    assert not Need.objects.exists()
