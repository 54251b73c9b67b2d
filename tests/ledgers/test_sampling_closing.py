"""Supervision sampling, the monthly closing (through a real Celery worker), snapshots and export jobs."""
import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from ledgers import home, services
from ledgers.models import CheckResult, ExportStatus, LedgerExport, LedgerSnapshot, SampleItem, SamplingDraw

from tests.households.factories import make_household

from .factories import give_assistance, put_on_roster
from .helpers import open_xlsx, post_ledger, table

pytestmark = pytest.mark.django_db


@pytest.fixture
def recipients(demo):
    records = []
    for i, village in enumerate([demo.village_a, demo.village_b, demo.village_c] * 5):
        records.append(give_assistance(make_household(village, head_name=f"对象{i}"), "dibao",
                                       start=dt.date(2024, 2, 1 + i)))
    give_assistance(make_household(demo.village_a), "dibao", start=dt.date(2023, 12, 31))  # previous quarter
    return records


def test_sampling_is_reproducible_from_the_stored_seed(client, demo, recipients):
    client.force_login(demo.district_official)
    response = client.post(reverse("ledgers:sampling"), {"year": 2024, "quarter": 1, "size_mode": "percent",
                                                         "size_value": 20})
    draw = SamplingDraw.objects.get()
    assert response.status_code == 302
    assert sorted(draw.population_ids) == sorted(r.pk for r in recipients)
    items = list(draw.items.order_by("assistance_id"))
    assert len(items) == 3  # 20% of 15
    again = services.draw_sample(draw.seed, draw.population_ids, len(items))
    assert again == [i.assistance_id for i in items]
    assert services.draw_sample(draw.seed, list(reversed(draw.population_ids)), 3) == again
    page = client.get(reverse("ledgers:sampling_detail", kwargs={"pk": draw.pk})).content.decode()
    assert "按种子重新抽取，结果一致" in page
    # A second draw for the same quarter is refused with a message.
    response = client.post(reverse("ledgers:sampling"), {"year": 2024, "quarter": 1, "size_mode": "count",
                                                         "size_value": 2})
    assert "已经抽取过" in response.content.decode() and SamplingDraw.objects.count() == 1


def test_check_results_per_township(client, demo, recipients):
    draw = services.sampling_draw(actor=demo.district_official, district=demo.district, year=2024, quarter=1,
                                  size_mode="count", size_value=15, seed="fixed")
    client.force_login(demo.district_official)
    items = list(draw.items.all())
    url = lambda item: reverse("ledgers:sample_check", kwargs={"pk": item.pk})
    response = client.post(url(items[0]), {f"i{items[0].pk}-result": "error", f"i{items[0].pk}-note": ""},
                           follow=True)
    items[0].refresh_from_db()
    assert items[0].result == CheckResult.PENDING  # an error needs a note
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    # Pressing 记录 without choosing a result records nothing (the form offers no pre-selected 准确).
    response = client.post(url(items[1]), {f"i{items[1].pk}-note": ""}, follow=True)
    items[1].refresh_from_db()
    assert items[1].result == CheckResult.PENDING
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    page = client.get(reverse("ledgers:sampling_detail", kwargs={"pk": draw.pk})).content.decode()
    assert "请选择核查结果" in page
    client.post(url(items[0]), {f"i{items[0].pk}-result": "error", f"i{items[0].pk}-note": "收入超标"})
    client.post(url(items[1]), {f"i{items[1].pk}-result": "correct"})
    items[0].refresh_from_db()
    assert items[0].result == CheckResult.ERROR and items[0].checked_by == demo.district_official
    results = {r["township_id"]: r for r in services_results(draw)}
    for township_id, row in results.items():
        expected = SampleItem.objects.filter(draw=draw, township_id=township_id)
        assert row["total"] == expected.count()
        assert row["error"] == expected.filter(result="error").count()
        assert row["correct"] == expected.filter(result="correct").count()
    page = client.get(reverse("ledgers:sampling_detail", kwargs={"pk": draw.pk})).content.decode()
    assert demo.village_c.parent.name in page


def services_results(draw):
    from ledgers.selectors import sampling_results

    return sampling_results(draw)


def test_sampling_bad_input(client, demo):
    client.force_login(demo.district_official)
    response = client.post(reverse("ledgers:sampling"), {"year": 2024, "quarter": 1, "size_mode": "percent",
                                                         "size_value": 150})
    assert "比例不能超过100%" in response.content.decode()
    response = client.post(reverse("ledgers:sampling"), {"year": 2024, "quarter": 1, "size_mode": "count",
                                                         "size_value": 3})
    assert "没有新增救助对象" in response.content.decode()
    response = client.post(reverse("ledgers:sampling"), {"year": timezone.localdate().year + 1, "quarter": 1,
                                                         "size_mode": "count", "size_value": 3})
    assert "尚未开始" in response.content.decode()
    client.force_login(demo.township1)
    assert client.get(reverse("ledgers:sampling")).status_code == 403


