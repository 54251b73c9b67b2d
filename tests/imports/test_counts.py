"""The dry run's counts: every data row falls in exactly one of new / updated / unchanged / error.

A row with an error is counted only as an error, even when the member in it would be new, and even
when the error is found late (a household checked as a whole after all its rows were read).
"""
import pytest
from django.urls import reverse

from imports import services
from imports.models import ImportBatch, ImportStatus

from .helpers import (
    FEED_HEADERS, HOUSEHOLD_HEADERS, ROSTER_HEADERS, family, household_row, id_for, upload, xlsx_bytes,
)

pytestmark = pytest.mark.django_db


def _dry_run(user, kind, content) -> ImportBatch:
    batch = services.batch_upload(actor=user, kind=kind, upload=upload(content))
    return services.batch_validate(batch_id=batch.pk)


def _buckets(batch) -> tuple:
    return batch.new_count, batch.updated_count, batch.unchanged_count, batch.error_count


def _assert_adds_up(batch):
    assert batch.total_rows == batch.new_count + batch.updated_count + batch.unchanged_count + batch.error_count


def test_rows_with_errors_are_not_also_counted_as_new(demo):
    """Seven rows: a bad ID number and a bad relation are two error rows; the other five are new."""
    rows = family(1, 3) + family(11, 2) + family(21, 2)
    rows[1]["身份证号"] = rows[1]["身份证号"][:-1] + ("0" if rows[1]["身份证号"][-1] != "0" else "1")
    rows[4]["与户主关系"] = "邻居"
    batch = _dry_run(demo.township1, "households", xlsx_bytes(HOUSEHOLD_HEADERS, rows))
    assert batch.status == ImportStatus.INVALID
    assert batch.total_rows == 7
    assert _buckets(batch) == (5, 0, 0, 2)
    _assert_adds_up(batch)


def test_an_error_found_when_the_household_is_checked_as_a_whole_moves_its_row_to_errors(demo):
    """A new household without its head's own row is refused at its first row, which is then not new."""
    head = id_for(31)
    rows = family(1, 2) + [household_row(head, id_for(32), name="无户主行", relation="子女")]
    batch = _dry_run(demo.township1, "households", xlsx_bytes(HOUSEHOLD_HEADERS, rows))
    assert [e[:2] for e in batch.errors] == [[4, "户主身份证号"]]
    assert _buckets(batch) == (2, 0, 0, 1)
    _assert_adds_up(batch)


def test_updated_and_unchanged_rows_with_a_late_error_add_up(client, demo):
    """Re-importing a household: unchanged rows that become updated, and a row with an error, each once."""
    first = _dry_run(demo.township1, "households", xlsx_bytes(HOUSEHOLD_HEADERS, family(1, 3)))
    client.force_login(demo.township1)
    client.post(reverse("imports:confirm", kwargs={"pk": first.pk}))
    assert ImportBatch.objects.get(pk=first.pk).status == ImportStatus.DONE
    rows = family(1, 3, **{"家庭月人均收入（元）": "900"})  # a household change: all three rows updated
    rows[2]["就业状况"] = "外星"  # ...but this one has an error
    rows += [household_row(id_for(1), id_for(9), name="新成员", village="", address="")]
    batch = _dry_run(demo.township1, "households", xlsx_bytes(HOUSEHOLD_HEADERS, rows))
    assert batch.total_rows == 4
    assert _buckets(batch) == (1, 2, 0, 1)
    _assert_adds_up(batch)


def test_blank_rows_and_a_title_row_are_not_data_rows(demo):
    rows = family(1, 2) + [{}] + family(11, 1)
    batch = _dry_run(demo.township1, "households",
                     xlsx_bytes(HOUSEHOLD_HEADERS, rows, title_row="华阳路街道 家庭花名册"))
    assert batch.status == ImportStatus.READY
    assert batch.total_rows == 3 and _buckets(batch) == (3, 0, 0, 0)


def test_roster_and_feed_counts_add_up(client, demo):
    registered = _dry_run(demo.township1, "households", xlsx_bytes(HOUSEHOLD_HEADERS, family(1, 1) + family(3, 1)))
    client.force_login(demo.township1)
    client.post(reverse("imports:confirm", kwargs={"pk": registered.pk}))
    roster = [{"户主身份证号": id_for(1), "对象类型": "救助预警", "关注原因": "独居老人"},
              {"户主身份证号": id_for(3), "对象类型": "救助预警", "关注原因": "不存在的原因"},
              {"户主身份证号": id_for(77), "对象类型": "救助预警", "关注原因": "独居老人"}]
    batch = _dry_run(demo.township1, "roster", xlsx_bytes(ROSTER_HEADERS, roster))
    assert batch.total_rows == 3 and _buckets(batch) == (1, 0, 0, 2)
    _assert_adds_up(batch)

    feed = [{"姓名": "户主1", "身份证号": id_for(1)}, {"姓名": "陌生人", "身份证号": id_for(7)},
            {"姓名": "", "身份证号": id_for(8)}, {"姓名": "错号", "身份证号": "123"}]
    batch = services.batch_upload(actor=demo.township1, kind="feed", upload=upload(xlsx_bytes(FEED_HEADERS, feed)),
                                  feed_kind="unemployed")
    batch = services.batch_validate(batch_id=batch.pk)
    assert batch.total_rows == 4 and batch.error_count == 2
    assert (batch.matched_count, batch.unmatched_count) == (1, 1)
    assert batch.total_rows == batch.matched_count + batch.unmatched_count + batch.error_count


def test_the_page_shows_counts_that_add_up(client, demo):
    rows = family(1, 3) + family(11, 2) + family(21, 2)
    rows[4]["与户主关系"] = "邻居"
    client.force_login(demo.township1)
    client.post(reverse("imports:index"), {"kind": "households", "file": upload(xlsx_bytes(HOUSEHOLD_HEADERS, rows))})
    batch = ImportBatch.objects.get()
    page = client.get(reverse("imports:detail", kwargs={"pk": batch.pk})).content.decode()
    for testid, value in (("count-total", 7), ("count-new", 6), ("count-updated", 0), ("count-unchanged", 0),
                          ("count-errors", 1)):
        assert f'data-testid="{testid}">{value}<' in page, testid


def test_roster_reasons_whose_label_has_a_slash_are_read_whole(client, demo):
    """“失业/灵活就业” is one option of the template's list, not 失业 and 灵活就业; a slash still separates others."""
    registered = _dry_run(demo.township1, "households", xlsx_bytes(HOUSEHOLD_HEADERS, family(1, 1) + family(3, 1)))
    client.force_login(demo.township1)
    client.post(reverse("imports:confirm", kwargs={"pk": registered.pk}))
    roster = [{"户主身份证号": id_for(1), "对象类型": "救助预警", "关注原因": "失业/灵活就业、脱贫不稳定/返贫风险"},
              {"户主身份证号": id_for(3), "对象类型": "救助预警", "关注原因": "独居老人/大重病"}]
    batch = _dry_run(demo.township1, "roster", xlsx_bytes(ROSTER_HEADERS, roster))
    assert batch.status == ImportStatus.READY, batch.errors
    client.post(reverse("imports:confirm", kwargs={"pk": batch.pk}))
    from households.models import RosterEntry

    reasons = {entry.household.members.get(relation="head").id_number: sorted(t.code for t in entry.reasons.all())
               for entry in RosterEntry.objects.all()}
    assert reasons == {id_for(1): ["relapse_risk", "unemployed"], id_for(3): ["elderly_alone", "serious_illness"]}
