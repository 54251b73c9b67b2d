"""Pages: libraries, 明白纸, policy form errors, resource map, teams, household plan and its print, scoping."""
import datetime as dt

import pytest
from django.urls import reverse

from auditlog.models import LogEntry
from plans.demo import load as load_plans_demo
from plans.models import Need, PlanItem, Policy, Resource, TeamMember
from referrals.models import Lead

from . import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def lib(demo):
    factories.standard(demo.district, "1330")
    load_plans_demo()
    return demo


def test_policy_library_and_sheet_readable_by_a_caseworker(client, lib, django_assert_max_num_queries):
    client.force_login(lib.caseworker_a)
    # The first page a user opens also computes and stores the figures every page shows (relief/figure_cache.py).
    client.get(reverse("home"))
    with django_assert_max_num_queries(12):
        page = client.get(reverse("plans:policy_list")).content.decode()
    assert "最低生活保障（低保）" in page and "残疾人两项补贴" in page
    assert reverse("plans:policy_create") not in page  # caseworkers read, not edit
    policy = Policy.objects.get(code="low-income")
    sheet = client.get(reverse("plans:policy_sheet", args=[policy.pk])).content.decode()
    assert "低收入家庭认定明白纸" in sheet and "怎么申请" in sheet and "需要带的材料" in sheet
    assert "家庭月人均收入&gt;当地低保标准的 1 倍" in sheet or "家庭月人均收入>当地低保标准的 1 倍" in sheet
    assert client.get(reverse("plans:policy_create")).status_code == 403
    assert client.get(reverse("plans:policy_edit", args=[policy.pk])).status_code == 404


def _policy_post(demo, **overrides):
    data = {"code": "new-one", "name": "新政策", "assistance_type": "", "summary": "说明", "eligibility": "谁",
            "benefits": "给什么", "how_to_apply": "怎么办", "documents": "", "department": "民政办",
            "contact_phone": "", "basis": "", "owner": demo.district.pk, "areas": [demo.district.pk],
            "is_active": "on", "opens_leads": "on",
            "c-TOTAL_FORMS": "3", "c-INITIAL_FORMS": "0", "c-MIN_NUM_FORMS": "0", "c-MAX_NUM_FORMS": "1000"}
    data.update(overrides)
    return data


def test_policy_form_refuses_contradictions_at_the_conditions(client, lib):
    client.force_login(lib.district_official)
    response = client.post(reverse("plans:policy_create"), _policy_post(lib, **{
        "c-0-group": "1", "c-0-kind": "income", "c-0-comparison": "gt", "c-0-factor": "1.5",
        "c-1-group": "1", "c-1-kind": "income", "c-1-comparison": "lte", "c-1-factor": "1",
        "c-2-group": "1", "c-2-kind": "member_age", "c-2-min_value": "60", "c-2-max_value": "16"}))
    assert response.status_code == 200
    page = response.content.decode()
    assert "上限 16 小于下限 60" in page and "没有家庭能同时满足" in page
    assert not Policy.objects.filter(code="new-one").exists()


def test_policy_form_values_must_fit_the_condition(client, lib):
    client.force_login(lib.district_official)
    response = client.post(reverse("plans:policy_create"), _policy_post(lib, **{
        "c-0-group": "1", "c-0-kind": "disability", "c-0-values": ["HukouType:urban"]}))
    assert "所选取值与条件“有成员持残疾证（等级）”不符" in response.content.decode()


def test_policy_form_creates_and_edits(client, lib):
    client.force_login(lib.district_official)
    response = client.post(reverse("plans:policy_create"), _policy_post(lib, **{
        "c-0-group": "1", "c-0-kind": "disability", "c-0-values": ["DisabilityGrade:1", "DisabilityGrade:2"]}))
    assert response.status_code == 302, response.content.decode()[:3000]
    policy = Policy.objects.get(code="new-one")
    assert policy.conditions.get().values == ["1", "2"]
    edit = client.get(reverse("plans:policy_edit", args=[policy.pk])).content.decode()
    assert 'value="DisabilityGrade:1" selected' in edit
    stale = client.post(reverse("plans:policy_edit", args=[policy.pk]), _policy_post(lib, version="0", **{
        "c-0-group": "1", "c-0-kind": "serious_illness"}))
    assert "已被他人修改" in stale.content.decode()


