"""The quarterly check of refused and exited families (seed 003 §二(二)2) and the whole-household check of
families partly on 低保 (seed 002 §二(三)): who goes on, quarters, written refusals, the lists and their counts."""
import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from households import checks, services
from households.checks import CheckState
from households.models import (
    AssistanceType, FocusReason, QuarterlyCheck, QuarterlyCheckEntry, TargetKind, WholeHouseholdCheck,
)
from households.demo import DIBAO_STANDARDS

from tests.queries import app_queries

from .factories import make_household

pytestmark = pytest.mark.django_db

D = dt.date


def _standard(demo):
    row = DIBAO_STANDARDS[0]
    services.dibao_standard_set(actor=None, **{**row, "district": demo.district})


def _on_dibao(village, **fields):
    household = make_household(village, created=D(2019, 1, 1), **fields)
    record = services.assistance_add(actor=None, household=household, type=AssistanceType.DIBAO,
                                     start_date=D(2020, 1, 1), monthly_amount=800)
    return household, record


def _entry(household):
    return QuarterlyCheckEntry.objects.filter(household=household, ended_on__isnull=True).first()


# ---------------------------------------------------------------- who goes on

def test_an_exit_from_dibao_puts_the_family_on_the_quarterly_check(demo):
    household, record = _on_dibao(demo.village_a)
    services.assistance_end(actor=demo.caseworker_a, record=record, end_date=D(2024, 2, 10), note="收入超过标准")
    entry = _entry(household)
    assert entry.reason == "exited" and entry.entered_on == D(2024, 2, 10)
    assert household.events.filter(field="quarterly_check").exists()


def test_ending_other_assistance_or_one_of_two_basic_records_is_no_exit(demo):
    household = make_household(demo.village_a, created=D(2019, 1, 1))
    medical = services.assistance_add(actor=None, household=household, type=AssistanceType.MEDICAL,
                                      start_date=D(2020, 1, 1))
    services.assistance_end(actor=None, record=medical, end_date=D(2024, 1, 5))
    assert _entry(household) is None
    services.assistance_add(actor=None, household=household, type=AssistanceType.LOW_INCOME, start_date=D(2020, 1, 1))
    dibao = services.assistance_add(actor=None, household=household, type=AssistanceType.DIBAO,
                                    start_date=D(2020, 1, 1))
    services.assistance_end(actor=None, record=dibao, end_date=D(2024, 1, 5))
    assert _entry(household) is None  # still 低收入: not out of assistance


def test_a_written_refusal_keeps_the_family_off_and_ends_its_entry(demo):
    household, record = _on_dibao(demo.village_a)
    services.quarterly_check_place(actor=None, household=household, reason="refused", entered_on=D(2024, 1, 2))
    refusal = services.written_refusal_record(actor=demo.caseworker_a, household=household,
                                              refused_on=D(2024, 1, 20), note="本人签字")
    assert refusal.recorded_by == demo.caseworker_a and refusal.refused_on == D(2024, 1, 20)
    assert _entry(household) is None
    assert QuarterlyCheckEntry.objects.get(household=household).end_reason == "书面拒绝排查"
    services.assistance_end(actor=None, record=record, end_date=D(2024, 3, 1))
    assert _entry(household) is None
    assert services.quarterly_check_place(actor=None, household=household, reason="refused") is None
    with pytest.raises(ValidationError):
        services.written_refusal_record(actor=demo.caseworker_a, household=household, refused_on=D(2024, 2, 1))


def test_placing_twice_keeps_one_open_entry(demo):
    household = make_household(demo.village_a)
    first = services.quarterly_check_place(actor=None, household=household, reason="refused")
    assert services.quarterly_check_place(actor=None, household=household, reason="exited") == first
    assert QuarterlyCheckEntry.objects.filter(household=household).count() == 1


# ---------------------------------------------------------------- quarters

def test_quarter_arithmetic():
    assert checks.quarter_start(D(2024, 3, 31)) == D(2024, 1, 1)
    assert checks.quarter_end(D(2024, 11, 5)) == D(2024, 12, 31)
    assert checks.quarter_end(D(2024, 2, 1)) == D(2024, 3, 31)
    assert checks.previous_quarter_start(D(2024, 1, 15)) == D(2023, 10, 1)
    assert checks.quarter_label(D(2024, 8, 1)) == "2024年第3季度"


def _state(household, day):
    return checks.quarterly_entries([household.village_id], day).get(household=household).check_state


