"""What trying it on a phone found: not-seen visits record no willingness, names open the household page,
alerts name the family, a refused visit form says at the top what to fix."""
import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from alerts.models import AlertKind
from alerts.services import alert_open
from visits.models import Visit
from visits.services import visit_log

from .factories import make_roster, post_data, visit_data

pytestmark = pytest.mark.django_db


def _not_seen(**overrides):
    return visit_data(timezone.localdate(), person_seen=False, not_seen_reason="家中无人", situation_clear=False,
                      **overrides)


def test_a_not_seen_visit_stores_no_willingness_answer(demo):
    household = make_roster(demo.village_a)
    visit, _created = visit_log(actor=demo.caseworker_a, household=household, data=_not_seen())
    visit.refresh_from_db()
    assert visit.willingness == ""


def test_the_service_refuses_a_willingness_answer_for_a_person_not_seen(demo):
    household = make_roster(demo.village_a)
    with pytest.raises(ValidationError) as exc:
        visit_log(actor=demo.caseworker_a, household=household, data=_not_seen(willingness="wants"))
    assert "未见到本人" in exc.value.message_dict["willingness"][0]
    assert not Visit.objects.exists()


def test_a_seen_visit_keeps_its_answer(demo):
    household = make_roster(demo.village_a)
    visit, _created = visit_log(actor=demo.caseworker_a, household=household,
                                data=visit_data(timezone.localdate(), willingness="wants"))
    assert Visit.objects.get(pk=visit.pk).willingness == "wants"


def test_the_form_ignores_willingness_when_not_seen_and_the_page_shows_none(client, demo):
    household = make_roster(demo.village_a)
    client.force_login(demo.caseworker_a)
    response = client.post(reverse("visits:visit_new", args=[household.pk]), post_data(
        household, person_seen=None, not_seen_reason="外出务工", situation_clear=None, willingness="wants"))
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert (visit.person_seen, visit.willingness) == (False, "")
    html = client.get(response["Location"]).content.decode()
    shown = re.search(r'data-testid="visit-willingness">(.*?)</dd>', html, re.S).group(1)
    assert "愿意申请" not in shown and "未见到本人" in shown


def test_worklist_names_open_the_household_page(client, demo):
    household = make_roster(demo.village_a, entered_on=timezone.localdate() - dt.timedelta(days=90), head_name="李阿婆")
    client.force_login(demo.caseworker_a)
    html = client.get(reverse("visits:worklist")).content.decode()
    url = reverse("households:detail", args=[household.pk])
    assert re.search(rf'<a href="{url}" data-testid="household-link"><strong>李阿婆</strong></a>', html)


def test_alerts_name_the_family_not_only_the_address(client, demo):
    household = make_roster(demo.village_a, head_name="周桂兰")
    alert_open(kind=AlertKind.STATUS_CHANGE, household=household, reason="成员失业", dedupe_key="k1")
    client.force_login(demo.caseworker_a)
    cell = re.search(r'data-testid="alert-household">(.*?)</td>',
                     client.get(reverse("alerts:list")).content.decode(), re.S).group(1)
    assert "周桂兰" in cell and household.residence_address in cell
    worklist = client.get(reverse("visits:worklist")).content.decode()
    assert re.search(r'data-testid="new-alerts".*周桂兰', worklist, re.S)


def test_a_refused_visit_form_lists_every_error_at_the_top_linked_to_its_field(client, demo):
    household = make_roster(demo.village_a)
    client.force_login(demo.caseworker_a)
    response = client.post(reverse("visits:visit_new", args=[household.pk]), post_data(
        household, person_seen=None, not_seen_reason="", situation_clear="on",
        visited_on=(timezone.localdate() + dt.timedelta(days=2)).isoformat()))
    assert response.status_code == 400
    html = response.content.decode()
    summary = re.search(r'<div class="card error-summary" id="error-summary".*?</div>', html, re.S)
    assert summary and summary.start() < html.index('<fieldset')
    links = re.findall(r'<a href="#(field-[a-z_]+)">', summary.group(0))
    assert {"field-visited_on", "field-not_seen_reason", "field-situation_clear"} <= set(links)
    for anchor in links:
        assert f'id="{anchor}"' in html
