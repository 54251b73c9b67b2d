"""Several departments on one case (综合评估): the services' rules and who sees which department's items."""
import datetime as dt
from decimal import Decimal

import pytest
from django.http import Http404
from django.urls import reverse

from households.models import AssistanceRecord
from referrals import services
from referrals.models import (
    CaseAssessment, Department, DepartmentItem, OutcomeAssistance, ReferralStatus, StepAction,
)
from referrals.models_departments import ItemStatus
from referrals.services import ReferralConflict, ReferralError
from relief import access
from relief.models import Role

from .helpers import assigned, submitted, today

pytestmark = pytest.mark.django_db

SS, MED, HOUSING = Department.SOCIAL_SECURITY, Department.MEDICAL_INSURANCE, Department.HOUSING


def _items(*departments, days=10):
    return [{"department": d, "measure": f"{Department(d).label}措施", "deadline": today() + dt.timedelta(days=days),
             "assistance_type": OutcomeAssistance.EMPLOYMENT if d == SS else ""} for d in departments]


def _assess(demo, village=None, departments=(SS, MED), township=None):
    referral = submitted(demo, village=village) if village is not None else submitted(demo)
    actor = township or (demo.township2 if referral.village_id == demo.village_c.pk else demo.township1)
    return services.assessment_create(actor=actor, referral=referral, needs="收入低，医疗支出大",
                                      opinion="低保（社保）；医疗救助（医保）", items=_items(*departments))


@pytest.fixture
def shebao(demo, make_staff):
    return make_staff(Role.DEPARTMENT, demo.townships[0], department=SS)


def _item(case, department):
    return case.items.get(department=department)


def test_assessment_hands_the_case_to_each_department(demo):
    case = _assess(demo, departments=(SS, MED, HOUSING))
    referral = case.referral
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ASSIGNED
    assert referral.department == SS and referral.deadline == today() + dt.timedelta(days=10)
    assert sorted(case.items.values_list("department", flat=True)) == sorted([SS, MED, HOUSING])
    assert set(case.items.values_list("status", flat=True)) == {ItemStatus.PENDING}
    assert referral.steps.filter(action=StepAction.ASSESS).count() == 1
    # The single-department steps are not taken on it.
    assert not services.can_step(demo.township1, referral, StepAction.DECIDE_ELIGIBLE)
    with pytest.raises(ReferralError, match="综合评估交办多个部门"):
        services.referral_decide_ineligible(actor=demo.township1, referral=referral, reason="不符合条件原因")


def test_assessment_refuses_bad_input_and_wrong_state(demo):
    referral = submitted(demo)
    with pytest.raises(ReferralError, match="至少列出一项"):
        services.assessment_create(actor=demo.township1, referral=referral, needs="需求", opinion="意见", items=[])
    with pytest.raises(ReferralError, match="同一部门只列一项"):
        services.assessment_create(actor=demo.township1, referral=referral, needs="需求", opinion="意见",
                                   items=_items(SS, SS))
    past = _items(SS)
    past[0]["deadline"] = today() - dt.timedelta(days=1)
    with pytest.raises(ReferralError, match="办理期限不能早于今天"):
        services.assessment_create(actor=demo.township1, referral=referral, needs="需求", opinion="意见", items=past)
    with pytest.raises(ReferralError, match="家庭的需求"):
        services.assessment_create(actor=demo.township1, referral=referral, needs=" ", opinion="意见",
                                   items=_items(SS))
    # A caseworker cannot assess; a referral already handed to one department cannot be assessed again.
    with pytest.raises(ReferralError, match="乡镇民政办"):
        services.assessment_create(actor=demo.caseworker_a, referral=referral, needs="需求", opinion="意见",
                                   items=_items(SS))
    one = assigned(demo)
    with pytest.raises(ReferralError, match="已交办部门"):
        services.assessment_create(actor=demo.township1, referral=one, needs="需求", opinion="意见",
                                   items=_items(SS))
    assert not CaseAssessment.objects.exists()


