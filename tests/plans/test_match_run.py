"""The policy match run end to end: which matches and leads it makes, what it audits, that a repeat opens
nothing, and that its query count depends on batches, not on households."""
from decimal import Decimal

import pytest
from auditlog.models import LogEntry

from plans import services
from plans.models import Comparison, ConditionKind as K, PolicyMatch
from referrals import services as referral_services
from referrals.models import Lead, LeadChannel
from relief.audit import describe_entries

from . import factories

pytestmark = pytest.mark.django_db

INCOME_LTE_1 = dict(kind=K.INCOME, group=1, comparison=Comparison.LTE, factor=Decimal("1"), values=[])
REASON = "家庭月人均收入≤当地低保标准的 1 倍"


def policy(demo, code, name, assistance_type, areas):
    return services.policy_save(
        actor=demo.district_official, areas=areas, conditions=[INCOME_LTE_1],
        data=dict(code=code, name=name, assistance_type=assistance_type, summary="s", eligibility="e",
                  benefits="b", how_to_apply="h", department="民政办", opens_leads=True, is_active=True,
                  owner=demo.district))


def warm_content_types():
    """The audit entries look their content types up once per process: do it before counting queries."""
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.get_for_models(Lead, PolicyMatch)


def bulk_entries():
    return list(LogEntry.objects.filter(additional_data__event="bulk_write").select_related(
        "content_type").order_by("pk"))


@pytest.fixture
def world(demo):
    """Two policies (one district-wide, one for township 2 only) and households around them: poor ones in
    three villages, one already receiving, one richer, one whose caseworker already pushed the policy's lead,
    one with an unrelated hotline lead."""
    factories.standard(demo.district, "1330")
    dibao = policy(demo, "dibao-x", "低保X", "dibao", [demo.district])
    tekun = policy(demo, "tekun-y", "特困Y", "tekun", [demo.townships[1]])
    h = {
        "a": factories.household(demo.village_a, income="1000"),
        "b": factories.household(demo.village_b, income="800"),
        "c": factories.household(demo.village_c, income="900"),
        "receiving": factories.household(demo.village_a, income="1000", assistance=["dibao"]),
        "richer": factories.household(demo.village_b, income="5000"),
        "pushed": factories.household(demo.village_b, income="700"),
        "hotline": factories.household(demo.village_a, income="600"),
    }
    pushed = referral_services.lead_create(
        actor=None, channel=LeadChannel.VISIT, household=h["pushed"], description="一户一策：拟协助申请",
        dedupe_key=f"policy-match:{dibao.pk}:{h['pushed'].pk}", source_ref="plan-item:1")
    hotline = referral_services.lead_create(
        actor=demo.township1, channel=LeadChannel.HOTLINE, household=h["hotline"], description="热线反映困难")
    return dict(demo=demo, dibao=dibao, tekun=tekun, h=h, pushed_lead=pushed, hotline_lead=hotline)


def snapshot():
    matches = {(m.policy_id, m.household_id): (m.policy_version, m.reason, m.lead_ref)
               for m in PolicyMatch.objects.all()}
    leads = {lead.pk: (lead.household_id, lead.village_id, lead.channel, lead.status, lead.dedupe_key,
                       lead.source_ref, lead.description) for lead in Lead.objects.all()}
    return matches, leads


