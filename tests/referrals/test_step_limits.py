"""Time limits at every step (环节时限): limits by effective date, the overdue boundary, urgent hours, the scan's
alerts, the pages, jurisdiction and who may set limits."""
import datetime as dt
import re

import pytest
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from alerts.models import Alert, AlertKind, AlertStatus
from referrals import services
from referrals.models import LeadChannel, Referral, ReferralStatus, StepKind, StepLimit, Urgency
from referrals.steplimits import (
    LimitTable, _clock, clock_of_lead, clock_of_referral, lead_late_q, referral_late_q, start_of_day,
)
from referrals.tasks import step_alerts
from tests.households.factories import make_household
from tests.referrals import helpers as h

TZ = timezone.get_current_timezone()


def at(y, m, d, hh=0, mm=0, ss=0):
    return dt.datetime(y, m, d, hh, mm, ss, tzinfo=TZ)


def limit(step, urgency, amount, unit="days", since=dt.date(2020, 1, 1), pk=None):
    return StepLimit(pk=pk, step=step, urgency=urgency, amount=amount, unit=unit, effective_from=since)


# ---------------------------------------------------------------- the rule, in Python (no database)
def test_the_limit_in_force_on_the_day_the_step_started_applies():
    """A change applies to steps started on its effective date or later; earlier ones keep the old limit."""
    table = LimitTable([limit(StepKind.ACCEPT, Urgency.NORMAL, 5, pk=1),
                        limit(StepKind.ACCEPT, Urgency.NORMAL, 2, since=dt.date(2026, 6, 1), pk=2)])
    assert table.resolve(StepKind.ACCEPT, Urgency.NORMAL, dt.date(2026, 5, 31)).amount == 5
    assert table.resolve(StepKind.ACCEPT, Urgency.NORMAL, dt.date(2026, 6, 1)).amount == 2
    assert table.resolve(StepKind.ACCEPT, Urgency.URGENT, dt.date(2026, 6, 1)) is None
    before = _clock(StepKind.ACCEPT, Urgency.NORMAL, at(2026, 5, 31, 23, 0), table)
    after = _clock(StepKind.ACCEPT, Urgency.NORMAL, at(2026, 6, 1, 8, 0), table)
    assert before.due_date == dt.date(2026, 6, 5) and after.due_date == dt.date(2026, 6, 3)


def test_a_step_in_days_is_due_at_the_end_of_its_last_day():
    """Started 1 March with 3 days: due 4 March; all of 4 March is not overdue, 5 March is."""
    table = LimitTable([limit(StepKind.SUBMIT, Urgency.NORMAL, 3)])
    clock = _clock(StepKind.SUBMIT, Urgency.NORMAL, at(2026, 3, 1, 10), table)
    assert clock.level == "village" and not clock.in_hours
    assert clock.left_text(at(2026, 3, 2, 9)) == "剩余2天"
    assert not clock.is_late(at(2026, 3, 4, 23, 59, 59))
    assert clock.left_text(at(2026, 3, 4, 23, 59, 59)) == "今天到期"
    assert clock.is_late(at(2026, 3, 5)) and clock.left_text(at(2026, 3, 6, 12)) == "超时2天"


def test_an_urgent_step_counts_hours_and_its_due_moment_is_not_overdue():
    table = LimitTable([limit(StepKind.STUDY, Urgency.EMERGENCY, 24, "hours")])
    start = at(2026, 3, 1, 10)
    clock = _clock(StepKind.STUDY, Urgency.EMERGENCY, start, table)
    assert clock.in_hours and clock.due_at == start + dt.timedelta(hours=24)
    assert clock.left_text(start + dt.timedelta(hours=19)) == "剩余5小时"
    assert not clock.is_late(clock.due_at)
    assert clock.is_late(clock.due_at + dt.timedelta(seconds=1))
    assert clock.left_text(clock.due_at + dt.timedelta(seconds=1)) == "超时1小时"
    assert clock.left_text(clock.due_at + dt.timedelta(hours=2, minutes=30)) == "超时2小时"
    assert clock.tone(start + dt.timedelta(hours=20)) == "amber" and clock.tone(start) == "green"


