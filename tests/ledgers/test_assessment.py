"""The district's supervision (issue 16): the annual assessment (criteria, weights, targets; scores from the data;
adjustments with a reason; the export), the December self-assessment and its review, the roster filings."""
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from ledgers import services
from ledgers.models import (
    AssessmentAdjustment, AssessmentPlan, CriterionKind, LedgerSnapshot, RosterFiling, RosterKind, SelfAssessment,
    SelfAssessmentStatus, SnapshotKind,
)
from ledgers.models_assessment import DEFAULT_CRITERIA
from ledgers.selectors_assessment import (
    plan_scores, roster_filter, roster_rows, self_assessment_rows, self_filter, units_of,
)
from relief.audit import AuditEvent
from relief.models import Jurisdiction, JurisdictionLevel, Role

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
YEAR = TODAY.year


def _plan(demo, **extra):
    return services.assessment_plan_save(actor=demo.district_official, owner=demo.district, year=YEAR, **extra)


def _township(demo, n):
    return demo.townships[n - 1]


def _criteria(**weights):
    base = {kind: weight for kind, weight, _target in DEFAULT_CRITERIA}
    base.update(weights)
    return [{"kind": kind, "name": "", "weight": weight, "target": 90} for kind, weight in base.items()]


# ---------------------------------------------------------------- the plan
def test_a_new_plan_gets_the_default_criteria_summing_to_100(demo):
    plan = _plan(demo)
    kinds = list(plan.criteria.values_list("kind", flat=True))
    assert kinds == [CriterionKind.ASSISTANTS, CriterionKind.VISITS, CriterionKind.LEADS, CriterionKind.SAMPLING,
                     CriterionKind.LEDGERS]
    assert sum(plan.criteria.values_list("weight", flat=True)) == 100


def test_weights_not_summing_to_100_are_refused_in_chinese_and_nothing_is_saved(demo):
    with pytest.raises(ValidationError, match="各项指标权重之和须为100分，现为105分"):
        _plan(demo, criteria=_criteria(**{CriterionKind.VISITS: 30}))
    assert not AssessmentPlan.objects.exists()
    plan = _plan(demo)
    with pytest.raises(ValidationError, match="现为95分"):
        _plan(demo, criteria=_criteria(**{CriterionKind.VISITS: 20}))
    assert sorted(plan.criteria.values_list("weight", flat=True)) == [15, 20, 20, 20, 25]


def test_bad_criteria_are_refused_one_by_one(demo):
    rows = _criteria() + [{"kind": CriterionKind.CUSTOM, "name": "", "weight": 0}]
    with pytest.raises(ValidationError, match="请填写指标名称"):
        _plan(demo, criteria=rows)
    rows = _criteria(**{CriterionKind.VISITS: 15}) + [{"kind": CriterionKind.CUSTOM, "name": "宣传", "weight": 10,
                                                      "target": 150}]
    with pytest.raises(ValidationError, match="目标值须在1%到100%之间"):
        _plan(demo, criteria=rows)
    rows = _criteria() + [{"kind": CriterionKind.VISITS, "name": "再走访", "weight": 0}]
    with pytest.raises(ValidationError, match="同一项考核内容只能设一个指标"):
        _plan(demo, criteria=rows)


def test_only_the_owner_sets_a_plan(demo):
    with pytest.raises(ValidationError, match="年度目标考核由区县民政部门"):
        services.assessment_plan_save(actor=demo.township1, owner=demo.district, year=YEAR)
    with pytest.raises(Http404):
        services.assessment_plan_save(actor=demo.township1, owner=_township(demo, 2), year=YEAR)
    own = services.assessment_plan_save(actor=demo.township1, owner=_township(demo, 1), year=YEAR)
    assert own.owner == _township(demo, 1)
    with pytest.raises(ValidationError, match="截止日期由区县设定"):
        services.assessment_plan_save(actor=demo.township1, owner=_township(demo, 1), year=YEAR,
                                      roster_due=TODAY)


