"""Department data comparison (数据比对) and key-person roster imports."""
import datetime as dt

import pytest
from django.urls import reverse

from households.selectors import members_matching_id
from households import models as hh
from imports.models import FeedMatch, FeedRecord, ImportBatch, ImportStatus

from .helpers import FEED_HEADERS, HOUSEHOLD_HEADERS, ROSTER_HEADERS, household_row, id_for, upload, xlsx_bytes

pytestmark = pytest.mark.django_db


def _register(client, user, *heads, village="华一居委会"):
    client.force_login(user)
    rows = [household_row(id_for(n), village=village, name=f"户主{n}") for n in heads]
    client.post(reverse("imports:index"), {"kind": "households", "file": upload(xlsx_bytes(HOUSEHOLD_HEADERS, rows))})
    batch = ImportBatch.objects.latest("pk")
    client.post(reverse("imports:confirm", kwargs={"pk": batch.pk}))
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportStatus.DONE


def test_feed_matches_members_and_keeps_unmatched_rows_as_leads(client, demo, django_assert_max_num_queries):
    _register(client, demo.township1, 1, 3)
    _register(client, demo.township2, 5, village=demo.village_c.name)
    client.force_login(demo.township1)
    rows = [{"姓名": "户主1", "身份证号": id_for(1), "情况说明": "登记失业", "登记日期": "2024/3/5"},
            {"姓名": "陌生人", "身份证号": id_for(7), "村/社区": "华一居委会", "联系电话": "13900000000"},
            # Registered in township 2: not township 1's to act on, so listed as not found here.
            {"姓名": "户主5", "身份证号": id_for(5)}]
    response = client.post(reverse("imports:index"), {
        "kind": "feed", "file": upload(xlsx_bytes(FEED_HEADERS, rows)), "feed_kind": "unemployed",
        "source_department": "", "data_date": "2024-03-06"})
    batch = ImportBatch.objects.latest("pk")
    assert response.status_code == 302, response.content.decode()[:500]
    assert batch.status == ImportStatus.READY and (batch.matched_count, batch.unmatched_count) == (1, 2)
    assert batch.source_department == "社保所"
    assert FeedRecord.objects.count() == 0
    client.post(reverse("imports:confirm", kwargs={"pk": batch.pk}))
    event = hh.HouseholdEvent.objects.get(kind=hh.EventKind.FEED_MATCH)
    assert event.source == hh.EventSource.FEED and event.source_ref == f"feed:{batch.pk}"
    assert event.member.id_number == id_for(1) and event.data["feed_kind"] == "unemployed"
    assert event.data["occurred_on"] == "2024-03-05" and event.data["detail"] == "登记失业"
    unmatched = FeedRecord.objects.filter(match=FeedMatch.UNMATCHED).order_by("row_number")
    assert [r.name for r in unmatched] == ["陌生人", "户主5"]
    assert unmatched[0].village == demo.village_a

    # The first page a user opens also computes and stores the figures every page shows (relief/figure_cache.py).
    client.get(reverse("imports:leads"))
    with django_assert_max_num_queries(12):  # a fixed number, whatever the number of rows
        page = client.get(reverse("imports:leads")).content.decode()
    assert "陌生人" in page and "户主5" in page and id_for(7) not in page  # masked
    # Township 2 sees none of township 1's leads.
    client.force_login(demo.township2)
    assert "陌生人" not in client.get(reverse("imports:leads")).content.decode()
    assert client.post(reverse("imports:lead_review", kwargs={"pk": unmatched[0].pk}),
                       {"review_note": "看看"}).status_code == 404
    # Township 1 records what it found; the lead leaves the unreviewed list.
    client.force_login(demo.township1)
    client.post(reverse("imports:lead_review", kwargs={"pk": unmatched[0].pk}), {"review_note": "已入户核实，已转办"})
    record = FeedRecord.objects.get(pk=unmatched[0].pk)
    assert record.reviewed_by == demo.township1 and record.review_note == "已入户核实，已转办"
    assert [r.name for r in client.get(reverse("imports:leads")).context["page"]] == ["户主5"]
    assert "陌生人" in client.get(reverse("imports:leads") + "?reviewed=yes").content.decode()
    # District officials read the leads, masked; they cannot record reviews.
    client.force_login(demo.district_official)
    assert "户主5" in client.get(reverse("imports:leads")).content.decode()


def test_feed_needs_kind_and_date(client, demo):
    client.force_login(demo.township1)
    response = client.post(reverse("imports:index"), {
        "kind": "feed", "file": upload(xlsx_bytes(FEED_HEADERS, [{"姓名": "甲", "身份证号": id_for(1)}]))})
    assert response.status_code == 400
    assert "须选择数据类型" in response.content.decode() and "须填写数据日期" in response.content.decode()
    assert ImportBatch.objects.count() == 0


def test_roster_import_enters_and_adjusts_entries_with_history(client, demo):
    _register(client, demo.township1, 1, 3)
    client.force_login(demo.township1)
    rows = [{"户主身份证号": id_for(1), "对象类型": "救助预警", "关注原因": "独居老人、大重病", "纳入日期": "2024年3月5日",
             "责任协理员": "张丽"},
            {"户主身份证号": id_for(3), "对象类型": "救助缺失", "关注原因": "低保边缘"},
            {"户主身份证号": id_for(9), "对象类型": "救助缺失", "关注原因": "失业；其他类"}]
    client.post(reverse("imports:index"), {"kind": "roster", "file": upload(xlsx_bytes(ROSTER_HEADERS, rows))})
    batch = ImportBatch.objects.latest("pk")
    assert batch.status == ImportStatus.INVALID
    assert {(e[0], e[1]) for e in batch.errors} == {(4, "户主身份证号"), (4, "关注原因")}
    rows.pop()
    client.post(reverse("imports:index"), {"kind": "roster", "file": upload(xlsx_bytes(ROSTER_HEADERS, rows))})
    batch = ImportBatch.objects.latest("pk")
    assert batch.status == ImportStatus.READY and batch.new_count == 2
    client.post(reverse("imports:confirm", kwargs={"pk": batch.pk}))
    entry = hh.RosterEntry.objects.get(household__members__in=members_matching_id(id_for(1)))
    assert entry.entered_on == dt.date(2024, 3, 5) and entry.caseworker == demo.caseworker_a
    assert set(entry.reasons.values_list("code", flat=True)) == {"elderly_alone", "serious_illness"}
    assert entry.changes.get().kind == hh.RosterChangeKind.ENTERED
    assert hh.HouseholdEvent.objects.filter(kind=hh.EventKind.ROSTER_ENTERED, source="import").count() == 2

    rows[0]["关注原因"] = "独居老人"
    rows[0]["对象类型"] = "救助不充分"
    client.post(reverse("imports:index"), {"kind": "roster", "file": upload(xlsx_bytes(ROSTER_HEADERS, rows))})
    batch = ImportBatch.objects.latest("pk")
    assert (batch.new_count, batch.updated_count, batch.unchanged_count) == (0, 1, 1)
    client.post(reverse("imports:confirm", kwargs={"pk": batch.pk}))
    entry.refresh_from_db()
    assert entry.target_kind == hh.TargetKind.INSUFFICIENT and entry.version == 2
    assert list(entry.reasons.values_list("code", flat=True)) == ["elderly_alone"]
    change = entry.changes.get(kind=hh.RosterChangeKind.CHANGED)
    assert change.changes["target_kind"] == ["warning", "insufficient"]
    assert change.changes["reasons"][1] == ["elderly_alone"]