# ---------------------------------------------------------------- the rule, in SQL


def _age(referral, **delta):
    Referral.objects.filter(pk=referral.pk).update(step_started_at=timezone.now() - dt.timedelta(**delta))
    return Referral.objects.get(pk=referral.pk)


@pytest.mark.django_db
def test_the_database_rule_agrees_with_the_page_at_every_boundary(demo):
    """referral_late_q / lead_late_q select exactly the rows whose clock says late, just before and after the
    due moment, in days and in hours, across a change of limit."""
    StepLimit.objects.filter(step=StepKind.ACCEPT, urgency=Urgency.NORMAL).delete()
    today = timezone.localdate()
    StepLimit.objects.create(step=StepKind.ACCEPT, urgency=Urgency.NORMAL, amount=5, unit="days",
                             effective_from=dt.date(2020, 1, 1))
    StepLimit.objects.create(step=StepKind.ACCEPT, urgency=Urgency.NORMAL, amount=2, unit="days",
                             effective_from=today - dt.timedelta(days=3))
    starts = [start_of_day(today - dt.timedelta(days=d)) + dt.timedelta(hours=hh)
              for d in (1, 2, 3, 4, 5, 6, 7) for hh in (0, 23)]
    referrals = []
    for i, start in enumerate(starts):
        r = h.submitted(demo, urgency=Urgency.EMERGENCY if i % 3 == 0 else Urgency.NORMAL)
        Referral.objects.filter(pk=r.pk).update(step_started_at=start)
        referrals.append(r.pk)
    lead = services.lead_create(actor=demo.caseworker_a, channel=LeadChannel.VISIT, description="走访发现困难",
                                household=make_household(demo.village_a), urgency=Urgency.EMERGENCY)
    table = LimitTable()
    for now in (timezone.now(), start_of_day(today) - dt.timedelta(seconds=1), start_of_day(today),
                timezone.now() + dt.timedelta(hours=24), timezone.now() + dt.timedelta(hours=24, seconds=2)):
        rows = list(Referral.objects.filter(pk__in=referrals))
        expected = {r.pk for r in rows if (c := clock_of_referral(r, table)) and c.is_late(now)}
        assert set(Referral.objects.filter(pk__in=referrals).filter(referral_late_q(table, now))
                   .values_list("pk", flat=True)) == expected, now
        lead_late = clock_of_lead(lead, table).is_late(now)
        assert lead.__class__.objects.filter(pk=lead.pk).filter(lead_late_q(table, now)).exists() == lead_late


@pytest.mark.django_db
def test_each_state_waits_for_its_step_and_the_department_keeps_its_deadline(demo):
    table = LimitTable()
    draft = h.draft(demo)
    assert clock_of_referral(draft, table).step == StepKind.STUDY
    assert clock_of_referral(h.studied(demo), table).step == StepKind.SUBMIT
    assert clock_of_referral(h.submitted(demo), table).level == "township"
    deadline = h.today() + dt.timedelta(days=4)
    handled = clock_of_referral(h.assigned(demo, deadline=deadline), table)
    assert (handled.step, handled.due_date, handled.left_text()) == (StepKind.HANDLE, deadline, "剩余4天")
    up = clock_of_referral(h.escalated(demo), table)
    assert (up.step, up.level, up.left_text()) == (StepKind.ANSWER, "district", "剩余15天")
    r = h.assigned(demo)
    r = services.referral_decide_ineligible(actor=demo.township1, referral=r, reason="收入高于标准")
    assert clock_of_referral(r, table).step == StepKind.INFORM
    r = services.referral_inform_family(actor=demo.caseworker_a, referral=r)
    assert clock_of_referral(r, table) is None


