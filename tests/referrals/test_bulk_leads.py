"""referrals.services.lead_create_many: set-based lead registration for jobs (policy match, department feeds)."""
import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from referrals import services
from referrals.models import Lead, LeadChannel
from referrals.services import LeadDraft
from tests.households.factories import make_household

pytestmark = pytest.mark.django_db


def drafts(households, prefix="feed"):
    return [LeadDraft(channel=LeadChannel.FEED, household_id=h.pk, description="部门数据比对：疑似困难",
                      dedupe_key=f"{prefix}:{h.pk}", source_ref="批次2026-01") for h in households]


def bulk_entries():
    return list(LogEntry.objects.filter(additional_data__event="bulk_write").order_by("pk"))


def test_creates_leads_in_order_with_the_households_village_and_one_audit_entry(demo):
    a, b = make_household(demo.village_a), make_household(demo.village_c)
    leads = services.lead_create_many(actor=None, leads=drafts([a, b]), audit_detail={"source": "test"})
    assert [lead.household_id for lead in leads] == [a.pk, b.pk]
    assert [lead.village_id for lead in leads] == [demo.village_a.pk, demo.village_c.pk]
    assert all(lead.was_created and lead.pk for lead in leads)
    stored = Lead.objects.get(pk=leads[0].pk)
    assert stored.dedupe_key == f"feed:{a.pk}" and stored.status == "new" and stored.source_ref == "批次2026-01"
    [entry] = bulk_entries()
    assert entry.additional_data["leads_created"] == 2 and entry.additional_data["source"] == "test"
    assert entry.additional_data["lead_ids"] == sorted(lead.pk for lead in leads)


def test_existing_and_repeated_keys_return_the_existing_lead(demo):
    a, b = make_household(demo.village_a), make_household(demo.village_a)
    first = services.lead_create(actor=None, channel=LeadChannel.FEED, household=a, description="已有线索",
                                 dedupe_key=f"feed:{a.pk}")
    leads = services.lead_create_many(actor=None, leads=drafts([a, b, b]))
    assert leads[0].pk == first.pk and leads[0].was_created is False
    assert leads[1].was_created and leads[2].pk == leads[1].pk
    assert Lead.objects.count() == 2
    again = services.lead_create_many(actor=None, leads=drafts([a, b]))
    assert not any(lead.was_created for lead in again) and Lead.objects.count() == 2
    assert len(bulk_entries()) == 1  # nothing created the second time, nothing audited


def test_the_query_count_does_not_grow_with_the_number_of_leads(demo):
    few = [make_household(demo.village_a) for _i in range(2)]
    many = [make_household(demo.village_b) for _i in range(25)]
    with CaptureQueriesContext(connection) as small:
        services.lead_create_many(actor=None, leads=drafts(few))
    with CaptureQueriesContext(connection) as large:
        services.lead_create_many(actor=None, leads=drafts(many))
    assert len(large.captured_queries) == len(small.captured_queries) <= 8
    assert Lead.objects.count() == 27


def test_one_bad_draft_stores_nothing_and_names_the_draft(demo):
    a = make_household(demo.village_a)
    bad = LeadDraft(channel=LeadChannel.HOTLINE, village_id=demo.village_a.pk, description="独居老人无人照料")
    with pytest.raises(ValidationError) as exc:
        services.lead_create_many(actor=None, leads=[*drafts([a]), bad])
    assert "第2条线索" in exc.value.message_dict["subject_name"][0]
    with pytest.raises(ValidationError) as exc:
        services.lead_create_many(actor=None, leads=[LeadDraft(channel="fax", household_id=a.pk, description="x")])
    assert "线索来源" in exc.value.message_dict["channel"][0]
    with pytest.raises(ValidationError) as exc:
        services.lead_create_many(actor=None, leads=[LeadDraft(channel=LeadChannel.FEED, household_id=a.pk,
                                                               village_id=demo.village_b.pk, description="x")])
    assert "不在该村" in exc.value.message_dict["village"][0]
    with pytest.raises(ValidationError) as exc:
        services.lead_create_many(actor=None, leads=[LeadDraft(channel=LeadChannel.FEED, subject_name="王某",
                                                               village_id=demo.townships[0].pk, description="x")])
    assert "具体的村" in exc.value.message_dict["village"][0]
    assert not Lead.objects.exists() and not bulk_entries()


def test_an_actor_registers_only_inside_their_jurisdiction(demo):
    a, c = make_household(demo.village_a), make_household(demo.village_c)
    with pytest.raises(Http404):
        services.lead_create_many(actor=demo.township1, leads=drafts([a, c]))
    assert not Lead.objects.exists()
    leads = services.lead_create_many(actor=demo.township1, leads=[
        *drafts([a]), LeadDraft(channel=LeadChannel.HOTLINE, village_id=demo.village_b.pk, subject_name="王某",
                                subject_address="长宁路2号", description="热线反映：独居老人无人照料")])
    assert all(lead.received_by == demo.township1 for lead in leads)
    assert Lead.objects.filter(dedupe_key__isnull=True, subject_name="王某").exists()
    assert bulk_entries()[-1].actor == demo.township1