def test_snapshot_is_immutable_and_checked_on_download(client, demo):
    snapshot = services.snapshot_create(township=demo.township1.jurisdiction, month=dt.date(2024, 3, 1))
    assert services.snapshot_create(township=demo.township1.jurisdiction, month=dt.date(2024, 3, 1)) is None
    snapshot.rows = 99
    with pytest.raises(ValidationError):
        snapshot.save()
    with pytest.raises(ValidationError):
        snapshot.delete()
    with pytest.raises(ValidationError):
        LedgerSnapshot.objects.filter(pk=snapshot.pk).update(rows=5)
    with pytest.raises(ValidationError):
        LedgerSnapshot.objects.filter(pk=snapshot.pk).delete()
    client.force_login(demo.township1)
    response = client.get(reverse("ledgers:snapshot_download", kwargs={"pk": snapshot.pk}))
    wb = open_xlsx(response)
    assert wb.sheetnames[0] == "汇总" and "系统（月末自动月结）" in wb.active["A2"].value
    # Tampering with the stored file is detected: no download, a clear message.
    with open(snapshot.file.path, "ab") as fh:
        fh.write(b"x")
    response = client.get(reverse("ledgers:snapshot_download", kwargs={"pk": snapshot.pk}))
    assert response.status_code == 409 and "校验值不一致" in response.content.decode()
    client.force_login(demo.township2)
    assert client.get(reverse("ledgers:snapshot_download", kwargs={"pk": snapshot.pk})).status_code == 404


def test_township_closes_month_and_district_board_shows_it(client, demo):
    client.force_login(demo.township1)
    month = f"{timezone.localdate():%Y-%m}"
    response = client.post(reverse("ledgers:closing"), {"township": demo.township1.jurisdiction.pk,
                                                        "kind": "monthly", "month": month})
    assert response.status_code == 302
    snapshot = LedgerSnapshot.objects.get()
    assert snapshot.created_by == demo.township1
    response = client.post(reverse("ledgers:closing"), {"township": demo.township1.jurisdiction.pk,
                                                        "kind": "monthly", "month": month}, follow=True)
    assert "不可修改" in response.content.decode() and LedgerSnapshot.objects.count() == 1
    response = client.post(reverse("ledgers:closing"), {"township": demo.township2.jurisdiction.pk,
                                                        "kind": "monthly", "month": month})
    assert response.status_code == 404
    client.force_login(demo.district_official)
    page = client.get(reverse("ledgers:closing")).content.decode()
    assert reverse("ledgers:snapshot_download", kwargs={"pk": snapshot.pk}) in page
    for township in demo.townships:
        assert township.name in page


def test_closing_reminders_on_the_township_home_page(demo):
    user = demo.township1
    cards = home.cards(user, today=dt.date(2024, 5, 29))
    assert [c.title for c in cards] == ["本月救助台账待报送"]
    cards = home.cards(user, today=dt.date(2024, 6, 3))
    assert [c.title for c in cards] == ["上月归类汇总待报送"]
    services.snapshot_create(township=user.jurisdiction, month=dt.date(2024, 5, 1), kind="summary")
    assert home.cards(user, today=dt.date(2024, 6, 3)) == []
    assert home.cards(user, today=dt.date(2024, 6, 15)) == []
    assert home.cards(demo.caseworker_a, today=dt.date(2024, 5, 29)) == []


def test_large_export_runs_as_a_job_only_the_requester_can_download(client, demo, settings,
                                                                   django_capture_on_commit_callbacks):
    settings.RELIEF_LEDGER_ASYNC_ROWS = 2
    for i in range(3):
        put_on_roster(make_household(demo.village_a, head_name=f"户{i}"))
    client.force_login(demo.township1)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_ledger(client, demo.township1.jurisdiction)
    job = LedgerExport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("ledgers:job", kwargs={"pk": job.pk})
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE and job.rows_done == 3  # eager in ordinary tests
    page = client.get(reverse("ledgers:job", kwargs={"pk": job.pk}), HTTP_HX_REQUEST="true").content.decode()
    assert "job-download" in page and "<html" not in page
    download = client.get(reverse("ledgers:job_download", kwargs={"pk": job.pk}))
    _, rows = table(open_xlsx(download).active)
    assert len(rows) == 3
    other = demo.users["township3"]
    client.force_login(other)
    assert client.get(reverse("ledgers:job_download", kwargs={"pk": job.pk})).status_code == 404
    client.force_login(demo.township1)
    LedgerExport.objects.filter(pk=job.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    response = client.get(reverse("ledgers:job_download", kwargs={"pk": job.pk}))
    assert response.status_code == 410 and "已过期" in response.content.decode()
    assert services.ledger_exports_purge() == 1
    job.refresh_from_db()
    assert not job.file


@pytest.mark.worker
def test_month_end_closing_through_a_real_worker(celery_worker, demo):
    from ledgers.tasks import close_month

    put_on_roster(make_household(demo.village_a))
    result = close_month.delay(month="2024-02-01")
    assert result.get(timeout=60) == len(demo.townships)
    assert LedgerSnapshot.objects.filter(month=dt.date(2024, 2, 1)).count() == len(demo.townships)
    assert close_month.delay(month="2024-02-01").get(timeout=60) == 0  # idempotent
    # On an ordinary day the beat run does nothing; on the last day of the month it closes the month.
    assert close_month.delay().get(timeout=60) in (0, len(demo.townships))


@pytest.mark.worker
def test_export_job_through_a_real_worker(celery_worker, demo, client, settings):
    settings.RELIEF_LEDGER_ASYNC_ROWS = 1
    for i in range(3):
        put_on_roster(make_household(demo.village_a, head_name=f"户{i}"))
    client.force_login(demo.township1)
    post_ledger(client, demo.township1.jurisdiction)
    job = LedgerExport.objects.get()
    import time

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status in (ExportStatus.DONE, ExportStatus.FAILED):
            break
        time.sleep(0.3)
    assert job.status == ExportStatus.DONE, job.error
    _, rows = table(open_xlsx(client.get(reverse("ledgers:job_download", kwargs={"pk": job.pk}))).active)
    assert len(rows) == 3