def test_a_quarter_undone_at_its_end_is_overdue_the_next_day(demo):
    household = make_household(demo.village_a, created=D(2019, 1, 1))
    services.quarterly_check_place(actor=None, household=household, reason="exited", entered_on=D(2024, 3, 31))
    assert _state(household, D(2024, 3, 31)) == CheckState.DUE
    assert _state(household, D(2024, 4, 1)) == CheckState.OVERDUE
    services.quarterly_check_record(actor=demo.caseworker_a, household=household, checked_on=D(2024, 4, 2),
                                    finding="上门面谈，基本生活有保障")
    assert _state(household, D(2024, 4, 2)) == CheckState.DONE
    # The next quarter owes its own check; Q1 missed is history, Q2 done: not overdue.
    assert _state(household, D(2024, 7, 1)) == CheckState.DUE
    assert checks.household_quarterly(household, D(2024, 7, 1))["state"] == CheckState.DUE


def test_a_check_on_the_quarters_last_day_counts_for_that_quarter(demo):
    household = make_household(demo.village_a, created=D(2019, 1, 1))
    services.quarterly_check_place(actor=None, household=household, reason="exited", entered_on=D(2024, 1, 5))
    check = services.quarterly_check_record(actor=demo.caseworker_a, household=household, checked_on=D(2024, 3, 31),
                                            finding="电话与上门结合了解，无新困难")
    assert check.quarter_start == D(2024, 1, 1)
    assert _state(household, D(2024, 4, 1)) == CheckState.DUE
    with pytest.raises(ValidationError) as exc:
        services.quarterly_check_record(actor=demo.caseworker_a, household=household, checked_on=D(2024, 2, 1),
                                        finding="再次排查")
    assert "已于 2024-03-31 排查过" in str(exc.value)


def test_a_check_is_refused_off_the_list_before_entry_in_the_future_or_outside_the_village(demo):
    household = make_household(demo.village_a, created=D(2019, 1, 1))
    with pytest.raises(ValidationError):
        services.quarterly_check_record(actor=demo.caseworker_a, household=household, checked_on=D(2024, 1, 1),
                                        finding="x")
    services.quarterly_check_place(actor=None, household=household, reason="exited", entered_on=D(2024, 2, 1))
    for day in (D(2024, 1, 31), timezone.localdate() + dt.timedelta(days=1)):
        with pytest.raises(ValidationError):
            services.quarterly_check_record(actor=demo.caseworker_a, household=household, checked_on=day,
                                            finding="面谈")
    with pytest.raises(ValidationError):
        services.quarterly_check_record(actor=demo.caseworker_c, household=household, checked_on=D(2024, 2, 2),
                                        finding="面谈")
    assert not QuarterlyCheck.objects.exists()


# ---------------------------------------------------------------- lists, counts, pages

def _family(demo, village, entered_on, checked_on=None):
    household = make_household(village, created=D(2019, 1, 1))
    services.quarterly_check_place(actor=None, household=household, reason="exited", entered_on=entered_on)
    if checked_on:
        services.quarterly_check_record(actor=None, household=household, checked_on=checked_on, finding="面谈正常")
    return household


def _quarter_dates():
    today = timezone.localdate()
    current = checks.quarter_start(today)
    previous = checks.previous_quarter_start(today)
    return today, current, previous


def test_township_list_counts_per_village_equal_its_rows(client, demo):
    today, current, previous = _quarter_dates()
    due = _family(demo, demo.village_a, current)
    overdue = _family(demo, demo.village_a, previous)
    done = _family(demo, demo.village_b, previous, checked_on=today)
    _family(demo, demo.village_c, current)  # township 2's
    client.force_login(demo.township1)
    url = reverse("households:quarterly_list")
    response = client.get(url)
    assert response.status_code == 200
    table = {row["village"].pk: row for row in response.context["table"]}
    assert set(table) == {v.pk for v in (demo.village_a, demo.village_b)} | set(table)
    assert demo.village_c.pk not in table
    assert response.context["page"].paginator.count == 2  # pending = overdue + due
    for village_pk, row in table.items():
        for show in ("overdue", "due", "done"):
            page = client.get(url, {"show": show, "village": village_pk}).context["page"]
            assert page.paginator.count == row[show], (village_pk, show)
    assert table[demo.village_a.pk]["overdue"] == 1 and table[demo.village_a.pk]["due"] == 1
    assert table[demo.village_b.pk]["done"] == 1
    rows = [e.household_id for e in response.context["page"].object_list]
    assert rows == [overdue.pk, due.pk]  # overdue first
    assert done.pk not in rows