# ---------------------------------------------------------------- scores from the data
def test_scores_come_from_the_projects_rules(demo):
    """Assistants from the 协理员花名册's check (villages with a caseworker), ledgers from the monthly closing."""
    plan = _plan(demo)
    township1 = _township(demo, 1)
    villages = Jurisdiction.objects.filter(parent=township1, level=JurisdictionLevel.VILLAGE).count()
    from plans.selectors import village_assistants

    staffed = sum(1 for people in village_assistants(
        Jurisdiction.objects.filter(parent=township1, level=JurisdictionLevel.VILLAGE)).values() if people)
    row = plan_scores(plan, [township1])[0]
    by_kind = {s.criterion.kind: s for s in row.criteria}
    assistants = by_kind[CriterionKind.ASSISTANTS]
    assert assistants.rate == Decimal(str(round(staffed * 100 / villages, 1)))
    assert assistants.points == (Decimal("20") * min(1, assistants.rate / 100)).quantize(Decimal("0.1"))

    ledgers = by_kind[CriterionKind.LEDGERS]
    months_due = sum(1 for m in range(1, 13) if dt.date(YEAR, m, 28) < TODAY) if TODAY.month > 1 else 0
    if ledgers.rate is None:
        assert months_due == 0 and ledgers.points == 15
    else:
        assert ledgers.rate == 0 and ledgers.points == 0
        # Freezing last month's ledger on its last day (as the month-end job does) counts as on time.
        last_month = dt.date(YEAR, TODAY.month - 1, 1)
        services.snapshot_create(township=township1, month=last_month, kind=SnapshotKind.MONTHLY)
        made = LedgerSnapshot.objects.get(township=township1, month=last_month)
        assert made.created_at.date() > last_month  # made today: after the month's end, so late
        again = {s.criterion.kind: s for s in plan_scores(plan, [township1])[0].criteria}[CriterionKind.LEDGERS]
        assert again.text.startswith("按时报送0/")


def test_a_criterion_with_nothing_due_is_not_marked_down_and_a_custom_one_waits_for_its_score(demo):
    criteria = _criteria(**{CriterionKind.VISITS: 15}) + [
        {"kind": CriterionKind.CUSTOM, "name": "政策宣传", "weight": 10, "target": 100}]
    plan = _plan(demo, criteria=criteria)
    row = plan_scores(plan, [_township(demo, 1)])[0]
    by_kind = {s.criterion.kind: s for s in row.criteria}
    assert by_kind[CriterionKind.SAMPLING].rate is None and by_kind[CriterionKind.SAMPLING].points == 20
    assert by_kind[CriterionKind.CUSTOM].computed is None and by_kind[CriterionKind.CUSTOM].points == 0
    assert row.total == sum(s.points for s in row.criteria)


def test_an_adjustment_needs_a_reason_stays_within_the_weight_and_is_audited(demo):
    from auditlog.models import LogEntry

    plan = _plan(demo, criteria=_criteria(**{CriterionKind.VISITS: 15}) + [
        {"kind": CriterionKind.CUSTOM, "name": "政策宣传", "weight": 10}])
    custom = plan.criteria.get(kind=CriterionKind.CUSTOM)
    township1 = _township(demo, 1)
    with pytest.raises(ValidationError, match="请填写调整理由"):
        services.assessment_adjust(actor=demo.district_official, plan=plan, unit=township1, criterion=custom,
                                   points=5, reason=" ")
    with pytest.raises(ValidationError, match="不能超过该指标的权重（10分）"):
        services.assessment_adjust(actor=demo.district_official, plan=plan, unit=township1, criterion=custom,
                                   points=12, reason="实地检查")
    with pytest.raises(ValidationError, match="年度目标考核由区县民政部门"):
        services.assessment_adjust(actor=demo.township1, plan=plan, unit=township1, criterion=custom, points=5,
                                   reason="自己加分")
    adj = services.assessment_adjust(actor=demo.district_official, plan=plan, unit=township1, criterion=custom,
                                     points="8", reason="明白纸张贴齐全")
    # Past the weight: refused with what is still possible, never stored to no effect.
    with pytest.raises(ValidationError, match="现为8.0分，最多可调增2.0分、调减8.0分"):
        services.assessment_adjust(actor=demo.district_official, plan=plan, unit=township1, criterion=custom,
                                   points="5", reason="入户宣传记录完整")
    services.assessment_adjust(actor=demo.district_official, plan=plan, unit=township1, criterion=custom,
                               points="2", reason="入户宣传记录完整")
    score = {s.criterion.pk: s for s in plan_scores(plan, [township1])[0].criteria}[custom.pk]
    assert score.adjustment == 10 and score.points == 10
    assert LogEntry.objects.get_for_object(adj).filter(action=LogEntry.Action.CREATE).exists()
    assert AssessmentAdjustment.objects.count() == 2