def test_resource_form_requires_contact(client, lib):
    client.force_login(lib.township1)
    response = client.post(reverse("plans:resource_create"), {
        "name": "新资源", "kind": "charity", "service_kind": "material", "offer": "物资", "capacity": "5",
        "contact_person": "", "contact_phone": "", "owner": lib.townships[0].pk, "villages": [lib.village_a.pk],
        "is_active": "on"})
    page = response.content.decode()
    assert "请填写联系人，否则无法对接帮扶" in page and "请填写联系电话" in page
    assert not Resource.objects.filter(name="新资源").exists()


def test_resource_map_of_a_township(client, lib, django_assert_max_num_queries):
    client.force_login(lib.township1)
    # The first page a user opens also computes and stores the figures every page shows (relief/figure_cache.py).
    client.get(reverse("plans:resource_map"))
    with django_assert_max_num_queries(16):
        response = client.get(reverse("plans:resource_map"))
    page = response.content.decode()
    assert "华阳路街道救助资源地图" in page and "<svg" in page and "心晴社工师事务所" in page
    assert page.count('data-testid="map-row"') == 4
    other = lib.townships[1]
    assert client.get(reverse("plans:resource_map"), {"township": other.pk}).status_code == 404


def test_team_page_warns_when_a_village_has_no_assistant(client, lib):
    lib.caseworker_b.is_active = False
    lib.caseworker_b.save(update_fields=["is_active"])
    client.force_login(lib.township1)
    page = client.get(reverse("plans:team_list")).content.decode()
    assert 'data-testid="missing-assistants"' in page and "华二居委会" in page
    assert "李秀英" in page and "组长" in page
    client.force_login(lib.district_official)
    home = client.get(reverse("home")).content.decode()
    assert "村/社区缺社会救助协理员" in home and "华二居委会" in home


def test_team_member_form(client, lib):
    client.force_login(lib.township1)
    response = client.post(reverse("plans:team_create") + f"?township={lib.townships[0].pk}", {
        "role": "grid_worker", "name": "新网格员", "phone": "", "villages": [lib.village_a.pk],
        "is_active": "on", "since": "2026-01-01"})
    assert "请填写联系电话" in response.content.decode() or "这个字段是必填项" in response.content.decode()
    assert not TeamMember.objects.filter(name="新网格员").exists()
    client.force_login(lib.caseworker_a)
    assert client.get(reverse("plans:team_create")).status_code == 403


@pytest.fixture
def family(lib):
    return factories.household(lib.village_a, income="1000", members=[
        {"birth_date": dt.date(1950, 1, 1), "name": "王老伯", "serious_illness": "肺癌"}])


def test_household_plan_shows_policies_with_reasons(client, lib, family, django_assert_max_num_queries):
    client.force_login(lib.caseworker_a)
    with django_assert_max_num_queries(40):
        page = client.get(reverse("plans:household_plan", args=[family.pk])).content.decode()
    assert "救助缺失" in page and "特困人员救助供养" in page
    assert "月人均收入 1000 元≤ 1330 元" in page  # the caseworker may see the household's own figures
    assert LogEntry.objects.filter(additional_data__event="view_personal_data", object_pk=str(family.pk)).exists()
    client.force_login(lib.district_official)
    masked = client.get(reverse("plans:household_plan", args=[family.pk])).content.decode()
    assert "特困人员救助供养" in masked and "1000 元" not in masked


def test_query_count_does_not_grow_with_the_plan(client, lib, family, django_assert_max_num_queries):
    from plans import services

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(lib.caseworker_a)
    url = reverse("plans:household_plan", args=[family.pk])
    resource = Resource.objects.filter(villages=lib.village_a).first()

    def add(i):
        need = services.need_create(actor=lib.caseworker_a, household=family, kind="care", description=f"需求{i}")
        services.plan_item_create(actor=lib.caseworker_a, household=family, need=need, action=f"措施{i}",
                                  owner=lib.caseworker_a, due_date=dt.date.today(), resource=resource)

    add(0)
    client.get(url)
    with CaptureQueriesContext(connection) as empty:
        client.get(url)
    for i in range(1, 7):
        add(i)
    with django_assert_max_num_queries(len(empty)):
        assert client.get(url).status_code == 200