def test_worklist_shows_the_quarters_due_checks_and_links_to_the_list(client, demo):
    today, current, previous = _quarter_dates()
    due = _family(demo, demo.village_a, current)
    overdue = _family(demo, demo.village_a, previous)
    _family(demo, demo.village_a, previous, checked_on=today)
    _family(demo, demo.village_b, current)  # another village: not caseworker A's
    client.force_login(demo.caseworker_a)
    response = client.get(reverse("visits:worklist"))
    quarterly = response.context["quarterly"]
    assert [e.household_id for e in quarterly["items"]] == [overdue.pk, due.pk]
    assert quarterly["total"] == 2
    html = response.content.decode()
    assert reverse("households:quarterly_check", args=[due.pk]) in html
    listed = client.get(quarterly["url"]).context["page"].paginator.count
    assert listed == quarterly["total"]


def test_home_card_counts_the_pending_list(client, demo):
    today, current, previous = _quarter_dates()
    _family(demo, demo.village_a, current)
    _family(demo, demo.village_a, previous)
    from households.home import check_cards

    card = next(c for c in check_cards(demo.caseworker_a) if c.title == "季度排查待办")
    client.force_login(demo.caseworker_a)
    assert client.get(card.url).context["page"].paginator.count == card.count == 2
    assert card.urgent


def test_recording_a_check_through_the_form_goes_back_to_the_worklist(client, demo):
    today, current, _ = _quarter_dates()
    household = _family(demo, demo.village_a, current)
    client.force_login(demo.caseworker_a)
    url = reverse("households:quarterly_check", args=[household.pk])
    worklist = reverse("visits:worklist")
    assert client.get(url, {"next": worklist}).status_code == 200
    response = client.post(url, {"checked_on": today.isoformat(), "finding": "上门面谈：生活正常", "next": worklist})
    assert response.status_code == 302 and response["Location"] == worklist
    assert QuarterlyCheck.objects.get(household=household).recorded_by == demo.caseworker_a
    response = client.post(url, {"checked_on": today.isoformat(), "finding": "再次排查"})
    assert response.status_code == 200 and "排查过" in response.content.decode()


def test_changed_circumstances_offer_a_referral_on_the_household_page(client, demo):
    today, current, _ = _quarter_dates()
    household = _family(demo, demo.village_a, current)
    client.force_login(demo.caseworker_a)
    client.post(reverse("households:quarterly_check", args=[household.pk]),
                {"checked_on": today.isoformat(), "finding": "户主失业，收入明显下降", "circumstances_changed": "on"})
    html = client.get(reverse("households:detail", args=[household.pk])).content.decode()
    assert 'data-testid="raise-from-check"' in html
    assert reverse("referrals:create", args=[household.pk]) in html
    assert "本季度已排查" in html


def test_household_page_shows_place_history_and_written_refusal(client, demo):
    today, current, previous = _quarter_dates()
    household = _family(demo, demo.village_a, previous, checked_on=previous + dt.timedelta(days=3))
    client.force_login(demo.caseworker_a)
    html = client.get(reverse("households:detail", args=[household.pk])).content.decode()
    assert 'data-testid="quarterly-state"' in html and 'data-testid="quarterly-history"' in html
    assert "本季度待排查" in html
    client.post(reverse("households:written_refusal", args=[household.pk]),
                {"refused_on": today.isoformat(), "note": "签字拒绝"})
    html = client.get(reverse("households:detail", args=[household.pk])).content.decode()
    assert 'data-testid="written-refusal"' in html and "签字拒绝" in html
    assert 'data-testid="record-quarterly-check"' not in html