def test_first_run_matches_opens_leads_and_audits_them_and_a_repeat_changes_nothing(world):
    demo, dibao, tekun, h = world["demo"], world["dibao"], world["tekun"], world["h"]
    stats = services.policy_match_run()
    expected = {(dibao.pk, h[k].pk) for k in ("a", "b", "c", "pushed", "hotline")} | {(tekun.pk, h["c"].pk)}
    assert set(PolicyMatch.objects.values_list("policy_id", "household_id")) == expected
    assert stats.matched == 6 and stats.leads_opened == 5 and stats.stale_policies == []
    assert stats.policies == 2

    # Every match names its lead; the pushed household keeps the caseworker's lead, not a second one.
    for m in PolicyMatch.objects.all():
        lead = Lead.objects.get(pk=int(m.lead_ref))
        assert lead.household_id == m.household_id and lead.dedupe_key == m.dedupe_key
        assert m.policy_version == m.policy.version and m.reason == REASON
    assert PolicyMatch.objects.get(household=h["pushed"]).lead_ref == str(world["pushed_lead"].pk)
    assert Lead.objects.filter(household=h["pushed"]).count() == 1
    # An unrelated open lead does not stop the policy's lead (dedupe is per policy and household).
    assert Lead.objects.filter(household=h["hotline"]).count() == 2

    new = Lead.objects.filter(dedupe_key__startswith="policy-match:").exclude(pk=world["pushed_lead"].pk)
    assert new.count() == 5
    for lead in new:
        match = PolicyMatch.objects.get(lead_ref=str(lead.pk))
        p = match.policy
        assert lead.channel == LeadChannel.FEED and lead.status == "new" and lead.urgency == "normal"
        assert lead.village_id == lead.household.village_id
        assert lead.received_by_id is None and lead.received_at == lead.created_at == lead.updated_at
        assert lead.source_ref == f"policy:{p.code}:v{p.version}" and lead.version == 1
        assert (lead.reporter_name, lead.reporter_contact, lead.subject_name, lead.subject_address,
                lead.close_reason) == ("", "", "", "", "")
        assert lead.looked_into_at is None and lead.closed_at is None
        assert lead.description == (f"政策找人：该家庭可能符合“{p.name}”，但尚未享受。比对依据：{REASON}。"
                                    "请上门核实，宣讲政策，了解申请意愿。")
        assert lead.dedupe_key == f"policy-match:{p.pk}:{lead.household_id}"

    # Audit: per policy batch, one entry for the leads registered and one for the matches, as /audit/ shows.
    entries = bulk_entries()
    assert [(e.content_type.model, e.object_repr) for e in entries] == [
        ("lead", "批量登记救助线索 4 条"), ("policymatch", "政策找人：低保X 新增比对结果 5 户"),
        ("lead", "批量登记救助线索 1 条"), ("policymatch", "政策找人：特困Y 新增比对结果 1 户"),
    ]
    lead_ids = lambda p: sorted(Lead.objects.filter(dedupe_key__startswith=f"policy-match:{p.pk}:").exclude(  # noqa
        pk=world["pushed_lead"].pk).values_list("pk", flat=True))
    assert {e.additional_data.pop("result") for e in entries} == {"success"}
    assert [e.additional_data for e in entries] == [
        {"event": "bulk_write", "leads_created": 4, "leads_existing": 1, "lead_ids": lead_ids(dibao),
         "channels": ["feed"], "source": "policy_match", "policy": dibao.pk, "policy_version": dibao.version},
        {"event": "bulk_write", "policy": dibao.pk, "version": dibao.version, "households": 5, "leads_opened": 4},
        {"event": "bulk_write", "leads_created": 1, "leads_existing": 0, "lead_ids": lead_ids(tekun),
         "channels": ["feed"], "source": "policy_match", "policy": tekun.pk, "policy_version": tekun.version},
        {"event": "bulk_write", "policy": tekun.pk, "version": tekun.version, "households": 1, "leads_opened": 1},
    ]
    assert all(e.actor_id is None and e.action == LogEntry.Action.ACCESS for e in entries)
    describe_entries(entries)
    assert [e.sentence for e in entries] == [
        "系统 批量写入救助线索：批量登记救助线索 4 条", "系统 批量写入政策比对结果：政策找人：低保X 新增比对结果 5 户",
        "系统 批量写入救助线索：批量登记救助线索 1 条", "系统 批量写入政策比对结果：政策找人：特困Y 新增比对结果 1 户",
    ]
    assert entries[0].change_rows == [("新建线索", None, "4"), ("已有线索", None, "1")]
    assert entries[1].change_rows == [("家庭数", None, "5"), ("新建线索", None, "4")]

    before, log_count = snapshot(), LogEntry.objects.count()
    again = services.policy_match_run()
    assert (again.matched, again.leads_opened, again.stale_policies) == (0, 0, [])
    assert snapshot() == before and LogEntry.objects.count() == log_count


