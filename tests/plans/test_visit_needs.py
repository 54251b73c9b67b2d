"""Needs found on a visit join the household's needs list automatically, once, after the visit commits."""
import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from plans import services
from plans.models import Need
from tests.visits.factories import make_household, visit_data
from visits.models import Visit
from visits.services import visit_log

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
    assert set(needs) == {"medical", "basic_living"}
    assert all(n.source == "visit" and n.source_ref == str(visit.pk) for n in needs.values())
    assert needs["basic_living"].description.endswith("取暖/防暑、急难临时救助。降压药自费部分负担重，冬季无取暖设备")
    assert needs["medical"].created_by == demo.caseworker_a
    # Saved again (an edit, a re-delivered hook): nothing is added twice.
    with django_capture_on_commit_callbacks(execute=True):
        Visit.objects.get(pk=visit.pk).save()
    assert services.needs_from_visit(visit_id=visit.pk) and Need.objects.filter(household=household).count() == 2


def test_a_visit_without_needs_adds_nothing(demo, django_capture_on_commit_callbacks):
    household = make_household(demo.village_a)
    _visit, callbacks = log(demo, household, django_capture_on_commit_callbacks)
    assert not callbacks and not Need.objects.exists()


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