@pytest.mark.django_db
def test_a_running_notice_runs_no_deadline_and_a_step_late_says_over_its_limit_not_overdue(demo):
    """超期 is the department's deadline, which 超期转办 counts; 公示 days are nobody's delay (referral_overdue_q),
    so a deadline passed during a running notice shows no clock and is late at no level; once the notice has
    ended it is 超期 again. A step past its own limit says 超时 (环节超时)."""
    table = LimitTable()
    today = h.today()
    noticed = h.assigned(demo, deadline=today + dt.timedelta(days=3))
    Referral.objects.filter(pk=noticed.pk).update(status=ReferralStatus.NOTICE, deadline=today - dt.timedelta(days=2),
                                                  notice_start=today - dt.timedelta(days=4), notice_end=today + dt.timedelta(days=3))
    noticed.refresh_from_db()
    assert clock_of_referral(noticed, table) is None
    late = Referral.objects.filter(referral_late_q(table))
    assert noticed not in late and noticed not in Referral.objects.overdue()
    Referral.objects.filter(pk=noticed.pk).update(notice_end=today - dt.timedelta(days=1))
    noticed.refresh_from_db()
    assert clock_of_referral(noticed, table).left_text() == "超期2天"
    assert clock_of_referral(noticed, table).step_label == "公示期满待认定或报批"
    assert noticed in Referral.objects.filter(referral_late_q(table)) and noticed in Referral.objects.overdue()
    accept = clock_of_referral(_age(h.submitted(demo), days=7), table)
    assert (accept.step, accept.left_text()) == (StepKind.ACCEPT, "超时2天")
    # The database rule reads the deadline at the moment it is asked about, as the clock does.
    due_tomorrow = h.assigned(demo, deadline=today + dt.timedelta(days=1))
    later = timezone.now() + dt.timedelta(days=2)
    assert due_tomorrow not in Referral.objects.filter(referral_late_q(table))
    assert due_tomorrow in Referral.objects.filter(referral_late_q(table, later))
    assert clock_of_referral(due_tomorrow, table).is_late(later)


@pytest.mark.django_db
def test_a_deadline_that_does_not_run_is_not_shown_as_overdue(client, demo):
    """The pages say what the overdue rule says: during a running 公示 or once submitted for approval, a passed
    deadline is not 超期 on the detail page, the list or the household page, and the tag says why."""
    today = h.today()
    noticed, approving = h.assigned(demo), h.assigned(demo)
    Referral.objects.filter(pk=noticed.pk).update(status=ReferralStatus.NOTICE, deadline=today - dt.timedelta(days=6),
                                                  notice_start=today - dt.timedelta(days=2), notice_end=today + dt.timedelta(days=5))
    Referral.objects.filter(pk=approving.pk).update(status=ReferralStatus.APPROVAL, deadline=today - dt.timedelta(days=7))
    client.force_login(demo.township1)
    for referral, words in ((noticed, "公示期间不计时"), (approving, "已报审批，按审批时限")):
        referral.refresh_from_db()
        assert not referral.is_overdue and referral not in Referral.objects.overdue()
        detail = client.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
        heading = detail.split("<h1>")[1].split("</h1>")[0]
        assert "超期" not in heading and words in detail and "已超期" not in detail
        household = client.get(reverse("households:detail", args=[referral.household_id])).content.decode()
        assert words in household
    listed = client.get(reverse("referrals:list"), {"status": ""}).content.decode()
    assert "公示期间不计时" in listed and "已报审批，按审批时限" in listed and "已超期" not in listed
    Referral.objects.filter(pk=noticed.pk).update(notice_end=today - dt.timedelta(days=1))
    noticed.refresh_from_db()
    assert noticed.is_overdue
    assert "超期" in client.get(reverse("referrals:detail", args=[noticed.pk])).content.decode().split("</h1>")[0]


