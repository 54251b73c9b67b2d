"""Department data comparison → leads (部门数据比对转线索): one row or a whole batch, with its source, once."""
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.urls import reverse

from imports import services as imports
from imports.models import FeedMatch, FeedRecord, ImportStatus
from referrals import services
from referrals.models import Lead, LeadChannel
from referrals.models_feed import FeedLead
from tests.conftest import skip_or_fail
from tests.imports.helpers import FEED_HEADERS, id_for, xlsx_bytes

pytestmark = pytest.mark.django_db


def feed_batch(actor, rows, feed_kind="medical_self_pay", data_date="2026-11-20"):
    """A department list confirmed as staff confirm it (upload → dry run → confirm → import)."""
    import datetime as dt

    batch = imports.batch_upload(actor=actor, kind="feed", feed_kind=feed_kind,
                                 data_date=dt.date.fromisoformat(data_date),
                                 upload=SimpleUploadedFile("名单.xlsx", xlsx_bytes(FEED_HEADERS, rows)))
    batch = imports.batch_validate(batch_id=batch.pk)
    assert batch.status == ImportStatus.READY, batch.errors
    imports.batch_confirm(actor=actor, batch=batch)
    batch = imports.batch_import(batch_id=batch.pk)
    assert batch.status == ImportStatus.DONE
    return batch


def rows_of(demo):
    return [{"姓名": "钱美华", "身份证号": id_for(301), "村/社区": demo.village_a.name, "联系电话": "13900000001",
             "情况说明": "化疗自付 5 万元", "登记日期": "2026-11-01"},
            {"姓名": "孙立强", "身份证号": id_for(302), "村/社区": demo.village_b.name},
            {"姓名": "吴国平", "身份证号": id_for(303)}]


def test_one_row_becomes_a_lead_with_its_source_and_only_once(demo):
    """The lead says which department, list, batch and row it came from; a second click returns the same lead."""
    batch = feed_batch(demo.township1, rows_of(demo))
    record = FeedRecord.objects.get(batch=batch, row_number=2)
    lead = services.feed_record_to_lead(actor=demo.township1, record=record)
    assert lead.was_created and lead.channel == LeadChannel.FEED and lead.village == demo.village_a
    assert lead.subject_name == "钱美华" and lead.source_ref == f"feed:{batch.pk}:2"
    assert "医保办" in lead.description and "医疗自付过高" in lead.description
    assert f"导入记录 #{batch.pk} 第 2 行" in lead.description and "化疗自付 5 万元" in lead.description
    assert id_for(301) not in lead.description  # the ID number is masked in the text
    assert "13900000001" not in lead.description and "139****0001" in lead.description  # and the phone
    again = services.feed_record_to_lead(actor=demo.township1, record=record.pk)
    assert again.pk == lead.pk and not again.was_created
    assert Lead.objects.filter(channel=LeadChannel.FEED).count() == 1
    assert FeedLead.objects.get(record=record).lead == lead
    record.refresh_from_db()
    assert record.reviewed_by == demo.township1 and f"线索{lead.pk}" in record.review_note


def test_a_row_without_a_village_needs_one_of_the_batch_township(demo):
    batch = feed_batch(demo.township1, rows_of(demo))
    record = FeedRecord.objects.get(batch=batch, row_number=4)
    with pytest.raises(services.ReferralError) as err:
        services.feed_record_to_lead(actor=demo.township1, record=record)
    assert "请选择此人所在的村/社区" in str(err.value)
    with pytest.raises(services.ReferralError):
        services.feed_record_to_lead(actor=demo.township1, record=record, village=demo.village_c)
    lead = services.feed_record_to_lead(actor=demo.township1, record=record, village=demo.village_b)
    assert lead.village == demo.village_b


def test_a_whole_batch_at_once_skips_rows_done_and_rows_without_village(demo):
    batch = feed_batch(demo.township1, rows_of(demo))
    first = services.feed_record_to_lead(actor=demo.township1, record=FeedRecord.objects.get(batch=batch, row_number=2))
    raised = services.feed_batch_to_leads(actor=demo.township1, batch=batch)
    assert (raised.created, raised.existing, raised.without_village) == (1, 0, 1)
    assert Lead.objects.filter(channel=LeadChannel.FEED).count() == 2
    assert FeedLead.objects.filter(record__batch=batch).count() == 2
    assert FeedLead.objects.get(record__row_number=2, record__batch=batch).lead == first
    again = services.feed_batch_to_leads(actor=demo.township1, batch=batch.pk)
    assert (again.created, again.without_village) == (0, 1)
    assert Lead.objects.filter(channel=LeadChannel.FEED).count() == 2


def test_matched_rows_and_unconfirmed_batches_make_no_lead(demo):
    from tests.households.factories import make_household

    household = make_household(demo.village_a)
    member = household.members.first()
    batch = feed_batch(demo.township1, [{"姓名": member.name, "身份证号": member.id_number}])
    record = FeedRecord.objects.get(batch=batch)
    assert record.match == FeedMatch.MATCHED
    with pytest.raises(services.ReferralError):
        services.feed_record_to_lead(actor=demo.township1, record=record)
    pending = imports.batch_upload(actor=demo.township1, kind="feed", feed_kind="unemployed",
                                   data_date=batch.data_date, upload=SimpleUploadedFile(
                                       "b.xlsx", xlsx_bytes(FEED_HEADERS, rows_of(demo))))
    with pytest.raises(services.ReferralError):
        services.feed_batch_to_leads(actor=demo.township1, batch=pending)


