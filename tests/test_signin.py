"""身份鉴别 (issue 19): password rules, the forced change, expiry, the second factor and its reset, and the
idle and absolute ends of a session. Sign-ins go through the real login form (a password opens the steps;
force_login does not, relief/signin.py)."""
import time
from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from relief import signin
from relief.demo import DEMO_PASSWORD, DEMO_RECOVERY_CODES
from relief.models import Role, User
from tests.conftest import next_demo_code

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Xin-Mima-2027"


def events(name, **filters):
    return LogEntry.objects.filter(additional_data__event=name, **filters)


def sign_in(client, username, password=DEMO_PASSWORD):
    return client.post(reverse("login"), {"username": username, "password": password})


def code_for(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():0{device.digits}d}"


# ---------------------------------------------------------------- password rules

def test_a_password_needs_length_and_three_character_classes(demo):
    user = demo.caseworker_a
    with pytest.raises(ValidationError) as short:
        validate_password("Ab1-x", user)
    assert any("至少需要 10 个字符" in m for m in short.value.messages)
    with pytest.raises(ValidationError) as simple:
        validate_password("jiuzhuxinmima", user)
    assert "密码须包含大写字母、小写字母、数字、符号四类中的至少 3 类。" in simple.value.messages
    validate_password("jiuzhu-2027-mima", user)  # lower, digit, symbol: three classes
    validate_password(NEW_PASSWORD, user)


def test_none_of_the_last_passwords_is_used_again(demo, settings):
    settings.RELIEF_PASSWORD_HISTORY = 3
    user = demo.caseworker_a
    for password in ("Erste-Mima-01", "Zweite-Mima-02", "Dritte-Mima-03", "Vierte-Mima-04"):
        user.set_password(password)
        user.save()
    for old in ("Zweite-Mima-02", "Dritte-Mima-03", "Vierte-Mima-04"):
        with pytest.raises(ValidationError) as reused:
            validate_password(old, user)
        assert "新密码不能与最近 3 次使用过的密码相同。" in reused.value.messages
    validate_password("Erste-Mima-01", user)  # four passwords ago: out of the last three
    assert user.password_history.count() == 3


def test_the_users_own_change_refuses_a_reused_password_in_chinese(client, demo):
    user = demo.caseworker_a
    client.force_login(user)
    response = client.post(reverse("password_change"), {"old_password": DEMO_PASSWORD, "new_password1": DEMO_PASSWORD,
                                                        "new_password2": DEMO_PASSWORD})
    assert response.status_code == 200
    assert "新密码不能与最近 5 次使用过的密码相同" in response.content.decode()


# ---------------------------------------------------------------- forced change: first sign-in, reset, expiry

