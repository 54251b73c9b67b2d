"""The audit log's Excel export (relief/audit_export.py): the audit administrator's only, with the list's filters
and search, a purpose, the exporter's watermark, recorded in the log itself, and a fixed number of queries."""
import io

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from relief.audit import AuditEvent, audit_record
from relief.models import Role

pytestmark = pytest.mark.django_db

HEADERS = ("时间", "操作人", "账号", "来源地址", "事件", "记录类型", "记录", "结果")


def _login_entries(demo, n, user=None):
    user = user or demo.caseworker_a
    for _ in range(n):
        audit_record(event=AuditEvent.LOGIN, actor=user, obj=user, description=str(user))


def _export(client, **data):
    return client.post(reverse("audit_export"), {"purpose": "security_review", **data})


def _rows(response):
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[2] == HEADERS
    return sheet, values[3:]


def test_the_auditor_exports_the_filtered_list_with_its_purpose_watermarked_and_audited(client, demo):
    _login_entries(demo, 3)
    audit_record(event=AuditEvent.LOGIN_FAILED, actor=None, obj=demo.caseworker_a, request=None,
                 detail={"username": demo.caseworker_a.username})
    client.force_login(demo.auditor)
    listed = client.get(reverse("audit_log"), {"event": "login"}).context["page"].paginator.count
    html = client.get(reverse("audit_log"), {"event": "login"}).content.decode()
    assert 'data-testid="audit-export"' in html and 'name="event" value="login"' in html  # filters carried
    response = _export(client, event="login")
    assert response.status_code == 200 and response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert "no-store" in response["Cache-Control"]
    sheet, rows = _rows(response)
    assert len(rows) == listed  # the auditor's own sign-in is one of them
    mine = [row for row in rows if row[2] == demo.caseworker_a.username]
    assert len(mine) == 3 and all(row[1] == demo.caseworker_a.display_name and row[4] == "登录"
                                  and row[5] == "工作人员" and row[7] == "成功" for row in mine)
    assert all(row[4] == "登录" for row in rows)
    for part in (sheet.oddHeader.center.text, sheet.oddFooter.center.text):
        assert demo.auditor.display_name in part and demo.auditor.username in part
    entry = LogEntry.objects.filter(additional_data__event=AuditEvent.EXPORT, actor=demo.auditor).get()
    assert entry.additional_data["purpose"] == "security_review" and entry.additional_data["rows"] == listed
    assert entry.additional_data["purpose_label"] == "安全审计检查"
    assert entry.additional_data["filters"] == {"event": "login"}
    # Unfiltered, the failed login is there too, as the system's, with the name that was typed and refused.
    _sheet, rows = _rows(_export(client))
    failed = [row for row in rows if row[4] == "登录失败"]
    assert failed and failed[0][1] == "系统" and failed[0][2] == demo.caseworker_a.username
    assert failed[0][7] == "拒绝"


def test_the_search_and_dates_choose_what_is_exported(client, demo):
    _login_entries(demo, 2)
    _login_entries(demo, 1, user=demo.township1)
    client.force_login(demo.auditor)
    _sheet, rows = _rows(_export(client, actor=demo.township1.username, event="login"))  # the auditor signed in
    assert [row[2] for row in rows] == [demo.township1.username]
    _sheet, rows = _rows(_export(client, event="login", date_from="2000-01-01", date_to="2000-01-02"))
    assert rows == [] or rows == [("无数据",) + (None,) * 7]


def test_the_export_asks_its_purpose(client, demo):
    client.force_login(demo.auditor)
    for data in ({"purpose": ""}, {"purpose": "for fun"}):
        response = client.post(reverse("audit_export"), data)
        assert response.status_code == 400
        assert "请选择导出用途" in response.content.decode() or "请从列表中选择导出用途" in response.content.decode()
    assert not LogEntry.objects.filter(additional_data__event=AuditEvent.EXPORT).exists()


@pytest.mark.parametrize("username", ["township1", "district", "admin", "security", "caseworker1"])
def test_only_the_audit_administrator_may_export(client, demo, username):
    client.force_login(demo.users[username])
    response = _export(client)
    assert response.status_code in (403, 404)
    assert not LogEntry.objects.filter(additional_data__event=AuditEvent.EXPORT).exists()


def test_an_auditor_of_another_district_exports_none_of_this_one(client, demo, make_staff):
    from relief.models import Jurisdiction, JurisdictionLevel

    _login_entries(demo, 2)
    elsewhere = Jurisdiction.objects.create(level=JurisdictionLevel.DISTRICT, code="310106000000", name="静安区")
    client.force_login(make_staff(Role.AUDITOR, elsewhere))
    _sheet, rows = _rows(_export(client, event="login"))
    assert all(row[2] != demo.caseworker_a.username for row in rows)


def test_the_export_is_a_post_and_needs_a_sign_in(client, demo):
    assert client.post(reverse("audit_export"), {"purpose": "archive"}).status_code == 302
    client.force_login(demo.auditor)
    assert client.get(reverse("audit_export")).status_code == 405


def test_the_export_costs_the_same_queries_for_few_or_many_rows(client, demo, django_assert_max_num_queries):
    client.force_login(demo.auditor)
    _export(client)  # the first request also fills the caches every page uses
    counts = []
    for total in (5, 150):
        while LogEntry.objects.filter(additional_data__event=AuditEvent.LOGIN).count() < total:
            _login_entries(demo, 1)
        with CaptureQueriesContext(connection) as queries:
            response = _export(client, event="login")
            _sheet, rows = _rows(response)
        assert len(rows) == total
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    with django_assert_max_num_queries(counts[1]):
        _rows(_export(client, event="login"))


def test_a_reveal_reads_with_its_reason_by_label_in_the_list(client, demo):
    """A reveal's reason is shown as 查看原因 with its label, not as a refusal's 拒绝原因 with its code."""
    from tests.households.factories import make_household

    household = make_household(demo.village_a)
    client.force_login(demo.caseworker_a)
    client.post(reverse("households:detail", args=[household.pk]), {"reveal": "1", "reason": "verify_identity"})
    client.force_login(demo.auditor)
    rows = client.get(reverse("audit_log"), {"event": "view_personal_data"}).context["page"].object_list
    assert ("查看原因", None, "核对身份") in rows[0].change_rows
    assert not any(label == "拒绝原因" for label, _old, _new in rows[0].change_rows)