def test_jurisdiction_other_township_and_caseworkers_get_404(client, demo):
    """Township 2 and village caseworkers cannot raise township 1's rows: 404, and nothing is written."""
    from django.http import Http404

    batch = feed_batch(demo.township1, rows_of(demo))
    record = FeedRecord.objects.get(batch=batch, row_number=2)
    for actor in (demo.township2, demo.caseworker_a):
        with pytest.raises(Http404):
            services.feed_record_to_lead(actor=actor, record=record)
        with pytest.raises(Http404):
            services.feed_batch_to_leads(actor=actor, batch=batch)
        client.force_login(actor)
        assert client.post(reverse("referrals:feed_row_lead", kwargs={"pk": record.pk})).status_code == 404
        assert client.post(reverse("referrals:feed_batch_leads", kwargs={"pk": batch.pk})).status_code == 404
    assert not Lead.objects.filter(channel=LeadChannel.FEED).exists()
    client.force_login(demo.township2)
    assert "钱美华" not in client.get(reverse("referrals:feed_rows")).content.decode()


def test_the_page_lists_pending_rows_and_a_double_post_raises_one_lead(client, demo, django_assert_max_num_queries):
    batch = feed_batch(demo.township1, rows_of(demo))
    record = FeedRecord.objects.get(batch=batch, row_number=2)
    client.force_login(demo.township1)
    url = reverse("referrals:feed_rows")
    client.get(url)
    with django_assert_max_num_queries(16):
        page = client.get(url)
    assert [r.name for r in page.context["page"]] == ["钱美华", "孙立强", "吴国平"]
    body = page.content.decode()
    assert id_for(301) not in body and "本批 2 人全部转为线索" in body
    for _ in range(2):  # a double click
        response = client.post(reverse("referrals:feed_row_lead", kwargs={"pk": record.pk}), {"next": url})
        assert response.status_code == 302
    assert Lead.objects.filter(channel=LeadChannel.FEED).count() == 1
    assert [r.name for r in client.get(url).context["page"]] == ["孙立强", "吴国平"]
    done = client.get(url + "?state=done").content.decode()
    assert "钱美华" in done and "已转为线索" in done
    client.post(reverse("referrals:feed_batch_leads", kwargs={"pk": batch.pk}), {"next": url})
    assert [r.name for r in client.get(url).context["page"]] == ["吴国平"]
    # The district reads the rows and their leads but raises none.
    client.force_login(demo.district_official)
    page = client.get(url + "?state=all").content.decode()
    assert "钱美华" in page and "feed-row-to-lead" not in page


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_staff_clicking_at_once_raise_one_lead(demo, make_staff):
    """The row is locked: two concurrent clicks (two township staff) store one lead and one link."""
    if connection.vendor != "postgresql":
        skip_or_fail("the row-lock test needs PostgreSQL (DATABASE_URL=postgres://...)")
    from relief.models import Role

    batch = feed_batch(demo.township1, rows_of(demo))
    record = FeedRecord.objects.get(batch=batch, row_number=2)
    second = make_staff(Role.TOWNSHIP, demo.township1.jurisdiction)
    barrier = threading.Barrier(2)
    results = []

    def click(actor, batch_wide):
        try:
            barrier.wait(timeout=10)
            if batch_wide:
                results.append(services.feed_batch_to_leads(actor=actor, batch=batch.pk).created)
            else:
                results.append(int(services.feed_record_to_lead(actor=actor, record=record.pk).was_created))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=click, args=(demo.township1, False)),
               threading.Thread(target=click, args=(second, True))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(results) == 2
    assert FeedLead.objects.filter(record=record).count() == 1
    assert Lead.objects.filter(dedupe_key=f"feed:{record.pk}").count() == 1
    assert Lead.objects.filter(channel=LeadChannel.FEED).count() == 2  # row 2 once, row 3 by the batch


def test_the_batch_button_counts_only_rows_the_batch_can_turn_at_once(demo):
    """A row whose village is no longer in the batch's township (the row was kept as imported, the village was
    regrouped since) is left for one-by-one, so the button's figure leaves it out too: it is what the click raises."""
    from referrals.selectors_feed import feed_batches_for

    batch = feed_batch(demo.township1, rows_of(demo))
    FeedRecord.objects.filter(batch=batch, row_number=3).update(village=demo.village_c)
    listed = feed_batches_for(demo.township1).get(pk=batch.pk)
    assert (listed.pending, listed.placed) == (3, 1)
    # The page says why the button raises fewer than are waiting.
    from django.test import Client

    client = Client()
    client.force_login(demo.township1)
    page = client.get(reverse("referrals:feed_rows")).content.decode()
    assert "本批 1 人全部转为线索" in page
    assert "待转的 3 人中只有 1 人已知所在村/社区" in page.split('data-testid="feed-batch-unplaced"')[1]
    raised = services.feed_batch_to_leads(actor=demo.township1, batch=batch)
    assert listed.placed == raised.created == 1 and raised.without_village == 2