def test_townships_assess_their_villages_the_same_way(demo):
    township1 = _township(demo, 1)
    plan = services.assessment_plan_save(actor=demo.township1, owner=township1, year=YEAR)
    units = units_of(township1, demo.township1)
    assert units and {u.parent_id for u in units} == {township1.pk}
    rows = plan_scores(plan, units)
    ledgers = [s for s in rows[0].criteria if s.criterion.kind == CriterionKind.LEDGERS][0]
    assert ledgers.points == 15 and "不适用" in ledgers.note
    assistants = {r.unit.pk: [s for s in r.criteria if s.criterion.kind == CriterionKind.ASSISTANTS][0] for r in rows}
    assert assistants[demo.village_a.pk].rate == 100
    services.assessment_adjust(actor=demo.township1, plan=plan, unit=demo.village_a,
                               criterion=plan.criteria.get(kind=CriterionKind.VISITS), points=-3, reason="走访未跟进")
    with pytest.raises(Http404):
        services.assessment_adjust(actor=demo.township1, plan=plan, unit=demo.village_c,
                                   criterion=plan.criteria.get(kind=CriterionKind.VISITS), points=-3, reason="越界")


# ---------------------------------------------------------------- jurisdiction
def test_a_township_sees_only_its_own_row_and_the_district_only_its_district(demo, client):
    plan = _plan(demo)
    township1, township2 = _township(demo, 1), _township(demo, 2)
    assert [u.pk for u in units_of(demo.district, demo.township1)] == [township1.pk]
    assert len(units_of(demo.district, demo.district_official)) == len(demo.townships)

    client.force_login(demo.township1)
    page = client.get(reverse("ledgers:assessment"))
    assert page.status_code == 200
    assert [r.unit.pk for r in page.context["rows"]] == [township1.pk] or page.context["plan"].owner == township1
    district_page = client.get(reverse("ledgers:assessment"), {"plan": plan.pk})
    assert [r.unit.pk for r in district_page.context["rows"]] == [township1.pk]
    assert client.get(reverse("ledgers:assessment_unit", args=[plan.pk, township2.pk])).status_code == 404
    assert client.get(reverse("ledgers:self_assessment", args=[plan.pk, township2.pk])).status_code == 404
    assert client.get(reverse("ledgers:assessment_unit", args=[plan.pk, township1.pk])).status_code == 200

    other = Jurisdiction.objects.create(code="310106000000", name="静安区", level=JurisdictionLevel.DISTRICT)
    other_township = Jurisdiction.objects.create(code="310106001000", name="静安寺街道",
                                                 level=JurisdictionLevel.TOWNSHIP, parent=other)
    from relief.services import staff_create

    official = staff_create(actor=None, username="jingan", password="pw-Test-123", role=Role.DISTRICT,
                            jurisdiction=other)
    foreign = services.assessment_plan_save(actor=official, owner=other, year=YEAR)
    client.force_login(demo.district_official)
    assert client.get(reverse("ledgers:assessment"), {"plan": foreign.pk}).status_code == 404
    assert client.get(reverse("ledgers:assessment_unit", args=[foreign.pk, other_township.pk])).status_code == 404
    assert client.get(reverse("ledgers:assessment_export", args=[foreign.pk])).status_code == 404
    with pytest.raises(Http404):
        services.assessment_adjust(actor=demo.district_official, plan=foreign, unit=other_township,
                                   criterion=foreign.criteria.first(), points=1, reason="越界")


