"""The roster's visit cadence (seed 002: at least monthly; seed 003: quarterly only for refused or exited
families), decided in one place and enforced by service, form and choices alike."""
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from households import services
from households.forms import RosterChangeForm, RosterEnterForm
from households.models import Cadence, FocusReason, RosterEntry, TargetKind, roster_cadence_error

from .factories import make_household

pytestmark = pytest.mark.django_db

REFUSED = FocusReason.REFUSED_OR_EXITED


@pytest.mark.parametrize("reasons, cadence, allowed", [
    ([FocusReason.DISABLED], Cadence.MONTHLY, True),
    ([FocusReason.DISABLED], Cadence.QUARTERLY, False),
    ([FocusReason.DISABLED], Cadence.HALF_YEARLY, False),
    ([REFUSED], Cadence.QUARTERLY, True),
    ([REFUSED], Cadence.MONTHLY, True),
    ([REFUSED], Cadence.HALF_YEARLY, False),
    ([REFUSED, FocusReason.SERIOUS_ILLNESS], Cadence.QUARTERLY, False),
])
def test_the_rule(reasons, cadence, allowed):
    assert (roster_cadence_error(cadence, reasons) is None) == allowed


def test_roster_enter_refuses_a_half_yearly_cadence_with_a_chinese_message(demo):
    household = make_household(demo.village_a)
    with pytest.raises(ValidationError) as exc:
        services.roster_enter(actor=demo.caseworker_a, household=household, reasons=[FocusReason.ELDERLY_ALONE],
                              target_kind=TargetKind.WARNING, cadence=Cadence.HALF_YEARLY)
    assert "每月至少走访一次" in exc.value.message_dict["cadence"][0]
    assert not RosterEntry.objects.filter(household=household).exists()


def test_quarterly_only_for_families_refused_or_exited(demo):
    a, b = make_household(demo.village_a), make_household(demo.village_a, head_name="乙")
    with pytest.raises(ValidationError) as exc:
        services.roster_enter(actor=None, household=a, reasons=[FocusReason.DISABLED],
                              target_kind=TargetKind.WARNING, cadence=Cadence.QUARTERLY)
    assert "每季度" in exc.value.message_dict["cadence"][0]
    entry = services.roster_enter(actor=None, household=b, reasons=[REFUSED], target_kind=TargetKind.WARNING,
                                  cadence=Cadence.QUARTERLY)
    assert entry.cadence == Cadence.QUARTERLY


def test_roster_change_refuses_a_cadence_or_reasons_that_break_the_rule(demo):
    household = make_household(demo.village_a)
    entry = services.roster_enter(actor=None, household=household, reasons=[REFUSED],
                                  target_kind=TargetKind.WARNING)
    assert entry.cadence == Cadence.QUARTERLY
    with pytest.raises(ValidationError) as exc:
        services.roster_change(actor=None, entry=entry, reason="减少走访", cadence=Cadence.HALF_YEARLY)
    assert "cadence" in exc.value.message_dict
    # A new reason other than refused/exited makes a quarterly cadence too rare.
    with pytest.raises(ValidationError) as exc:
        services.roster_change(actor=None, entry=entry, reason="新发现大病",
                               reasons=[REFUSED, FocusReason.SERIOUS_ILLNESS])
    assert "每月至少走访一次" in exc.value.message_dict["cadence"][0]
    entry = services.roster_change(actor=None, entry=entry, reason="新发现大病",
                                   reasons=[REFUSED, FocusReason.SERIOUS_ILLNESS], cadence=Cadence.MONTHLY)
    assert entry.cadence == Cadence.MONTHLY


def test_roster_forms_do_not_offer_half_yearly(demo):
    household = make_household(demo.village_a)
    entry = services.roster_enter(actor=None, household=household, reasons=[FocusReason.DISABLED],
                                  target_kind=TargetKind.WARNING)
    for form in (RosterEnterForm(household=household), RosterChangeForm(entry=entry)):
        assert Cadence.HALF_YEARLY not in [value for value, _label in form.fields["cadence"].choices]


def test_the_roster_page_shows_the_refusal_at_the_field(client, demo):
    household = make_household(demo.village_a)
    client.force_login(demo.caseworker_a)
    response = client.post(reverse("households:roster_enter", args=[household.pk]), {
        "reasons": ["disabled"], "target_kind": "warning", "cadence": "quarterly", "entered_on": "2024-01-05"})
    assert response.status_code == 200
    assert "只有仅因“申请被拒或退出保障”纳入的家庭可以每季度回访" in response.content.decode()
    assert not RosterEntry.objects.filter(household=household).exists()