def test_caseworker_adds_need_and_item_and_prints_the_plan(client, lib, family):
    client.force_login(lib.caseworker_a)
    bad = client.post(reverse("plans:need_add", args=[family.pk]), {"need-kind": "medical", "need-description": ""})
    assert bad.status_code == 400 and "请写明需求内容" in bad.content.decode()
    client.post(reverse("plans:need_add", args=[family.pk]), {"need-kind": "medical", "need-description": "化疗自付多"})
    need = Need.objects.get(household=family)
    policy = Policy.objects.get(code="tekun")
    no_owner = client.post(reverse("plans:item_add", args=[family.pk]), {
        "item-need": need.pk, "item-match": f"policy:{policy.pk}", "item-action": "协助申请特困", "item-owner": "",
        "item-due_date": ""})
    assert no_owner.status_code == 400
    assert "请指定责任人" in no_owner.content.decode() and "请填写完成时限" in no_owner.content.decode()
    ok = client.post(reverse("plans:item_add", args=[family.pk]), {
        "item-need": need.pk, "item-match": f"policy:{policy.pk}", "item-action": "协助申请特困",
        "item-owner": lib.caseworker_a.pk, "item-due_date": (dt.date.today() + dt.timedelta(days=7)).isoformat()})
    assert ok.status_code == 302
    item = PlanItem.objects.get()
    assert Lead.objects.filter(household=family, village=lib.village_a).count() == 1
    client.post(reverse("plans:item_progress", args=[item.pk]), {"p-status": "in_progress", "p-note": "已上门宣讲"})
    printed = client.get(reverse("plans:plan_print", args=[family.pk])).content.decode()
    assert "一户一策" in printed and "协助申请特困" in printed and "已上门宣讲" in printed and "化疗自付多" in printed
    assert LogEntry.objects.filter(additional_data__event="export", object_pk=str(family.pk)).exists()


def test_district_official_reads_but_cannot_edit_plans(client, lib, family):
    client.force_login(lib.district_official)
    page = client.get(reverse("plans:household_plan", args=[family.pk])).content.decode()
    assert reverse("plans:need_add", args=[family.pk]) not in page
    assert client.post(reverse("plans:need_add", args=[family.pk]),
                       {"need-kind": "care", "need-description": "x"}).status_code == 403


def test_household_page_shows_the_plans_section(client, lib, family):
    client.force_login(lib.caseworker_a)
    page = client.get(reverse("households:detail", args=[family.pk])).content.decode()
    assert 'data-testid="plans-section"' in page and "特困人员救助供养" in page


def test_a_roster_kind_the_policies_contradict_is_said_beside_them(client, lib, family):
    """On the roster as 救助预警, yet the policies find it may qualify and receives nothing (救助缺失): the page
    says the two differ and where to correct it; the roster's own record is not changed. Agreeing: no note."""
    from households.models import RosterEntry, TargetKind
    from households.services import roster_enter

    roster_enter(actor=lib.township1, household=family, reasons=["elderly_alone"], target_kind=TargetKind.WARNING)
    client.force_login(lib.caseworker_a)
    page = client.get(reverse("households:detail", args=[family.pk])).content.decode()
    note = page.split('data-testid="roster-kind-differs"')[1].split("</p>")[0]
    assert "“救助预警”" in note and "“救助缺失”" in note
    entry = RosterEntry.objects.get(household=family, exited_on__isnull=True)
    assert entry.target_kind == TargetKind.WARNING
    RosterEntry.objects.filter(pk=entry.pk).update(target_kind=TargetKind.MISSING)
    family.__class__.objects.filter(pk=family.pk).update(roster_kind=TargetKind.MISSING)
    page = client.get(reverse("plans:household_plan", args=[family.pk])).content.decode()
    assert "救助缺失" in page and 'data-testid="roster-kind-differs"' not in page


def test_match_list_is_scoped(client, lib, family):
    from plans.services import policy_match_run

    other = factories.household(lib.village_c, income="100", members=[{"birth_date": dt.date(1950, 1, 1)}])
    policy_match_run()
    client.force_login(lib.caseworker_a)
    page = client.get(reverse("plans:match_list")).content.decode()
    assert family.residence_address in page and other.residence_address not in page
    client.force_login(lib.caseworker_c)
    assert family.residence_address not in client.get(reverse("plans:match_list")).content.decode()
