"""Login, failed logins and lockout, logout, password change, role home pages, audit log, error pages."""
import pytest
from auditlog.models import LogEntry
from django.test import Client
from django.urls import reverse

from relief.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def events(event):
    return LogEntry.objects.filter(additional_data__event=event)


def test_login_lands_on_home_and_is_audited(client, demo):
    response = client.post(reverse("login"), {"username": "caseworker1", "password": DEMO_PASSWORD},
                           REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 302 and response["Location"] == reverse("home")
    entry = events("login").get()
    assert entry.actor == demo.caseworker_a and entry.remote_addr == "10.1.2.3"
    home = client.get(reverse("home"))
    assert "村社会救助协理员" in home.content.decode()


def test_wrong_password_shows_a_chinese_message_and_is_logged(client, demo):
    response = client.post(reverse("login"), {"username": "caseworker1", "password": "wrong"})
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()
    entry = events("login_failed").get()
    assert entry.object_repr == "caseworker1" and entry.actor is None


def test_repeated_failures_lock_the_account(client, settings, demo):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "caseworker2", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "caseworker2", "password": DEMO_PASSWORD})
    assert response.status_code == 429
    assert "暂时锁定" in response.content.decode()
    # Another account from the same address is not punished for it.
    other = client.post(reverse("login"), {"username": "caseworker1", "password": DEMO_PASSWORD})
    assert other.status_code == 302


def test_lockout_says_how_long_in_minutes_not_an_iso_duration(client, settings, demo):
    """The lockout page says "请 15 分钟 后再试", not the ISO 8601 "PT15M" django-axes hands it."""
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "caseworker3", "password": "wrong"})
    body = client.post(reverse("login"), {"username": "caseworker3", "password": "wrong"}).content.decode()
    assert "15 分钟" in body
    assert "PT15M" not in body


@pytest.mark.parametrize("minutes,expected", [
    (15, "15 分钟"), (60, "1 小时"), (90, "1 小时 30 分钟"), (1, "1 分钟"), (24 * 60 + 5, "1 天 5 分钟"),
])
def test_durations_read_in_days_hours_and_minutes(minutes, expected):
    import datetime as dt

    from relief.templatetags.relief_tags import duration_zh

    assert duration_zh(dt.timedelta(minutes=minutes)) == expected


@pytest.mark.parametrize("username,expected", [
    ("caseworker1", "村社会救助协理员"), ("township1", "乡镇民政办"), ("district", "区县民政局"), ("admin", "系统管理员"),
])
def test_each_role_has_a_home_page(client, demo, username, expected):
    client.force_login(demo.users[username])
    body = client.get(reverse("home")).content.decode()
    assert expected in body
    assert "今日待办" in body


def test_logout_needs_post_and_is_audited(client, demo):
    client.force_login(demo.caseworker_a)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    # What the phone kept for offline visits goes with the session, even where the page's script did not run.
    assert response["Clear-Site-Data"] == '"cache", "storage"'
    assert events("logout").filter(actor=demo.caseworker_a).exists()
    assert client.get(reverse("home")).status_code == 302


def test_password_change(client, demo):
    client.force_login(demo.caseworker_a)
    response = client.post(reverse("password_change"), {
        "old_password": DEMO_PASSWORD, "new_password1": "Xin-mima-2026!", "new_password2": "Xin-mima-2026!"})
    assert response.status_code == 302
    demo.caseworker_a.refresh_from_db()
    assert demo.caseworker_a.check_password("Xin-mima-2026!")


def test_csrf_failure_shows_the_project_page(demo):
    client = Client(enforce_csrf_checks=True)
    client.force_login(demo.caseworker_a)
    response = client.post(reverse("password_change"), {})
    assert response.status_code == 403
    assert "页面已过期" in response.content.decode()


def test_audit_log_readable_by_the_audit_administrator_only(client, demo):
    for user in (demo.caseworker_a, demo.district_official, demo.admin, demo.security):
        client.force_login(user)
        assert client.get(reverse("audit_log")).status_code == 403, user.username
    client.force_login(demo.auditor)
    response = client.get(reverse("audit_log"))
    assert response.status_code == 200


def test_audit_log_records_creates_and_filters(client, demo, make_staff):
    from relief.models import Role

    new_user = make_staff(Role.CASEWORKER, demo.village_b, username="xinren")
    assert LogEntry.objects.get_for_object(new_user).filter(action=LogEntry.Action.CREATE).exists()
    client.post(reverse("login"), {"username": "caseworker1", "password": "wrong"})
    client.force_login(demo.auditor)
    body = client.get(reverse("audit_log"), {"event": "login_failed"}).content.decode()
    assert "caseworker1" in body and "登录失败" in body
    assert "xinren" not in body


def test_audit_log_of_another_district_is_not_shown(client, demo, make_staff):
    """A district official reads entries about staff of their district only."""
    from relief.models import Jurisdiction, JurisdictionLevel, Role

    other = Jurisdiction.objects.create(code="500229000000", name="城口县", level=JurisdictionLevel.DISTRICT)
    outsider = make_staff(Role.DISTRICT, other, username="waidi")
    client.force_login(outsider)
    client.get(reverse("home"))
    client.force_login(demo.auditor)
    body = client.get(reverse("audit_log")).content.decode()
    assert "waidi" not in body


def test_admin_site_manages_users_within_district(client, demo):
    client.force_login(demo.security)
    response = client.get("/admin/relief/user/")
    assert response.status_code == 200
    assert "caseworker1" in response.content.decode()


def test_demo_admin_reaches_household_admin_with_import_export(client, demo):
    """The admin role manages rosters in the Django admin (import/export), as issue 4 describes."""
    client.force_login(demo.admin)
    response = client.get("/admin/households/household/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "导入" in body or "Import" in body
    assert client.get("/admin/households/household/import/").status_code == 200


def test_navigation_marks_only_the_most_specific_entry(client, demo):
    client.force_login(demo.township1)
    response = client.get("/ledgers/dashboard/")
    active = [item["label"] for item in response.context["nav_items"] if item["active"]]
    assert [str(label) for label in active] == ["统计"]


@pytest.mark.parametrize("username", ["caseworker1", "township1", "district", "admin"])
def test_the_navigation_shows_exactly_the_pages_the_views_let_the_user_in(client, demo, username):
    """No role list of its own: an entry is shown when its view admits the user, and an entry left out is
    one its view refuses (or one the user reaches from a page they can open, like the import records)."""
    from relief.context_processors import NAV_COVERED_BY, NAVIGATION

    client.force_login(demo.users[username])
    shown = {item["url"] for item in client.get(reverse("home")).context["nav_items"]}
    for name, _label in NAVIGATION:
        url = reverse(name)
        if url in shown:
            assert client.get(url).status_code == 200, url
        elif name in NAV_COVERED_BY and reverse(NAV_COVERED_BY[name]) in shown:
            assert client.get(url).status_code == 200, url
        else:
            assert client.get(url).status_code in (302, 403), url