def test_a_new_account_changes_its_password_at_the_first_sign_in(client, demo):
    client.force_login(demo.security)
    client.post(reverse("admin:relief_user_add"), {
        "username": "xin_xieliyuan", "password1": "Chushi-Mima-1", "password2": "Chushi-Mima-1", "full_name": "钱多多",
        "role": Role.CASEWORKER, "jurisdiction": demo.village_b.pk})
    user = User.objects.get(username="xin_xieliyuan")
    assert user.must_change_password
    client.logout()
    response = sign_in(client, "xin_xieliyuan", "Chushi-Mima-1")
    assert response["Location"] == reverse("password_change")
    # Every other page leads back to the change until it is done.
    assert client.get(reverse("households:list"))["Location"] == reverse("password_change")
    page = client.get(reverse("password_change")).content.decode()
    assert "首次登录或密码被重置后，须先设置新密码才能继续使用" in page
    response = client.post(reverse("password_change"), {"old_password": "Chushi-Mima-1",
                                                        "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.must_change_password and user.check_password(NEW_PASSWORD)
    assert client.get(reverse("households:list")).status_code == 200


def test_a_reset_by_the_security_administrator_forces_a_change_and_is_audited(client, demo):
    client.force_login(demo.security)
    url = reverse("admin:auth_user_password_change", args=[demo.caseworker_a.pk])
    assert client.post(url, {"password1": "Chongzhi-Mima-9", "password2": "Chongzhi-Mima-9"}).status_code == 302
    demo.caseworker_a.refresh_from_db()
    assert demo.caseworker_a.must_change_password
    assert events("password_reset", actor=demo.security, object_pk=str(demo.caseworker_a.pk)).exists()
    client.logout()
    assert sign_in(client, "caseworker1", "Chongzhi-Mima-9")["Location"] == reverse("password_change")


def test_an_expired_password_is_changed_before_anything_else(client, demo, settings):
    settings.RELIEF_PASSWORD_MAX_AGE_DAYS = 90
    User.objects.filter(pk=demo.caseworker_a.pk).update(password_changed_at=timezone.now() - timedelta(days=91))
    assert sign_in(client, "caseworker1")["Location"] == reverse("password_change")
    assert "您的密码已过期" in client.get(reverse("password_change")).content.decode()
    # Within the age: straight in.
    User.objects.filter(pk=demo.caseworker_b.pk).update(password_changed_at=timezone.now() - timedelta(days=89))
    client.logout()
    assert sign_in(client, "caseworker2")["Location"] == reverse("home")


# ---------------------------------------------------------------- the second factor

def test_the_second_factor_is_required_and_a_wrong_code_refused(client, demo):
    response = sign_in(client, "township1")
    assert response["Location"] == reverse("otp_verify")
    assert client.get(reverse("home"))["Location"] == reverse("otp_verify")
    assert client.get(reverse("households:list"))["Location"] == reverse("otp_verify")
    # The code page shows no menu, no alert count and no password link: the password alone opens nothing.
    step = client.get(reverse("otp_verify")).content.decode()
    assert 'class="nav"' not in step and 'class="badge"' not in step and reverse("password_change") not in step
    assert reverse("logout") in step, "leaving is still offered"
    wrong = client.post(reverse("otp_verify"), {"code": "000000"})
    assert wrong.status_code == 200 and "验证码不正确或已过期" in wrong.content.decode()
    assert events("otp_failed", actor=demo.township1).count() == 1
    assert client.get(reverse("home"))["Location"] == reverse("otp_verify")
    # django-otp throttles the device after a wrong code: the right one is refused until the wait is over.
    device = TOTPDevice.objects.get(user=demo.township1)
    device.throttle_reset()
    right = client.post(reverse("otp_verify"), {"code": next_demo_code("township1")})
    assert right["Location"] == reverse("home")
    home = client.get(reverse("home"))
    assert home.status_code == 200 and 'class="nav"' in home.content.decode()


def test_a_caseworker_needs_no_second_factor_by_default(client, demo, settings):
    assert sign_in(client, "caseworker1")["Location"] == reverse("home")
    settings.RELIEF_OTP_REQUIRED_ROLES = [Role.CASEWORKER]
    client.logout()
    # Named by the deployment, the caseworker enrols at the next sign-in.
    assert sign_in(client, "caseworker1")["Location"] == reverse("otp_verify")
    assert client.get(reverse("otp_verify"))["Location"] == reverse("otp_enrol")


def test_a_recovery_code_works_once(client, demo):
    sign_in(client, "district")
    assert client.post(reverse("otp_verify"), {"code": DEMO_RECOVERY_CODES[0]})["Location"] == reverse("home")
    assert events("otp_recovery_used", actor=demo.district_official).count() == 1
    client.logout()
    sign_in(client, "district")
    again = client.post(reverse("otp_verify"), {"code": DEMO_RECOVERY_CODES[0]})
    assert again.status_code == 200 and "验证码不正确或已过期" in again.content.decode()
    assert StaticDevice.objects.get(user=demo.district_official).token_set.count() == len(DEMO_RECOVERY_CODES) - 1


def test_enrolment_after_the_password_gives_recovery_codes(client, demo):
    township3 = demo.users["township3"]
    assert not TOTPDevice.objects.filter(user=township3).exists()
    sign_in(client, "township3")
    assert client.get(reverse("otp_verify"))["Location"] == reverse("otp_enrol")
    page = client.get(reverse("otp_enrol"))
    body = page.content.decode()
    assert 'data-testid="otp-secret"' in body and "<svg" in body and "otpauth://totp/" in body
    assert "<script" not in body.split("<main>")[1].split("</main>")[0]
    device = TOTPDevice.objects.get(user=township3, confirmed=False)
    refused = client.post(reverse("otp_enrol"), {"code": "123"})
    assert "验证码不正确" in refused.content.decode()
    done = client.post(reverse("otp_enrol"), {"code": code_for(device)})
    assert done.status_code == 200
    codes = done.context["codes"]
    assert len(codes) == 10 and all(code in done.content.decode() for code in codes)
    assert TOTPDevice.objects.get(user=township3).confirmed
    assert events("otp_enrolled", actor=township3).exists()
    assert client.get(reverse("home")).status_code == 200
    # One of the codes stands in for the phone, once.
    client.logout()
    sign_in(client, "township3")
    assert client.post(reverse("otp_verify"), {"code": codes[3]})["Location"] == reverse("home")


def test_the_second_factor_comes_before_a_forced_change(client, demo):
    User.objects.filter(pk=demo.township1.pk).update(must_change_password=True)
    sign_in(client, "township1")
    assert client.get(reverse("password_change"))["Location"] == reverse("otp_verify")
    response = client.post(reverse("otp_verify"), {"code": next_demo_code("township1")})
    assert response["Location"] == reverse("password_change")


def test_the_django_admins_login_page_asks_for_the_second_factor_too(client, demo):
    response = client.post(reverse("admin:login"), {"username": "admin", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("admin:index"))["Location"] == reverse("otp_verify")


def test_the_security_administrator_resets_a_factor_and_it_is_audited(client, demo):
    client.force_login(demo.security)
    change = reverse("admin:relief_user_change", args=[demo.township1.pk])
    assert 'data-testid="otp-reset"' in client.get(change).content.decode()
    reset = reverse("admin:relief_user_otp_reset", args=[demo.township1.pk])
    assert client.get(reset).status_code == 405
    response = client.post(reset, follow=True)
    assert "已重置 township1 的双因素认证" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=demo.township1).exists()
    assert not StaticDevice.objects.filter(user=demo.township1).exists()
    entry = events("otp_reset", object_pk=str(demo.township1.pk)).get()
    assert entry.actor == demo.security
    # The audit administrator reads it in words.
    client.force_login(demo.auditor)
    log = client.get(reverse("audit_log"), {"event": "otp_reset"}).content.decode()
    assert "重置了账号“李秀英（township1）”的双因素认证" in log
    # The user enrols again at the next sign-in.
    client.logout()
    sign_in(client, "township1")
    assert client.get(reverse("otp_verify"))["Location"] == reverse("otp_enrol")


def test_nobody_resets_their_own_factor_and_only_the_security_administrator_resets_any(client, demo):
    client.force_login(demo.security)
    own = reverse("admin:relief_user_otp_reset", args=[demo.security.pk])
    assert client.post(own).status_code == 403
    client.post(reverse("admin:relief_user_changelist"),
                {"action": "reset_second_factors", "_selected_action": [demo.security.pk]})
    assert TOTPDevice.objects.filter(user=demo.security).exists()
    other = reverse("admin:relief_user_otp_reset", args=[demo.township1.pk])
    for user in (demo.admin, demo.auditor, demo.district_official, demo.township1):
        client.force_login(user)
        response = client.post(other)
        assert response.status_code in (302, 403, 404), user
        if response.status_code == 302:
            assert "/admin/login/" in response["Location"], user
    assert TOTPDevice.objects.filter(user=demo.township1).exists()
    assert not events("otp_reset").exists()


# ---------------------------------------------------------------- idle and absolute ends

def age_session(client, **seconds_ago):
    session = client.session
    now = int(time.time())
    for key, ago in seconds_ago.items():
        session[key] = now - ago
    session.save()


def test_a_session_ends_after_the_idle_time(client, demo, settings):
    settings.RELIEF_SESSION_IDLE_MINUTES = 30
    sign_in(client, "caseworker1")
    assert client.get(reverse("households:list")).status_code == 200
    age_session(client, **{signin.SEEN_KEY: 29 * 60})
    assert client.get(reverse("households:list")).status_code == 200  # and the clock starts again
    age_session(client, **{signin.SEEN_KEY: 31 * 60})
    response = client.get(reverse("households:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login")) and "session=ended" in response["Location"]
    assert "next=/households/" in response["Location"]
    assert events("session_timeout", actor=demo.caseworker_a).get().additional_data["why"] == "idle"
    assert client.get(reverse("home"))["Location"].startswith(reverse("login"))
    login_page = client.get(response["Location"]).content.decode()
    assert "已自动退出" in login_page and 'data-keep-drafts="1"' in login_page


def test_a_session_ends_after_the_absolute_time_whatever_happens(client, demo, settings):
    settings.RELIEF_SESSION_ABSOLUTE_HOURS = 8
    sign_in(client, "caseworker1")
    age_session(client, **{signin.STARTED_KEY: 8 * 3600 - 60})
    assert client.get(reverse("home")).status_code == 200
    client.post(reverse("session_keepalive"))  # 继续 restarts the idle clock only
    age_session(client, **{signin.STARTED_KEY: 8 * 3600 + 1})
    assert client.get(reverse("home"))["Location"].startswith(reverse("login"))
    assert events("session_timeout", actor=demo.caseworker_a).get().additional_data["why"] == "absolute"


def test_the_page_clock_asks_without_counting_as_activity_and_keepalive_extends(client, demo, settings):
    settings.RELIEF_SESSION_IDLE_MINUTES = 30
    sign_in(client, "caseworker1")
    age_session(client, **{signin.SEEN_KEY: 25 * 60})
    status = client.get(reverse("session_status"), HTTP_ACCEPT="application/json").json()
    assert 4 * 60 <= status["idle"] <= 5 * 60 and status["warn"] == settings.RELIEF_SESSION_WARN_SECONDS
    assert client.get(reverse("session_status")).json()["idle"] <= 5 * 60  # asking did not extend it
    assert client.get(reverse("session_keepalive")).status_code == 405
    extended = client.post(reverse("session_keepalive")).json()
    assert extended["idle"] >= 30 * 60 - 2
    # Ended: the clock is told where to go.
    age_session(client, **{signin.SEEN_KEY: 31 * 60})
    ended = client.get(reverse("session_status"), HTTP_ACCEPT="application/json", HTTP_X_RELIEF_PAGE="/visits/")
    assert ended.status_code == 401 and "next=/visits/" in ended.json()["redirect"]


def test_every_page_carries_the_warning_and_its_script(client, demo):
    client.force_login(demo.caseworker_a)
    body = client.get(reverse("home")).content.decode()
    assert 'data-testid="session-warning"' in body and "js/session_timeout.js" in body
    assert f'data-session-status="{reverse("session_status")}"' in body