# ---------------------------------------------------------------- export
def test_the_export_holds_each_units_points_adjustments_and_total_and_is_audited(demo, client):
    plan = _plan(demo)
    township1 = _township(demo, 1)
    visits = plan.criteria.get(kind=CriterionKind.VISITS)
    services.assessment_adjust(actor=demo.district_official, plan=plan, unit=township1, criterion=visits,
                               points=-2, reason="=走访补录")
    client.force_login(demo.district_official)
    response = client.get(reverse("ledgers:assessment_export", args=[plan.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(response.content)).active
    rows = [[c for c in row] for row in ws.iter_rows(values_only=True)]
    header = rows[2]
    assert header[0] == "排名" and header[-1] == "总分" and "按时走访 得分（25分）" in header
    data = {r[1]: r for r in rows[3:3 + len(demo.townships)]}
    scores = {r.unit.name: r for r in plan_scores(plan, units_of(demo.district, demo.district_official))}
    assert set(data) == set(scores)
    assert data[township1.name][-1] == float(scores[township1.name].total)
    assert data[township1.name][-3] == -2.0
    assert data[township1.name][-2] == "按时走访 -2.0：=走访补录"
    from auditlog.models import LogEntry

    assert LogEntry.objects.filter(additional_data__event=AuditEvent.EXPORT, actor=demo.district_official,
                                   additional_data__plan=plan.pk).exists()

    client.force_login(demo.township1)
    mine = load_workbook(io.BytesIO(client.get(reverse("ledgers:assessment_export", args=[plan.pk])).content)).active
    names = [r[1] for r in mine.iter_rows(min_row=4, values_only=True) if r[0] is not None and r[1]]
    assert township1.name in names and _township(demo, 2).name not in names


# ---------------------------------------------------------------- self-assessment
def _items(plan, score=None, narrative="已落实"):
    return {c.pk: (c.weight if score is None else score, narrative) for c in plan.criteria.all()}


def test_a_self_assessment_is_filled_submitted_returned_and_accepted(demo):
    plan = _plan(demo, self_assessment_due=TODAY + dt.timedelta(days=5))
    township1 = _township(demo, 1)
    rows = {r.township.pk: r for r in self_assessment_rows(demo.district_official, plan)}
    assert rows[township1.pk].state == "missing" and not rows[township1.pk].overdue
    with pytest.raises(ValidationError) as error:
        services.self_assessment_save(actor=demo.township1, plan=plan, township=township1,
                                      items=_items(plan, narrative=""), submit=True)
    assert any("请说明工作情况" in m for m in error.value.messages)
    assert not SelfAssessment.objects.filter(status=SelfAssessmentStatus.SUBMITTED).exists()
    with pytest.raises(ValidationError, match="自评分须在0到"):
        services.self_assessment_save(actor=demo.township1, plan=plan, township=township1, items=_items(plan, 99))
    draft = services.self_assessment_save(actor=demo.township1, plan=plan, township=township1,
                                          items=_items(plan, 10, ""))
    assert draft.status == SelfAssessmentStatus.DRAFT
    with pytest.raises(ValidationError, match="只能审核已提交的自查评估"):
        services.self_assessment_review(actor=demo.district_official, assessment=draft, accept=True)
    submitted = services.self_assessment_save(actor=demo.township1, plan=plan, township=township1,
                                              items=_items(plan), summary="全年落实", submit=True)
    assert submitted.status == SelfAssessmentStatus.SUBMITTED and submitted.submitted_by == demo.township1
    with pytest.raises(ValidationError, match="不能再修改"):
        services.self_assessment_save(actor=demo.township1, plan=plan, township=township1, items=_items(plan))
    with pytest.raises(ValidationError, match="自查评估和花名册由乡镇"):
        services.self_assessment_save(actor=demo.district_official, plan=plan, township=township1)
    with pytest.raises(ValidationError, match="年度目标考核由区县民政部门"):
        services.self_assessment_review(actor=demo.township1, assessment=submitted, accept=True)
    with pytest.raises(ValidationError, match="退回修改时请填写审核意见"):
        services.self_assessment_review(actor=demo.district_official, assessment=submitted, accept=False)
    returned = services.self_assessment_review(actor=demo.district_official, assessment=submitted, accept=False,
                                               comment="请补充走访情况")
    assert returned.status == SelfAssessmentStatus.RETURNED
    again = services.self_assessment_save(actor=demo.township1, plan=plan, township=township1, items=_items(plan),
                                          submit=True)
    accepted = services.self_assessment_review(actor=demo.district_official, assessment=again, accept=True)
    assert accepted.status == SelfAssessmentStatus.ACCEPTED and accepted.reviewed_by == demo.district_official
    with pytest.raises(Http404):
        services.self_assessment_save(actor=demo.township1, plan=plan, township=_township(demo, 2))


def test_a_missing_self_assessment_is_overdue_after_the_date(demo):
    plan = _plan(demo, self_assessment_due=TODAY - dt.timedelta(days=1))
    rows = self_assessment_rows(demo.district_official, plan)
    assert all(r.state == "missing" and r.overdue for r in rows)
    assert len(self_filter(rows, "waiting")) == len(demo.townships)
    assert self_filter(rows, "submitted") == []


# ---------------------------------------------------------------- rosters
def test_rosters_are_filed_once_frozen_and_counted_filed_late_or_missing(demo, client):
    plan = _plan(demo, roster_due=TODAY + dt.timedelta(days=3))
    township1, township2 = _township(demo, 1), _township(demo, 2)
    filing = services.roster_file(actor=demo.township1, plan=plan, township=township1, kind=RosterKind.ASSISTANTS)
    assert filing.rows > 0 and filing.sha256 and not filing.late and services.roster_file_intact(filing)
    with pytest.raises(ValidationError, match="已备案，备案后不可修改"):
        services.roster_file(actor=demo.township1, plan=plan, township=township1, kind=RosterKind.ASSISTANTS)
    with pytest.raises(ValidationError, match="不可修改"):
        filing.save()
    with pytest.raises(ValidationError, match="不可删除"):
        RosterFiling.objects.all().delete()
    with pytest.raises(ValidationError, match="自查评估和花名册由乡镇"):
        services.roster_file(actor=demo.district_official, plan=plan, township=township2, kind=RosterKind.ASSISTANTS)
    with pytest.raises(Http404):
        services.roster_file(actor=demo.township1, plan=plan, township=township2, kind=RosterKind.ASSISTANTS)

    plan = services.assessment_plan_save(actor=demo.district_official, owner=demo.district, year=YEAR,
                                         roster_due=TODAY - dt.timedelta(days=1))
    late = services.roster_file(actor=demo.township2, plan=plan, township=township2, kind=RosterKind.COLLECTORS)
    assert late.late
    rows = {r.township.pk: r for r in roster_rows(demo.district_official, plan)}
    assert rows[township1.pk].cells[RosterKind.ASSISTANTS]["state"] == "filed"  # filed by the date then in force
    assert rows[township1.pk].cells[RosterKind.COLLECTORS]["state"] == "missing"
    assert rows[township2.pk].cells[RosterKind.COLLECTORS]["state"] == "late"
    assert rows[township2.pk].cells[RosterKind.ASSISTANTS]["state"] == "missing"
    assert len(roster_filter(list(rows.values()), "late")) == 1

    client.force_login(demo.district_official)
    response = client.get(reverse("ledgers:roster_download", args=[filing.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content)
    client.force_login(demo.township2)
    assert client.get(reverse("ledgers:roster_download", args=[filing.pk])).status_code == 404


def test_the_pages_file_and_review_through_forms(demo, client):
    plan = _plan(demo, roster_due=TODAY + dt.timedelta(days=3), self_assessment_due=TODAY + dt.timedelta(days=3))
    township1 = _township(demo, 1)
    client.force_login(demo.township1)
    response = client.post(reverse("ledgers:rosters"), {"action": "file", "township": township1.pk,
                                                        "kind": RosterKind.COLLECTORS})
    assert response.status_code == 302
    assert RosterFiling.objects.filter(township=township1, kind=RosterKind.COLLECTORS).exists()
    form = {f"score_{c.pk}": c.weight for c in plan.criteria.all()} | {
        f"narrative_{c.pk}": "已落实" for c in plan.criteria.all()} | {"submit": "1", "summary": "好"}
    url = reverse("ledgers:self_assessment", args=[plan.pk, township1.pk])
    assert client.post(url, form).status_code == 302
    client.force_login(demo.district_official)
    bad = client.post(url, {"decision": "return", "comment": ""})
    assert bad.status_code == 400 and "退回修改时请填写审核意见" in bad.content.decode()
    assert client.post(url, {"decision": "accept", "comment": ""}).status_code == 302
    assert SelfAssessment.objects.get(township=township1).status == SelfAssessmentStatus.ACCEPTED
    setup = client.post(reverse("ledgers:assessment_setup") + f"?owner={demo.district.pk}&year={YEAR}", {
        "c-TOTAL_FORMS": "1", "c-INITIAL_FORMS": "0", "c-0-kind": CriterionKind.VISITS, "c-0-name": "走访",
        "c-0-weight": "90", "c-0-target": "95"})
    assert setup.status_code == 400 and "各项指标权重之和须为100分，现为90分" in setup.content.decode()


def test_the_scores_take_a_fixed_number_of_queries_whatever_the_units(demo, django_assert_max_num_queries):
    plan = _plan(demo)
    units = units_of(demo.district, demo.district_official)
    for unit in units:
        services.assessment_adjust(actor=demo.district_official, plan=plan, unit=unit,
                                   criterion=plan.criteria.first(), points=-1, reason="复核")
    with django_assert_max_num_queries(12):
        rows = plan_scores(plan, units)
    assert len(rows) == len(units) and all(r.adjustments for r in rows)
    with django_assert_max_num_queries(12):
        plan_scores(plan, units[:1])


def test_a_units_page_ranks_it_as_the_list_does(client, demo):
    plan = _plan(demo)
    client.force_login(demo.district_official)
    listing = client.get(reverse("ledgers:assessment") + f"?year={plan.year}&plan={plan.pk}").context["rows"]
    assert [r.rank for r in listing] == sorted(r.rank for r in listing)
    for row in listing:
        page = client.get(reverse("ledgers:assessment_unit", args=[plan.pk, row.unit.pk]))
        assert page.context["row"].rank == row.rank


def test_campaign_coverage_scores_the_families_seen_within_their_campaign(demo):
    """集中排查覆盖: of the families the year's campaigns targeted, those seen in person within their campaign."""
    import datetime as dt

    from django.utils import timezone

    from households import services as hh
    from plans import services as plans
    from tests.households.factories import make_household
    from tests.visits.factories import visit_data
    from visits.services import visit_log

    today = timezone.localdate()
    seen, not_seen = make_household(demo.village_a), make_household(demo.village_a)
    for household in (seen, not_seen):
        hh.roster_enter(actor=None, household=household, reasons=["dibao_edge"], target_kind="warning")
    plans.campaign_start(actor=demo.township1, township=demo.village_a.parent, data={
        "name": "入冬排查", "starts_on": today, "ends_on": today + dt.timedelta(days=10), "target_kind": "dibao_edge"})
    visit_log(actor=demo.caseworker_a, household=seen, data=visit_data(today))
    plan = services.assessment_plan_save(actor=demo.district_official, owner=demo.district, year=today.year, criteria=[
        {"kind": CriterionKind.CAMPAIGNS, "name": "集中排查覆盖", "weight": 100, "target": 100}])
    scores = {r.unit.pk: r.criteria[0] for r in plan_scores(plan, units_of(demo.district, demo.district_official))}
    township = scores[demo.village_a.parent_id]
    assert township.rate == Decimal("50") and township.points == Decimal("50.0")
    assert "集中排查已走访1/2户" in township.text
    assert scores[demo.village_c.parent_id].rate is None  # no campaign there: nothing due, full marks


def test_a_townships_roster_card_says_when_its_date_has_passed(demo, client):
    """Before the date: 待报送备案, 截止…; after it, as the district's card counts it: 逾期未报送, 已过截止日期."""
    from ledgers.home_assessment import cards

    plan = _plan(demo, roster_due=TODAY + dt.timedelta(days=3))
    before = next(c for c in cards(demo.township1) if c.url.endswith("?state=open"))
    assert before.title == "花名册待报送备案" and "截止" in before.note and "已过" not in before.note
    assert not before.urgent
    services.assessment_plan_save(actor=demo.district_official, owner=plan.owner, year=YEAR,
                                  roster_due=TODAY - dt.timedelta(days=1))
    after = next(c for c in cards(demo.township1) if c.url.endswith("?state=open"))
    assert after.title == "花名册逾期未报送" and "已过截止日期" in after.note and after.urgent
    client.force_login(demo.township1)
    assert client.get(after.url).status_code == 200