# ---------------------------------------------------------------- who sets limits
@pytest.mark.django_db
def test_only_the_district_sets_limits_and_a_change_applies_from_its_date(demo):
    today = h.today()
    earlier = _age(h.submitted(demo), days=1)
    with pytest.raises(services.ReferralError):
        services.step_limit_set(actor=demo.township1, step=StepKind.ACCEPT, urgency=Urgency.NORMAL, amount=1,
                                unit="days", effective_from=today)
    services.step_limit_set(actor=demo.district_official, step=StepKind.ACCEPT, urgency=Urgency.NORMAL, amount=1,
                            unit="days", effective_from=today, note="区县要求加快受理")
    later = h.submitted(demo)
    table = LimitTable()
    assert clock_of_referral(earlier, table).left_text() == "剩余4天"  # started yesterday: 5 days, as then
    assert clock_of_referral(later, table).left_text() == "剩余1天"
    assert StepLimit.objects.filter(step=StepKind.ACCEPT, urgency=Urgency.NORMAL).count() == 2  # history kept


@pytest.mark.django_db
def test_the_limits_page_is_read_by_all_and_edited_by_the_district(client, demo):
    url = reverse("referrals:limits")
    client.force_login(demo.township1)
    page = client.get(url)
    assert page.status_code == 200 and 'data-testid="limit-form"' not in page.content.decode()
    assert "5天" in page.content.decode() and "24小时" in page.content.decode()
    data = {"step": "accept", "urgency": "normal", "amount": 1, "unit": "days",
            "effective_from": h.today().isoformat(), "note": ""}
    assert client.post(url, data).status_code == 403
    client.force_login(demo.caseworker_a)
    assert client.post(url, data).status_code == 403
    assert not StepLimit.objects.filter(amount=1, step="accept").exists()
    client.force_login(demo.district_official)
    assert 'data-testid="limit-form"' in client.get(url).content.decode()
    assert client.post(url, {**data, "amount": 0}).status_code == 400
    response = client.post(url, data)
    assert response.status_code == 302
    row = StepLimit.objects.get(step="accept", urgency="normal", effective_from=h.today())
    assert (row.amount, row.created_by) == (1, demo.district_official)
    history = client.get(url).content.decode().split('data-testid="limits-history"')[1]
    assert str(demo.district_official) in history


# ---------------------------------------------------------------- alerts
@pytest.mark.django_db
def test_the_scan_opens_one_alert_per_late_step_for_the_level_holding_it_and_the_step_closes_it(demo):
    at_township = _age(h.submitted(demo), days=6)          # 5 days to accept
    at_village = _age(h.studied(demo), days=4)             # 3 days to submit
    on_time = h.submitted(demo)
    result = step_alerts()
    assert result["opened"] == 2 and step_alerts()["opened"] == 0
    township_alert = Alert.objects.get(kind=AlertKind.STEP_OVERDUE, source_ref=f"referral:{at_township.pk}")
    village_alert = Alert.objects.get(kind=AlertKind.STEP_OVERDUE, source_ref=f"referral:{at_village.pk}")
    assert township_alert.caseworker is None and "乡镇受理" in township_alert.reason
    assert "超时1天" in township_alert.reason
    assert not Alert.objects.filter(source_ref=f"referral:{on_time.pk}").exists()
    services.referral_accept(actor=demo.township1, referral=at_township, department="civil_affairs",
                             deadline=h.today() + dt.timedelta(days=10))
    township_alert.refresh_from_db()  # closed by the step itself, before any scan
    assert township_alert.status == AlertStatus.CLOSED and "超时环节已办理" in township_alert.close_note
    # The district lengthens the limit for steps started long ago: the next scan closes the village's alert.
    services.step_limit_set(actor=demo.district_official, step=StepKind.SUBMIT, urgency=Urgency.NORMAL,
                            amount=30, unit="days", effective_from=dt.date(2020, 1, 1))
    assert step_alerts()["closed"] == 1
    village_alert.refresh_from_db()
    assert village_alert.status == AlertStatus.CLOSED