def test_each_department_decides_and_the_last_finishes_the_case(demo):
    case = _assess(demo, departments=(SS, MED))
    referral = case.referral
    services.department_item_decide(actor=demo.township1, item=_item(case, SS), approved=True, amount="800")
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ASSIGNED
    assert AssistanceRecord.objects.filter(household=referral.household, monthly_amount=Decimal("800")).exists()
    services.department_item_decide(actor=demo.township1, item=_item(case, MED), approved=False,
                                    reason="已享受职工医保大病保险")
    referral.refresh_from_db()
    case.refresh_from_db()
    assert referral.status == ReferralStatus.ELIGIBLE and referral.assistance_type == OutcomeAssistance.EMPLOYMENT
    assert case.decided_at is not None and case.stage == "decided"
    assert not referral.family_informed
    services.assessment_inform(actor=demo.caseworker_a, assessment=case, note="入户当面告知各部门结果")
    referral.refresh_from_db()
    case.refresh_from_db()
    assert case.stage == "informed" and referral.family_informed
    with pytest.raises(ReferralError, match="不能重复告知"):
        services.assessment_inform(actor=demo.township1, assessment=case, note="再次告知")


def test_all_refused_is_ineligible_with_every_reason(demo):
    case = _assess(demo, departments=(SS, MED))
    services.department_item_decide(actor=demo.township1, item=_item(case, SS), approved=False,
                                    reason="家庭收入高于低保标准")
    services.department_item_decide(actor=demo.township1, item=_item(case, MED), approved=False,
                                    reason="医疗费用已全额报销")
    referral = case.referral
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.INELIGIBLE
    assert "家庭收入高于低保标准" in referral.ineligible_reason and "医疗费用已全额报销" in referral.ineligible_reason


def test_item_decision_refusals(demo):
    cash = services.assessment_create(actor=demo.township1, referral=submitted(demo), needs="门诊费用", opinion="医疗救助",
                                      items=[{"department": MED, "measure": "门诊医疗救助", "assistance_type": "medical",
                                              "deadline": today() + dt.timedelta(days=10)}])
    with pytest.raises(ReferralError, match="请填写金额"):  # a payment needs its amount
        services.department_item_decide(actor=demo.township1, item=cash.items.get(), approved=True)
    case = _assess(demo, departments=(SS, MED))
    item = _item(case, SS)
    with pytest.raises(ReferralError, match="不同意的具体原因"):
        services.department_item_decide(actor=demo.township1, item=item, approved=False, reason="")
    with pytest.raises(ReferralError, match="告知家庭"):
        services.assessment_inform(actor=demo.township1, assessment=case, note="提前告知")
    first = services.department_item_decide(actor=demo.township1, item=item, approved=True, amount="500",
                                            version=item.version)
    # Double decide: refused in Chinese, nothing changes.
    with pytest.raises(ReferralError, match="已办结（同意），不能重复决定"):
        services.department_item_decide(actor=demo.township1, item=item.pk, approved=False, reason="再次决定不同意")
    # A stale version (someone decided since the form was read): a conflict naming who and the state.
    with pytest.raises(ReferralConflict, match="该事项已被.*处理（现为“同意”），您的操作未保存"):
        services.department_item_decide(actor=demo.township1, item=item.pk, approved=False, reason="过期的表单",
                                        version=item.version)
    item.refresh_from_db()
    assert item.status == ItemStatus.APPROVED and item.version == first.version


def test_wrong_state_refused(demo):
    case = _assess(demo, departments=(SS, MED))
    referral = case.referral
    # The case set aside (returned by an admin-side correction): items are no longer decided on it.
    type(referral).objects.filter(pk=referral.pk).update(status=ReferralStatus.SUBMITTED)
    with pytest.raises(ReferralError, match="不能登记部门办理结果"):
        services.department_item_decide(actor=demo.township1, item=_item(case, SS), approved=True, amount="1")


def test_department_account_decides_its_own_items_and_township_no_longer_does(demo, shebao):
    case = _assess(demo, departments=(SS, MED))
    ss, med = _item(case, SS), _item(case, MED)
    # The 社保所 has an account: township staff do not record for it, and it cannot decide 医保's item.
    with pytest.raises(ReferralError, match="已开通科室账号"):
        services.department_item_decide(actor=demo.township1, item=ss, approved=True, amount="600")
    with pytest.raises(Http404):
        services.department_item_decide(actor=shebao, item=med, approved=True)
    services.department_item_decide(actor=shebao, item=ss, approved=True, amount="600")
    services.department_item_decide(actor=demo.township1, item=med, approved=True)  # no account: township records
    case.referral.refresh_from_db()
    assert case.referral.status == ReferralStatus.ELIGIBLE


