"""The Django admin's staff pages: Chinese, no superuser/staff/group switches, the app's own staff rule."""
import re

import pytest
from django.urls import reverse

from relief import access
from relief.access import Action
from relief.demo import DEMO_PASSWORD
from relief.models import Role, User

pytestmark = pytest.mark.django_db

ENGLISH = re.compile(r"[A-Za-z]{3,}(?: [A-Za-z]{2,}){2,}")  # three English words in a row


def visible_text(html: str) -> str:
    html = re.sub(r"<script.*?</script>|<style.*?</style>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def add_user(client, **fields):
    data = {"username": "xin_xieliyuan", "password1": "Xieli-2026-mima", "password2": "Xieli-2026-mima",
            "full_name": "钱多多", "phone": "13800000000", "role": Role.CASEWORKER, **fields}
    return client.post(reverse("admin:relief_user_add"), data)


def test_staff_pages_of_the_admin_are_chinese(client, demo):
    client.force_login(demo.security)
    pages = [reverse("admin:relief_user_add"), reverse("admin:relief_user_changelist"),
             reverse("admin:relief_user_change", args=[demo.caseworker_a.pk]),
             reverse("admin:auth_user_password_change", args=[demo.caseworker_a.pk]),
             reverse("admin:households_household_export")]
    for url in pages:
        text = visible_text(client.get(url).content.decode())
        assert not ENGLISH.findall(text), (url, ENGLISH.findall(text))
    add_page = client.get(pages[0]).content.decode()
    assert "After you" not in add_page and "保存后该账号即可登录" in add_page
    # The admin's JavaScript strings ("Choose all %s" showed as "Choose all 组") come translated.
    catalog = client.get("/admin/jsi18n/").content.decode()
    for msgid in ("Choose all %s", "Remove all %s", "Choose selected %s", "Remove selected %s"):
        assert f'"{msgid}"' in catalog, msgid


def test_the_admin_speaks_the_browsers_language_chinese_by_default(client, demo):
    client.force_login(demo.security)
    body = client.get(reverse("admin:relief_user_add")).content.decode()
    assert "保存" in body and "Save and add another" not in body
    english = client.get(reverse("admin:relief_user_add"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "Save and add another" in english


def test_superuser_staff_status_and_groups_are_not_offered(client, demo):
    client.force_login(demo.security)
    for url in (reverse("admin:relief_user_add"), reverse("admin:relief_user_change", args=[demo.caseworker_a.pk]),
                reverse("admin:relief_user_changelist")):
        body = client.get(url).content.decode()
        for name in ("is_superuser", "is_staff", "groups", "user_permissions"):
            assert f'name="{name}' not in body and f"{name}__exact" not in body, (url, name)
    assert client.get("/admin/auth/group/").status_code == 404
    # Posting them anyway changes nothing.
    change = reverse("admin:relief_user_change", args=[demo.caseworker_a.pk])
    response = client.post(change, {"username": "caseworker1", "full_name": "张丽", "phone": "",
                                     "role": Role.CASEWORKER, "jurisdiction": demo.village_a.pk, "is_active": "on",
                                     "is_superuser": "on", "is_staff": "on", "date_joined_0": "2026-01-01",
                                     "date_joined_1": "08:00:00"})
    assert response.status_code == 302
    demo.caseworker_a.refresh_from_db()
    assert not demo.caseworker_a.is_superuser and not demo.caseworker_a.is_staff


def test_admin_creates_a_caseworker_who_can_log_in_and_sees_their_village(client, demo):
    client.force_login(demo.security)
    response = add_user(client, jurisdiction=demo.village_b.pk)
    assert response.status_code == 302, response.content.decode()
    user = User.objects.get(username="xin_xieliyuan")
    assert user.check_password("Xieli-2026-mima") and not user.is_staff and not user.is_superuser
    assert access.village_ids_for(user, Action.VIEW) == {demo.village_b.pk}
    client.logout()
    assert client.post(reverse("login"), {"username": "xin_xieliyuan", "password": "Xieli-2026-mima"}).status_code == 302


def test_a_new_administrator_opens_the_admin_for_their_own_work_only(client, demo):
    client.force_login(demo.security)
    response = add_user(client, username="xin_guanli", role=Role.ADMIN, jurisdiction=demo.district.pk)
    assert response.status_code == 302
    response = add_user(client, username="xin_anquan", role=Role.SECURITY, jurisdiction=demo.district.pk)
    assert response.status_code == 302
    system, security = User.objects.get(username="xin_guanli"), User.objects.get(username="xin_anquan")
    assert system.is_staff and security.is_staff
    client.force_login(system)
    assert client.get(reverse("admin:relief_jurisdiction_changelist")).status_code == 200
    assert client.get(reverse("admin:relief_user_changelist")).status_code == 403
    client.force_login(security)
    assert client.get(reverse("admin:relief_user_changelist")).status_code == 200


@pytest.mark.parametrize("role,level_label", [
    (Role.CASEWORKER, "村/社区"), (Role.TOWNSHIP, "乡镇/街道"), (Role.DISTRICT, "区/县"),
])
def test_the_admin_refuses_a_jurisdiction_of_the_wrong_level(client, demo, role, level_label):
    client.force_login(demo.security)
    wrong = demo.townships[0] if role != Role.TOWNSHIP else demo.village_a
    response = add_user(client, role=role, jurisdiction=wrong.pk)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["jurisdiction"]
    assert errors == [f"{Role(role).label}应配属到“{level_label}”一级的辖区，“{wrong.name}”是{wrong.get_level_display()}。"]
    assert not User.objects.filter(username="xin_xieliyuan").exists()


def test_moving_a_user_in_the_admin_follows_the_same_rule_and_moves_their_access(client, demo):
    client.force_login(demo.security)
    change = reverse("admin:relief_user_change", args=[demo.caseworker_a.pk])
    data = {"username": "caseworker1", "full_name": "张丽", "phone": "", "role": Role.CASEWORKER, "is_active": "on"}
    refused = client.post(change, {**data, "jurisdiction": demo.townships[1].pk})
    assert refused.status_code == 200 and "应配属到“村/社区”一级的辖区" in refused.content.decode()
    demo.caseworker_a.refresh_from_db()
    assert demo.caseworker_a.jurisdiction == demo.village_a
    moved = client.post(change, {**data, "jurisdiction": demo.village_c.pk})
    assert moved.status_code == 302
    user = User.objects.get(pk=demo.caseworker_a.pk)
    assert access.village_ids_for(user, Action.VIEW) == {demo.village_c.pk}


def test_setting_a_password_in_the_admin_is_chinese_and_works(client, demo):
    client.force_login(demo.security)
    url = reverse("admin:auth_user_password_change", args=[demo.caseworker_a.pk])
    page = client.get(url).content.decode()
    assert "usable_password" not in page and "If disabled" not in page and "设置新密码" in page
    short = client.post(url, {"password1": "a1", "password2": "a1"})
    assert short.status_code == 200
    assert "至少需要 10 个字符" in short.content.decode()
    done = client.post(url, {"password1": "Xin-mima-2027!", "password2": "Xin-mima-2027!"})
    assert done.status_code == 302
    demo.caseworker_a.refresh_from_db()
    assert demo.caseworker_a.check_password("Xin-mima-2027!") and not demo.caseworker_a.check_password(DEMO_PASSWORD)


def test_the_admin_reaches_the_django_admin_from_the_navigation_and_others_do_not(client, demo):
    client.force_login(demo.admin)
    assert '<a href="/admin/">管理后台</a>' in client.get(reverse("home")).content.decode()
    for user in (demo.caseworker_a, demo.township1, demo.district_official):
        client.force_login(user)
        assert "管理后台" not in client.get(reverse("home")).content.decode()


# ---------------------------------------------------------------- unlocking an account locked by django-axes

def lock_out(settings, username):
    """Lock an account the way a user does: wrong passwords through the real login form."""
    from django.test import Client

    stranger = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        stranger.post(reverse("login"), {"username": username, "password": "wrong"})
    locked = stranger.post(reverse("login"), {"username": username, "password": DEMO_PASSWORD})
    assert locked.status_code == 429 and "联系安全管理员解锁" in locked.content.decode()
    return stranger


def unlock_entries(user):
    from auditlog.models import LogEntry

    return LogEntry.objects.filter(additional_data__event="staff_unlock", object_pk=str(user.pk))


def test_the_admin_sees_a_locked_account_and_unlocks_it_from_its_page(client, settings, demo):
    stranger = lock_out(settings, "caseworker2")
    client.force_login(demo.security)
    change = reverse("admin:relief_user_change", args=[demo.caseworker_b.pk])
    page = client.get(change).content.decode()
    assert "已锁定（密码连续输错" in page and 'data-testid="unlock-account"' in page
    listing = client.get(reverse("admin:relief_user_changelist")).content.decode()
    assert "已锁定" in listing
    # The unlock button posts; a GET changes nothing.
    unlock = reverse("admin:relief_user_unlock", args=[demo.caseworker_b.pk])
    assert client.get(unlock).status_code == 405
    response = client.post(unlock, follow=True)
    assert response.redirect_chain[-1][0] == change
    assert "已解除账号“caseworker2”的登录锁定，清除失败登录记录 1 条" in response.content.decode()
    assert "未锁定" in response.content.decode() and 'data-testid="unlock-account"' not in response.content.decode()
    entry = unlock_entries(demo.caseworker_b).get()
    assert entry.actor == demo.security and entry.additional_data["cleared"] == 1
    assert entry.additional_data["was_locked"] is True
    # The user logs in again at once, from the address that was locked.
    assert stranger.post(reverse("login"), {"username": "caseworker2", "password": DEMO_PASSWORD}).status_code == 302


def test_the_admin_unlocks_accounts_with_the_list_action(client, settings, demo):
    stranger = lock_out(settings, "caseworker1")
    lock_out(settings, "township1")
    client.force_login(demo.security)
    changelist = reverse("admin:relief_user_changelist")
    response = client.post(changelist, {"action": "unlock_accounts",
                                        "_selected_action": [demo.caseworker_a.pk, demo.township1.pk]}, follow=True)
    body = response.content.decode()
    assert "已为 2 个账号解除登录锁定，共清除失败登录记录 2 条" in body
    assert "已锁定" not in body
    assert unlock_entries(demo.caseworker_a).filter(actor=demo.security).exists()
    assert unlock_entries(demo.township1).filter(actor=demo.security).exists()
    assert stranger.post(reverse("login"), {"username": "caseworker1", "password": DEMO_PASSWORD}).status_code == 302
    # The audit log says it in words.
    client.force_login(demo.auditor)
    log = client.get(reverse("audit_log"), {"event": "staff_unlock"}).content.decode()
    assert "解除了账号“张丽（caseworker1）”的登录锁定" in log


def test_others_cannot_unlock(client, settings, demo, make_staff):
    from relief.models import Jurisdiction, JurisdictionLevel

    stranger = lock_out(settings, "caseworker2")
    unlock = reverse("admin:relief_user_unlock", args=[demo.caseworker_b.pk])
    for user in (demo.caseworker_a, demo.township1, demo.district_official, demo.auditor):
        client.force_login(user)
        response = client.post(unlock)
        assert response.status_code == 302 and "/admin/login/" in response["Location"], user
        response = client.post(reverse("admin:relief_user_changelist"),
                               {"action": "unlock_accounts", "_selected_action": [demo.caseworker_b.pk]})
        assert response.status_code == 302 and "/admin/login/" in response["Location"], user
    # The admin of another district does not reach this district's accounts.
    other = Jurisdiction.objects.create(code="500229000000", name="城口县", level=JurisdictionLevel.DISTRICT)
    client.force_login(make_staff(Role.SECURITY, other, username="waidi_guanli"))
    assert client.post(unlock).status_code == 404
    client.post(reverse("admin:relief_user_changelist"),
                {"action": "unlock_accounts", "_selected_action": [demo.caseworker_b.pk]})
    assert not unlock_entries(demo.caseworker_b).exists()
    # Still locked.
    assert stranger.post(reverse("login"), {"username": "caseworker2", "password": DEMO_PASSWORD}).status_code == 429


def test_registry_records_are_read_only_in_the_admin(client, demo):
    """Household writes have one owner (households.services): the admin shows records but cannot edit them,
    so no change escapes the household events, the death rule or the list flags."""
    import datetime as dt

    from households.models import DibaoStandard, Household, Member
    from tests.households.factories import make_household

    household = make_household(demo.village_a, members=1)
    member = Member.objects.filter(household=household).first()
    client.force_login(demo.admin)
    change = reverse("admin:households_household_change", args=[household.pk])
    page = client.get(change)
    assert page.status_code == 200 and 'name="residence_address"' not in page.content.decode()
    client.post(change, {"residence_address": "改过的地址"})
    assert Household.objects.get(pk=household.pk).residence_address == household.residence_address
    assert client.get(reverse("admin:households_household_add")).status_code == 403
    assert client.post(reverse("admin:households_member_delete", args=[member.pk]), {"post": "yes"}).status_code == 403
    member_page = client.get(reverse("admin:households_member_change", args=[member.pk])).content.decode()
    assert member.id_number not in member_page and member.masked_id_number in member_page
    # Nor the birth date, which is exactly the masked middle: the age instead.
    assert "出生日期" not in member_page and f"{member.age_on(dt.date.today())} 岁" in member_page
    household_page = client.get(change).content.decode()
    assert "出生日期" not in household_page and " 岁" in household_page
    # A 低保 standard is added through the service (the district level is checked there).
    before = DibaoStandard.objects.count()
    response = client.post(reverse("admin:households_dibaostandard_add"), {
        "district": demo.district.pk, "area": "unified", "monthly_amount": "1500", "effective_from": "2026-07-01",
        "source": "沪民规〔2026〕1号"})
    assert response.status_code == 302 and DibaoStandard.objects.count() == before + 1
    standard = DibaoStandard.objects.get(effective_from=dt.date(2026, 7, 1))
    assert standard.monthly_amount == 1500
    # An existing standard is not rewritten in place (past incomes were measured against it).
    change = client.post(reverse("admin:households_dibaostandard_change", args=[standard.pk]),
                         {"district": demo.district.pk, "area": "unified", "monthly_amount": "1",
                          "effective_from": "2026-07-01"})
    assert change.status_code in (302, 403) and DibaoStandard.objects.get(pk=standard.pk).monthly_amount == 1500