def test_check_pages_of_another_village_answer_404(client, demo):
    today, current, _ = _quarter_dates()
    household = _family(demo, demo.village_c, current)
    client.force_login(demo.caseworker_a)
    for name in ("households:quarterly_check", "households:written_refusal", "households:whole_household_check"):
        url = reverse(name, args=[household.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, {"checked_on": today.isoformat(), "finding": "x", "refused_on": today.isoformat(),
                                 "outcome": "proposed", "reason": "理由充分的说明"}).status_code == 404
    assert not QuarterlyCheck.objects.exists() and not WholeHouseholdCheck.objects.exists()
    # A village outside the user's scope is not a filter: the list shows the user's own villages only.
    client.force_login(demo.township1)
    page = client.get(reverse("households:quarterly_list"), {"village": demo.village_c.pk}).context["page"]
    assert household.pk not in [e.household_id for e in page.object_list]


def test_the_lists_read_a_fixed_number_of_queries(client, demo, django_assert_max_num_queries):
    _standard(demo)
    _, current, previous = _quarter_dates()
    for i in range(3):
        _family(demo, demo.village_a, current)
        _family(demo, demo.village_b, previous)
        _partly_covered(demo.village_a, income=900)
    client.force_login(demo.township1)

    def count(url):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(app_queries(ctx.captured_queries))

    few = {name: count(reverse(name)) for name in ("households:quarterly_list", "households:whole_household_list")}
    for i in range(10):
        _family(demo, demo.village_a, current)
        _family(demo, demo.village_b, previous)
        _partly_covered(demo.village_b, income=900)
    for name, n in few.items():
        with django_assert_max_num_queries(n):
            assert client.get(reverse(name)).status_code == 200
        assert n <= 16, (name, n)


# ---------------------------------------------------------------- whole household

def _partly_covered(village, *, income=900, members=2, covered=1, **fields):
    household = make_household(village, members=members, per_capita_income=income, created=D(2019, 1, 1), **fields)
    for member in list(household.members.order_by("pk"))[:covered]:
        services.assistance_add(actor=None, household=household, type=AssistanceType.DIBAO, member=member,
                                start_date=D(2020, 1, 1), monthly_amount=700)
    return household


def _flagged(village):
    return set(checks.whole_household_rows([village.pk], "pending").values_list("pk", flat=True))


def test_whole_household_flag_needs_partial_cover_and_hardship(demo):
    _standard(demo)
    flagged = _partly_covered(demo.village_a, income=900)
    low_income_band = _partly_covered(demo.village_a, income=1800)  # under 1.5 × 1,330
    all_covered = _partly_covered(demo.village_a, income=900, members=1, covered=2)
    above = _partly_covered(demo.village_a, income=2500)
    unrecorded = _partly_covered(demo.village_a, income=None)
    whole = make_household(demo.village_a, members=2, per_capita_income=900)
    services.assistance_add(actor=None, household=whole, type=AssistanceType.DIBAO, start_date=D(2020, 1, 1))
    assert _flagged(demo.village_a) == {flagged.pk, low_income_band.pk}
    assert all_covered.pk not in _flagged(demo.village_a) and unrecorded.pk not in _flagged(demo.village_a)
    # A hardship reason on the roster flags a family whose income is above the line.
    services.roster_enter(actor=None, household=above, reasons=[FocusReason.EXPENDITURE_HARDSHIP],
                          target_kind=TargetKind.INSUFFICIENT)
    assert above.pk in _flagged(demo.village_a)
    # The household page's rule in Python says the same of every one of them.
    for household in (flagged, low_income_band, all_covered, above, unrecorded, whole):
        household.refresh_from_db()
        assert (checks.whole_household_flag(household) is not None) == (household.pk in _flagged(demo.village_a))


def test_a_recorded_whole_household_check_moves_the_family_to_checked(client, demo):
    _standard(demo)
    household = _partly_covered(demo.village_a)
    client.force_login(demo.caseworker_a)
    url = reverse("households:whole_household_check", args=[household.pk])
    response = client.post(url, {"checked_on": timezone.localdate().isoformat(), "outcome": "not_eligible",
                                 "reason": "短"})
    assert response.status_code == 200 and not WholeHouseholdCheck.objects.exists()
    response = client.post(url, {"checked_on": timezone.localdate().isoformat(), "outcome": "proposed",
                                 "reason": "其余成员均无劳动能力，家庭月人均收入低于低保标准"})
    assert response.status_code == 302
    assert household.pk not in _flagged(demo.village_a)
    assert set(checks.whole_household_rows([demo.village_a.pk], "checked").values_list("pk", flat=True)) == {
        household.pk}
    html = client.get(reverse("households:detail", args=[household.pk])).content.decode()
    assert "拟整户纳入低保" in html and reverse("referrals:create", args=[household.pk]) in html
    # An old check no longer stands.
    WholeHouseholdCheck.objects.update(checked_on=timezone.localdate() - dt.timedelta(days=400))
    assert household.pk in _flagged(demo.village_a)


def test_whole_household_list_counts_equal_rows(client, demo):
    _standard(demo)
    _partly_covered(demo.village_a)
    checked = _partly_covered(demo.village_b)
    services.whole_household_check_record(actor=demo.caseworker_b, household=checked,
                                          checked_on=timezone.localdate(), outcome="not_eligible",
                                          reason="家庭收入核算后高于标准")
    _partly_covered(demo.village_c)
    client.force_login(demo.township1)
    url = reverse("households:whole_household_list")
    response = client.get(url)
    table = {row["village"].pk: row for row in response.context["table"]}
    assert demo.village_c.pk not in table
    for village_pk, row in table.items():
        for show in ("pending", "checked"):
            assert client.get(url, {"show": show, "village": village_pk}).context["page"].paginator.count == row[show]
    assert response.context["totals"] == {"pending": 1, "checked": 1}
    assert response.context["page"].paginator.count == 1
    html = response.content.decode()
    assert re.search(r'data-testid="total-pending">1<', html)
