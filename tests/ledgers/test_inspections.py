"""乡不定期监督检查 (seed 004 §三(三)): a township records inspections of its villages with corrections by a date,
confirms them done once, and the table's numbers are the rows of the lists they open."""
import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from ledgers.models import Correction
from ledgers.services import correction_done, inspection_record

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
AGO = TODAY - dt.timedelta(days=40)


def _record(demo, village=None, actor=None, **extra):
    return inspection_record(actor=actor or demo.township1, village=village or demo.village_a, inspected_on=AGO,
                             inspectors="李站长、王协理员", subjects="走访台账", findings="3户走访未见本人无跟进",
                             corrections=extra.pop("corrections", [("补录跟进日期", AGO + dt.timedelta(days=10)),
                                                                   ("更新花名册", TODAY + dt.timedelta(days=5))]),
                             **extra)


def test_recording_refuses_what_is_wrong_in_chinese(demo):
    with pytest.raises(ValidationError, match="所属乡镇/街道的工作人员"):
        _record(demo, village=demo.village_c)  # township 1 inspecting township 2's village
    with pytest.raises(ValidationError, match="所属乡镇/街道的工作人员"):
        _record(demo, actor=demo.caseworker_a)
    with pytest.raises(ValidationError, match="整改期限不能早于检查日期"):
        _record(demo, corrections=[("补录", AGO - dt.timedelta(days=1))])
    with pytest.raises(ValidationError, match="检查日期不能晚于今天"):
        inspection_record(actor=demo.township1, village=demo.village_a, inspected_on=TODAY + dt.timedelta(days=1),
                          inspectors="李站长")
    assert not Correction.objects.exists()


def test_a_correction_is_confirmed_once_and_never_overwritten(demo):
    correction = _record(demo).corrections.first()
    correction_done(actor=demo.township1, correction=correction, done_on=TODAY, note="已补录")
    with pytest.raises(ValidationError, match="不能重复确认"):
        correction_done(actor=demo.township1, correction=correction, done_on=TODAY, note="另一个标签页")
    correction.refresh_from_db()
    assert (correction.done_note, correction.done_by) == ("已补录", demo.township1)


def _count(page):
    return int(re.search(r'data-testid="inspection-list-total">共 (\d+) 条', page).group(1))


def test_every_number_in_the_table_is_the_rows_of_its_list(client, demo):
    _record(demo)
    _record(demo, village=demo.village_b, corrections=[("公示栏更新", AGO + dt.timedelta(days=3))])
    client.force_login(demo.township1)
    page = client.get(reverse("ledgers:inspections")).content.decode()
    links = re.findall(r'<a href="([^"]+)" data-testid="coverage-(inspections|pending|overdue)"[^>]*>(\d+)</a>', page)
    assert links and any(int(n) for _url, _kind, n in links)
    for url, _kind, number in links:
        assert _count(client.get(url.replace("&amp;", "&")).content.decode()) == int(number), url
    # Overdue: the two corrections past their date (the one due in five days is not).
    overdue = client.get(reverse("ledgers:inspections"), {"show": "overdue"}).content.decode()
    assert _count(overdue) == 2 and "更新花名册" not in overdue


def test_the_district_sees_every_township_and_may_not_record(client, demo):
    _record(demo)
    _record(demo, village=demo.village_c, actor=demo.township2)
    client.force_login(demo.district_official)
    page = client.get(reverse("ledgers:inspections")).content.decode()
    assert page.count('data-testid="coverage-row"') >= 2 and _count(page) == 2
    assert client.get(reverse("ledgers:inspection_new")).status_code == 403


def test_another_townships_inspection_is_not_found(client, demo):
    outside = _record(demo, village=demo.village_c, actor=demo.township2)
    client.force_login(demo.township1)
    assert client.get(reverse("ledgers:inspection_detail", args=[outside.pk])).status_code == 404
    done = reverse("ledgers:correction_done", args=[outside.corrections.first().pk])
    assert client.post(done, {"c1-done_on": TODAY.isoformat(), "c1-note": "x"}).status_code == 404


def test_township_records_an_inspection_through_the_form_and_confirms_a_correction(client, demo):
    client.force_login(demo.township1)
    answer = client.post(reverse("ledgers:inspection_new"), {
        "village": demo.village_a.pk, "inspected_on": AGO.isoformat(), "inspectors": "李站长",
        "item_1": "补录跟进日期", "due_1": "", "item_2": "", "due_2": (TODAY + dt.timedelta(days=3)).isoformat()})
    assert answer.status_code == 400
    page = answer.content.decode()
    assert "请填写整改期限" in page and "请填写整改事项，或清空期限" in page
    answer = client.post(reverse("ledgers:inspection_new"), {
        "village": demo.village_a.pk, "inspected_on": AGO.isoformat(), "inspectors": "李站长",
        "item_1": "补录跟进日期", "due_1": (TODAY + dt.timedelta(days=3)).isoformat()})
    assert answer.status_code == 302
    correction = Correction.objects.get()
    detail = client.get(answer.url).content.decode()
    assert "补录跟进日期" in detail and 'data-testid="correction-done-form"' in detail
    client.post(reverse("ledgers:correction_done", args=[correction.pk]),
                {f"c{correction.pk}-done_on": TODAY.isoformat(), f"c{correction.pk}-note": "已补录"})
    correction.refresh_from_db()
    assert correction.done_on == TODAY and correction.done_by == demo.township1


def test_the_list_reads_a_fixed_number_of_queries(client, demo, django_assert_max_num_queries):
    client.force_login(demo.township1)
    client.get(reverse("ledgers:inspections"))
    for _ in range(3):
        _record(demo)
    with django_assert_max_num_queries(16):
        assert client.get(reverse("ledgers:inspections")).status_code == 200