# ---------------------------------------------------------------- lead_create_for_households (set-based)
FIELDS_ALIKE = ["channel", "reporter_name", "reporter_contact", "subject_name", "subject_address", "description",
                "urgency", "status", "received_by_id", "looked_into_by_id", "looked_into_at", "close_reason",
                "closed_by_id", "closed_at", "source_ref", "version"]


def for_households(households, actor=None, prefix="feed:", **extra):
    return services.lead_create_for_households(
        actor=actor, household_ids=[h.pk for h in households], channel=LeadChannel.FEED,
        description=" 部门数据比对：疑似困难 ", dedupe_prefix=prefix, source_ref="批次2026-01", **extra)


def test_for_households_writes_the_leads_lead_create_many_writes(demo):
    """The same rows as lead_create_many's for the same drafts, and the same audit entry."""
    a, b = make_household(demo.village_a), make_household(demo.village_c)
    c, d = make_household(demo.village_a), make_household(demo.village_c)
    by_drafts = services.lead_create_many(actor=None, leads=drafts([a, b]), audit_detail={"source": "test"})
    opened = for_households([c, d], audit_detail={"source": "test"})
    assert opened.existing == 0 and len(opened.created_ids) == 2
    made = {lead.household_id: lead for lead in Lead.objects.filter(pk__in=opened.created_ids)}
    assert {h: (lead.village_id, lead.dedupe_key) for h, lead in made.items()} == {
        c.pk: (demo.village_a.pk, f"feed:{c.pk}"), d.pk: (demo.village_c.pk, f"feed:{d.pk}")}
    reference = Lead.objects.get(pk=by_drafts[0].pk)
    for lead in made.values():
        assert [getattr(lead, f) for f in FIELDS_ALIKE] == [getattr(reference, f) for f in FIELDS_ALIKE]
        assert lead.received_at == lead.created_at == lead.updated_at
    first, second = bulk_entries()
    assert (second.object_repr, second.actor_id, second.content_type_id) == (
        first.object_repr, first.actor_id, first.content_type_id)
    assert second.additional_data == {**first.additional_data, "lead_ids": sorted(opened.created_ids)}


def test_for_households_keeps_a_taken_key_and_a_repeat_opens_nothing(demo):
    a, b = make_household(demo.village_a), make_household(demo.village_b)
    first = services.lead_create(actor=None, channel=LeadChannel.VISIT, household=a, description="已有线索",
                                 dedupe_key=f"feed:{a.pk}")
    opened = for_households([a, b, b])
    assert opened.existing == 1 and len(opened.created_ids) == 1
    assert Lead.objects.get(pk=first.pk).channel == LeadChannel.VISIT  # untouched
    [entry] = bulk_entries()
    assert (entry.additional_data["leads_created"], entry.additional_data["leads_existing"]) == (1, 1)
    again = for_households([a, b])
    assert again.created_ids == [] and again.existing == 2
    assert Lead.objects.count() == 2 and len(bulk_entries()) == 1


def test_for_households_costs_the_same_for_2_or_25_households(demo, django_assert_max_num_queries):
    few = [make_household(demo.village_a) for _i in range(2)]
    many = [make_household(demo.village_b) for _i in range(25)]
    for_households(few)  # content types of the audit entry are cached from here on
    with django_assert_max_num_queries(5):  # savepoint, households, insert, audit, release
        for_households(few, prefix="other:")
    with django_assert_max_num_queries(5):
        assert len(for_households(many).created_ids) == 25


def test_for_households_refuses_the_lot_for_one_bad_household(demo):
    a = make_household(demo.village_a)
    with pytest.raises(ValidationError) as exc:
        services.lead_create_for_households(actor=None, household_ids=[a.pk, 999_999], channel=LeadChannel.FEED,
                                            description="x", dedupe_prefix="feed:")
    assert "第2条线索" in exc.value.message_dict["household"][0]
    with pytest.raises(ValidationError) as exc:
        services.lead_create_for_households(actor=None, household_ids=[a.pk], channel="fax", description="x",
                                            dedupe_prefix="feed:")
    assert "线索来源" in exc.value.message_dict["channel"][0]
    with pytest.raises(ValidationError) as exc:
        services.lead_create_for_households(actor=None, household_ids=[a.pk], channel=LeadChannel.FEED,
                                            description="  ", dedupe_prefix="feed:")
    assert "困难情况" in exc.value.message_dict["description"][0]
    assert not Lead.objects.exists() and not bulk_entries()


def test_for_households_by_an_actor_stays_inside_their_jurisdiction(demo):
    a, c = make_household(demo.village_a), make_household(demo.village_c)
    with pytest.raises(Http404):
        for_households([a, c], actor=demo.township1)
    assert not Lead.objects.exists()
    opened = for_households([a], actor=demo.township1)
    assert Lead.objects.get(pk=opened.created_ids[0]).received_by == demo.township1
    assert bulk_entries()[-1].actor == demo.township1