def test_small_batches_give_the_same_result_as_one_batch(world):
    stats = services.policy_match_run(batch_size=2)
    assert stats.matched == 6 and stats.leads_opened == 5
    matches, leads = snapshot()
    assert {v[2] for v in matches.values()} <= {str(pk) for pk in leads}
    assert len(leads) == 2 + 5  # the two leads of the fixture and five new ones
    # dibao's five households in batches of two: three batches, each with its two audit entries; tekun one.
    entries = bulk_entries()
    assert len(entries) == 8
    assert sum(e.additional_data.get("households", 0) for e in entries) == 6
    assert sum(e.additional_data.get("leads_created", 0) for e in entries) == 5
    assert services.policy_match_run(batch_size=2).matched == 0 and len(bulk_entries()) == 8


def _low_income_households(demo, n):
    """A 低保 policy of the district and n households whose income is under its standard."""
    factories.standard(demo.district, "1330")
    policy(demo, "dibao-x", "低保X", "dibao", [demo.district])
    for _i in range(n):
        factories.household(demo.village_a, income="1000")


@pytest.mark.parametrize("n", [3, 45])
def test_the_query_count_of_a_run_does_not_grow_with_the_households(demo, n, django_assert_max_num_queries):
    """One batch of 3 or of 45 new matches costs the same queries; nothing is asked per household."""
    _low_income_households(demo, n)
    warm_content_types()
    with django_assert_max_num_queries(18):
        stats = services.policy_match_run()
    assert stats.matched == n and stats.leads_opened == n
    with django_assert_max_num_queries(7):
        assert services.policy_match_run().matched == 0


@pytest.mark.parametrize("n", [6, 30])
def test_the_query_count_grows_by_batch_only(demo, n, django_assert_max_num_queries):
    """Batches of 3: a fixed number of queries per batch, whatever the households in it."""
    _low_income_households(demo, n)
    batches = n // 3
    warm_content_types()
    with django_assert_max_num_queries(7 + 11 * batches):
        stats = services.policy_match_run(batch_size=3)
    assert stats.matched == n and stats.leads_opened == n


def test_a_household_matched_meanwhile_by_another_run_gets_nothing_more(world):
    """A concurrent run that matches a household after this run read its candidates (and before this batch
    took the policy lock) leaves that household alone here: no second match, no lead, not counted."""
    from django.db import connection
    from django.utils import timezone

    dibao, h = world["dibao"], world["h"]
    state = {"done": False}

    def concurrent_run_commits_after_the_candidates(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if not state["done"] and sql.startswith('SELECT "households_household"."id"') and "plans_policymatch" in sql:
            state["done"] = True
            PolicyMatch.objects.create(household=h["a"], policy=dibao, policy_version=dibao.version,
                                       reason="另一次比对", lead_ref="", matched_at=timezone.now())
        return result

    with connection.execute_wrapper(concurrent_run_commits_after_the_candidates):
        stats = services.policy_match_run(policy_ids=[dibao.pk])
    assert state["done"]
    assert stats.matched == 4 and stats.leads_opened == 3  # b, c, pushed (its lead exists), hotline
    assert PolicyMatch.objects.get(household=h["a"]).reason == "另一次比对"
    assert not Lead.objects.filter(household=h["a"]).exists()
    lead_entry, match_entry = bulk_entries()
    assert (lead_entry.additional_data["leads_created"], lead_entry.additional_data["leads_existing"]) == (3, 1)
    assert match_entry.additional_data["households"] == 4