def test_department_account_scope(demo, shebao):
    own = _assess(demo, departments=(SS, MED))
    other_township = _assess(demo, village=demo.village_c, departments=(SS,))
    visible = set(access.department_items_scope(DepartmentItem.objects.all(), shebao).values_list("pk", flat=True))
    assert visible == {_item(own, SS).pk}
    with pytest.raises(Http404):
        services.department_item_decide(actor=shebao, item=_item(other_township, SS), approved=True, amount="1")
    # The department account opens no household or referral page.
    assert not access.can_anywhere(shebao, access.Action.VIEW)


def test_department_pages_answer_404_outside(client, demo, shebao):
    own = _assess(demo, departments=(SS, MED))
    other_township = _assess(demo, village=demo.village_c, departments=(SS,))
    client.force_login(shebao)
    assert client.get(reverse("referrals:department_item", args=[_item(own, SS).pk])).status_code == 200
    assert client.get(reverse("referrals:department_item", args=[_item(own, MED).pk])).status_code == 404
    assert client.get(reverse("referrals:department_item", args=[_item(other_township, SS).pk])).status_code == 404
    queue = client.get(reverse("referrals:department_items"))
    assert queue.status_code == 200
    assert [i.pk for i in queue.context["page"]] == [_item(own, SS).pk]
    assert 'data-testid="single-department-note"' not in queue.content.decode()  # a department's own queue
    assert client.get(reverse("referrals:detail", args=[own.referral_id])).status_code == 403
    # Township 1's staff do not see township 2's items either. Their page says where the single-department
    # referrals are, and the link lists them.
    client.force_login(demo.township1)
    page = client.get(reverse("referrals:department_items")).content.decode()
    note = page.split('data-testid="single-department-note"')[1].split("</p>")[0]
    link = note.split('href="')[1].split('"')[0].replace("&amp;", "&")
    listed = client.get(link).context["page"].object_list
    assert all(r.status == "assigned" for r in listed)
    assert client.get(reverse("referrals:department_item", args=[_item(other_township, SS).pk])).status_code == 404
    assert client.get(reverse("referrals:assessment", args=[other_township.referral_id])).status_code == 404
    page = client.get(reverse("referrals:department_item", args=[_item(own, SS).pk]))
    assert page.context["form"] is None  # the 社保所 decides its own item