@pytest.mark.django_db
def test_a_lead_not_studied_in_time_alerts_its_caseworker_until_it_is_closed(demo):
    household = make_household(demo.village_a, caseworker=demo.caseworker_a)
    lead = services.lead_create(actor=demo.township1, channel=LeadChannel.HOTLINE, description="热线反映困难",
                                household=household, received_at=timezone.now() - dt.timedelta(days=8))
    no_household = services.lead_create(actor=demo.township1, channel=LeadChannel.HOTLINE, description="热线",
                                        village=demo.village_a, subject_name="张三",
                                        received_at=timezone.now() - dt.timedelta(days=8))
    assert step_alerts()["opened"] == 2
    alert = Alert.objects.get(kind=AlertKind.STEP_OVERDUE, source_ref=f"lead:{lead.pk}")
    assert alert.caseworker == demo.caseworker_a and "村级研究" in alert.reason
    # A lead about no registered family is alerted too, in its village, for the village's caseworkers.
    unlinked = Alert.objects.get(source_ref=f"lead:{no_household.pk}")
    assert unlinked.household is None and unlinked.village == demo.village_a
    from alerts.selectors import alerts_for

    assert unlinked in alerts_for(demo.caseworker_a) and unlinked in alerts_for(demo.township1)
    assert unlinked not in alerts_for(demo.caseworker_b) and unlinked not in alerts_for(demo.township2)
    services.lead_close(actor=demo.caseworker_a, lead=lead, reason="经核实已享受低保")
    services.lead_close(actor=demo.caseworker_a, lead=no_household, reason="经核实非本村居民")
    alert.refresh_from_db()
    unlinked.refresh_from_db()
    assert alert.status == AlertStatus.CLOSED and unlinked.status == AlertStatus.CLOSED


# ---------------------------------------------------------------- pages
def _rows(html: str, testid: str) -> int:
    return html.count(f'data-testid="{testid}"')


@pytest.mark.django_db
def test_the_lists_and_pages_show_the_time_left(client, demo):
    late = _age(h.submitted(demo), days=7)
    h.submitted(demo)
    lead = services.lead_create(actor=demo.township1, channel=LeadChannel.HOTLINE, description="家中断水断电",
                                village=demo.village_a, subject_name="李四", urgency=Urgency.EMERGENCY,
                                received_at=timezone.now() - dt.timedelta(hours=5, minutes=10))
    client.force_login(demo.township1)
    body = client.get(reverse("referrals:list")).content.decode()
    assert "超时2天" in body and "剩余5天" in body
    body = client.get(reverse("referrals:detail", kwargs={"pk": late.pk})).content.decode()
    assert "乡镇受理" in body and "超时2天" in body
    body = client.get(reverse("referrals:lead_list")).content.decode()
    assert "剩余19小时" in body
    assert "剩余19小时" in client.get(reverse("referrals:lead_detail", kwargs={"pk": lead.pk})).content.decode()
    body = client.get(reverse("referrals:list"), {"late": "township"}).content.decode()
    assert _rows(body, "referral-row") == 1 and f"转办{late.pk}<" in body


@pytest.mark.django_db
def test_the_late_table_counts_what_its_links_list_and_stays_in_the_jurisdiction(client, demo):
    mine = _age(h.submitted(demo), days=7)
    _age(h.studied(demo, village=demo.village_b), days=5)
    other = _age(h.submitted(demo, village=demo.village_c), days=9)
    services.lead_create(actor=demo.township1, channel=LeadChannel.HOTLINE, description="热线", village=demo.village_b,
                         subject_name="王五", received_at=timezone.now() - dt.timedelta(days=9))
    for user, expected_rows in ((demo.township1, 3), (demo.district_official, 4)):
        client.force_login(user)
        body = client.get(reverse("referrals:departments")).content.decode()
        cells = re.findall(r'<a (?:class="tag red" )?href="([^"]+)" data-testid="late-(\w+)"[^>]*>(\d+)</a>', body)
        assert cells
        total = 0
        for url, kind, n in cells:
            listed = client.get(url.replace("&amp;", "&")).content.decode()
            assert _rows(listed, "lead-row" if kind == "leads" else "referral-row") == int(n), (user, url)
            total += int(n)
        assert total > 0
    client.force_login(demo.township1)
    body = client.get(reverse("referrals:departments")).content.decode()
    assert demo.village_c.name not in body.split("环节超时")[1].split("</table>")[0]
    listed = client.get(reverse("referrals:list"), {"late": "all"}).content.decode()
    assert f"转办{mine.pk}<" in listed and f"转办{other.pk}<" not in listed
    # Another township's village is refused at the field: nothing of it is listed.
    listed = client.get(reverse("referrals:list"), {"late": "all", "village": demo.village_c.pk}).content.decode()
    assert f"转办{other.pk}<" not in listed


