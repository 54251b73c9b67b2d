"""The demo district shows every state of the district's supervision, and loading it again changes nothing."""
import pytest
from django.utils import timezone

from ledgers import demo_assessment
from ledgers.models import AssessmentAdjustment, AssessmentPlan, RosterFiling, SelfAssessment
from ledgers.selectors_assessment import (
    district_plan_for_user, plan_scores, roster_rows, self_assessment_rows, units_of,
)

pytestmark = pytest.mark.django_db


def test_the_demo_shows_every_state_and_loads_once(full_demo):
    official = full_demo.users["district"]
    plan, district = district_plan_for_user(official, timezone.localdate().year)
    assert plan is not None and plan.criteria.filter(kind="custom").exists()
    states = {r.township.code: r.state for r in self_assessment_rows(official, plan)}
    assert sorted(states.values()) == ["missing", "returned", "submitted"]
    assert SelfAssessment.objects.filter(plan__year=plan.year - 1, status="accepted").exists()
    cells = {cell["state"] for row in roster_rows(official, plan) for cell in row.cells.values()}
    assert {"filed", "late", "missing"} <= cells
    rows = plan_scores(plan, units_of(district, official))
    assert any(score.adjustment > 0 for row in rows for score in row.criteria)
    assert any(score.adjustment < 0 for row in rows for score in row.criteria)
    assert AssessmentPlan.objects.filter(owner__level="township").exists()

    counts = (AssessmentPlan.objects.count(), AssessmentAdjustment.objects.count(), SelfAssessment.objects.count(),
              RosterFiling.objects.count())
    demo_assessment.load()
    assert counts == (AssessmentPlan.objects.count(), AssessmentAdjustment.objects.count(),
                      SelfAssessment.objects.count(), RosterFiling.objects.count())