def test_decide_through_the_page(client, demo):
    case = _assess(demo, departments=(SS, MED))
    item = _item(case, MED)
    client.force_login(demo.township1)
    url = reverse("referrals:department_item", args=[item.pk])
    response = client.post(url, {"version": item.version, "decision": "refused", "reason": ""})
    assert response.status_code == 200 and "不同意的具体原因" in response.content.decode()
    response = client.post(url, {"version": item.version, "decision": "refused", "reason": "已享受医保全额报销"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == ItemStatus.REFUSED


def test_demo_shows_every_branch(demo):
    from django.conf import settings
    from django.utils.module_loading import import_string

    from referrals.demo_departments import load

    for path in settings.RELIEF_DEMO_LOADERS:
        import_string(path)()
    load()  # twice: nothing new
    items = DepartmentItem.objects.all()
    assert items.filter(status=ItemStatus.APPROVED).exists() and items.filter(status=ItemStatus.REFUSED).exists()
    assert items.overdue().exists() and items.not_due().exists()
    assert CaseAssessment.objects.filter(informed_at__isnull=False).count() == 1
    assert CaseAssessment.objects.filter(decided_at__isnull=True).count() == 1
    assert CaseAssessment.objects.count() == 2


def test_a_department_account_names_its_department(demo, make_staff):
    from relief.services import StaffError

    with pytest.raises(StaffError, match="所属科室/部门"):
        make_staff(Role.DEPARTMENT, demo.townships[0])
    with pytest.raises(StaffError, match="乡镇/街道"):
        make_staff(Role.DEPARTMENT, demo.village_a, department=SS)
    user = make_staff(Role.DEPARTMENT, demo.townships[0], department=SS)
    assert user.department_label == "社保"
    assert access.can(user, access.Action.HANDLE_DEPARTMENT_ITEMS, demo.village_a)
    assert not access.can(user, access.Action.HANDLE_DEPARTMENT_ITEMS, demo.village_c)


def test_monthly_ledger_counts_each_department(client, demo):
    from tests.ledgers.helpers import open_xlsx, post_ledger, table

    first = _assess(demo, departments=(SS, MED))
    _assess(demo, departments=(SS, HOUSING))
    services.department_item_decide(actor=demo.township1, item=_item(first, SS), approved=True, amount="700")
    services.department_item_decide(actor=demo.township1, item=_item(first, MED), approved=False,
                                    reason="医疗费用已全额报销")
    client.force_login(demo.township1)
    wb = open_xlsx(post_ledger(client, demo.township1.jurisdiction, kind="monthly"))
    headers, rows = table(wb["部门办理事项"])
    by_department = {row[0]: row[1:] for row in rows}
    # 交办, 同意, 不同意, 按期办结, 期末未办结, 其中超期
    assert by_department["社保"] == [2, 1, 0, 1, 1, 0]
    assert by_department["医保"] == [1, 0, 1, 1, 0, 0]
    assert by_department["住建"] == [1, 0, 0, 0, 1, 0]
    assert by_department["合计"] == [4, 1, 1, 2, 2, 0]


def test_scorecards_count_each_department(client, demo):
    case = _assess(demo, departments=(SS, MED))
    services.department_item_decide(actor=demo.township1, item=_item(case, SS), approved=True, amount="700")
    # 医保's deadline passes without a decision.
    DepartmentItem.objects.filter(pk=_item(case, MED).pk).update(deadline=today() - dt.timedelta(days=1))
    DepartmentItem.objects.filter(pk=_item(case, SS).pk).update(deadline=today())
    from ledgers.reports.departments import department_timeliness

    villages = access.village_ids_for(demo.township1)
    rows = {r["label"]: r for r in department_timeliness(villages, today() - dt.timedelta(days=10), today())}
    assert (rows["社保"]["due"], rows["社保"]["in_time"], rows["社保"]["overdue"]) == (1, 1, 0)
    assert (rows["医保"]["due"], rows["医保"]["in_time"], rows["医保"]["overdue"]) == (1, 0, 1)
    client.force_login(demo.township1)
    response = client.get(reverse("ledgers:scorecards"))
    assert 'data-testid="scorecard-departments"' in response.content.decode()
    assert {r["label"] for r in response.context["cards"]["departments"]} == {"社保", "医保"}


def test_a_kind_the_district_approves_is_no_department_item(demo):
    """低保 is approved by the district (审批权限): a department's item cannot grant it, nor 临时救助 over the
    township's limit."""
    referral = submitted(demo)
    with pytest.raises(ReferralError) as exc:
        services.assessment_create(actor=demo.township1, referral=referral, needs="需求", opinion="意见", items=[
            {"department": SS, "measure": "办理低保", "assistance_type": OutcomeAssistance.DIBAO,
             "deadline": today() + dt.timedelta(days=10)}])
    assert "由区县民政局审批" in exc.value.message_dict["items"][0]
    case = services.assessment_create(actor=demo.township1, referral=referral, needs="需求", opinion="意见", items=[
        {"department": Department.CIVIL_AFFAIRS, "measure": "临时救助", "assistance_type": OutcomeAssistance.TEMPORARY,
         "deadline": today() + dt.timedelta(days=10)}])
    item = case.items.get()
    with pytest.raises(ReferralError) as exc:
        services.department_item_decide(actor=demo.township1, item=item, approved=True, amount="3000")
    assert "须报区县民政局审批" in exc.value.message_dict["amount"][0]
    item = services.department_item_decide(actor=demo.township1, item=item, approved=True, amount="800")
    assert item.amount == Decimal("800")


def test_a_measure_that_pays_nothing_is_approved_without_an_amount(demo):
    """就业救助 is a measure, not a payment: approved with no amount, nothing recorded as a monthly sum."""
    case = _assess(demo, departments=(SS,))
    item = services.department_item_decide(actor=demo.township1, item=_item(case, SS), approved=True)
    assert item.status == ItemStatus.APPROVED and item.amount is None
    record = AssistanceRecord.objects.get(household=case.referral.household, type="employment")
    assert record.monthly_amount == 0


def test_each_overdue_department_item_opens_its_own_alert_closed_when_decided(demo, client):
    """部门事项超期: watched per department, not only by the case's deadline; the township sees it in its inbox,
    the alert names the department and links to the case, and deciding the item closes it."""
    from alerts.models import Alert, AlertKind, AlertStatus
    from referrals.tasks import department_item_alerts

    case = _assess(demo, departments=(SS, MED))
    DepartmentItem.objects.filter(pk=_item(case, MED).pk).update(deadline=today() - dt.timedelta(days=2))
    assert department_item_alerts() == {"opened": 1, "closed": 0}
    assert department_item_alerts()["opened"] == 0  # once
    alert = Alert.objects.get(kind=AlertKind.DEPARTMENT_ITEM_OVERDUE)
    assert alert.household_id == case.referral.household_id and alert.source_ref == f"referral:{case.referral_id}"
    assert "医保" in alert.reason and "已过" in alert.reason
    client.force_login(demo.township1)
    inbox = client.get(reverse("alerts:list") + f"?kind={AlertKind.DEPARTMENT_ITEM_OVERDUE}").content.decode()
    assert f"/alerts/{alert.pk}/" in inbox
    client.force_login(demo.township2)
    assert client.get(reverse("alerts:detail", args=[alert.pk])).status_code == 404
    # Not yet due (SS) opens nothing; deciding the overdue one closes its alert.
    services.department_item_decide(actor=demo.township1, item=_item(case, MED), approved=False, reason="已享受大病保险")
    assert department_item_alerts() == {"opened": 0, "closed": 1}
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CLOSED


def test_a_walk_in_goes_from_the_window_to_the_assessment_in_one_step(client, demo):
    """一门受理: township staff take in a family at the service centre (窗口来访) and choose 受理并综合评估; the
    referral is received by the township and the assessment form opens with 服务中心来访 chosen."""
    from referrals.models import Lead, LeadChannel
    from tests.households.factories import make_household

    household = make_household(demo.village_a, head_name="窗口来访户")
    lead = services.lead_create(actor=demo.township1, channel=LeadChannel.WALK_IN, household=household,
                                description="到社区事务受理服务中心反映：户主患病，子女上学，收入不足")
    client.force_login(demo.township1)
    page = client.get(reverse("referrals:lead_detail", args=[lead.pk])).content.decode()
    assert 'data-testid="lead-refer-assess"' in page
    response = client.post(reverse("referrals:lead_action", args=[lead.pk, "refer"]), {
        "version": Lead.objects.get(pk=lead.pk).version, "summary": "户主患病，收入不足", "requested": "",
        "urgency": "normal", "willing": "on", "then": "assess"})
    from referrals.models import Referral

    referral = Referral.objects.get(lead=lead)
    assert response.status_code == 302 and response["Location"] == reverse("referrals:assess", args=[referral.pk])
    assert referral.status == ReferralStatus.SUBMITTED
    form = client.get(response["Location"]).context["form"]
    assert form.initial["intake"] == "walk_in"
    # A caseworker's form drafts a village referral and has no such button.
    client.force_login(demo.caseworker_a)
    other = services.lead_create(actor=demo.caseworker_a, channel=LeadChannel.VISIT, household=household,
                                 description="走访发现")
    assert 'data-testid="lead-refer-assess"' not in client.get(
        reverse("referrals:lead_detail", args=[other.pk])).content.decode()


def test_the_case_names_the_department_whose_deadline_runs_next(demo):
    referral = submitted(demo)
    items = _items(SS, MED, HOUSING)
    items[0]["deadline"] = today() + dt.timedelta(days=3)   # 社保 first
    items[1]["deadline"] = today() + dt.timedelta(days=12)
    items[2]["deadline"] = today() + dt.timedelta(days=7)   # then 住建
    case = services.assessment_create(actor=demo.township1, referral=referral, needs="住房漏雨，收入低",
                                      opinion="三个部门", items=items)
    referral.refresh_from_db()
    assert (referral.department, referral.deadline) == (SS, today() + dt.timedelta(days=3))
    services.department_item_decide(actor=demo.township1, item=_item(case, SS), approved=True, amount="600")
    referral.refresh_from_db()
    # The queue, the referral list and the overdue alert now name 住建, whose deadline runs next.
    assert (referral.department, referral.deadline) == (HOUSING, today() + dt.timedelta(days=7))