@pytest.mark.django_db
def test_list_queries_do_not_grow_with_the_rows(client, demo, django_assert_max_num_queries):
    def add(n):
        for _ in range(n):
            _age(h.submitted(demo), days=7)
            services.lead_create(actor=demo.township1, channel=LeadChannel.HOTLINE, description="热线",
                                 village=demo.village_a, subject_name="赵六",
                                 received_at=timezone.now() - dt.timedelta(days=9))
    add(2)
    client.force_login(demo.township1)
    pages = [(reverse("referrals:lead_list"), {"late": "on"}), (reverse("referrals:departments"), {}),
             (reverse("referrals:list"), {"late": "all"}), (reverse("referrals:limits"), {})]
    for url, params in pages:
        client.get(url, params)
    counts = {}
    for url, params in pages:
        with django_assert_max_num_queries(16) as ctx:
            client.get(url, params)
        counts[url] = len(ctx)
    add(6)
    for url, params in pages:
        with django_assert_max_num_queries(counts[url]):
            client.get(url, params)


@pytest.mark.django_db
def test_the_scorecards_count_late_steps(client, demo):
    _age(h.submitted(demo), days=7)
    client.force_login(demo.district_official)
    body = client.get(reverse("ledgers:scorecards")).content.decode()
    assert 'data-testid="late-steps"><span class="tag red">1</span>' in body


@pytest.mark.django_db
def test_a_township_cannot_reach_another_townships_late_step(client, demo):
    other = _age(h.submitted(demo, village=demo.village_c), days=9)
    client.force_login(demo.township1)
    assert client.get(reverse("referrals:detail", kwargs={"pk": other.pk})).status_code == 404
    with pytest.raises(Http404):
        services.referral_accept(actor=demo.township1, referral=other, department="civil_affairs",
                                 deadline=h.today() + dt.timedelta(days=5))
    assert Referral.objects.get(pk=other.pk).status == ReferralStatus.SUBMITTED


def test_a_limit_dated_in_the_past_needs_confirming_and_bad_amounts_are_named():
    import datetime as dt

    from django.utils import timezone

    from referrals.forms import StepLimitForm

    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    base = {"step": "study", "urgency": "normal", "amount": "5", "unit": "days", "effective_from": yesterday}
    form = StepLimitForm(base)
    assert not form.is_valid() and "确认追溯生效" in form.errors["effective_from"][0]
    assert StepLimitForm({**base, "confirm_past": "on"}).is_valid()
    assert StepLimitForm({**base, "amount": "七", "confirm_past": "on"}).errors["amount"] == ["时限请填写整数，如 7。"]
    assert StepLimitForm({**base, "amount": "400", "confirm_past": "on"}).errors["amount"] == ["按天计的时限不能超过365天。"]


@pytest.mark.django_db
def test_each_level_has_a_card_of_its_own_late_steps_and_it_counts_its_list(client, demo):
    """The row's 超时N天 is counted on the home card 本级环节超时 of the level holding the step, and the card
    opens the list of exactly those rows; 超期转办 stays the department's deadline."""
    from referrals.home import cards

    at_township = _age(h.submitted(demo), days=7)
    at_village = _age(h.studied(demo), days=4)
    h.submitted(demo)
    for user, late in ((demo.township1, at_township), (demo.caseworker_a, at_village)):
        by_title = {c.title: c for c in cards(user)}
        card = by_title["本级环节超时"]
        assert card.count == 1 and card.urgent and by_title["超期转办"].count == 0
        client.force_login(user)
        rows = client.get(card.url).context["page"].object_list
        assert [r.pk for r in rows] == [late.pk]
