"""三员分立 (issue 19): the system, security and audit administrators each do their own work and none another's,
in the app's views and in the Django admin; none alters the record of their own actions."""
import importlib

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from relief.models import Role, User

pytestmark = pytest.mark.django_db


def status(client, url, method="get", **data):
    return getattr(client, method)(url, data).status_code


def test_the_demo_district_has_one_of_each(demo):
    roles = [u.role for u in User.objects.filter(jurisdiction=demo.district)]
    assert roles.count(Role.ADMIN) == roles.count(Role.SECURITY) == roles.count(Role.AUDITOR) == 1


def test_the_system_administrator_keeps_jurisdictions_and_imports_not_accounts_or_the_log(client, demo):
    client.force_login(demo.admin)
    assert status(client, reverse("admin:relief_jurisdiction_changelist")) == 200
    assert status(client, reverse("imports:index")) == 200
    assert status(client, reverse("admin:relief_user_changelist")) == 403
    assert status(client, reverse("admin:relief_user_add")) == 403
    assert status(client, reverse("audit_log")) == 403


def test_the_security_administrator_keeps_accounts_and_nothing_else(client, demo):
    client.force_login(demo.security)
    assert status(client, reverse("admin:relief_user_changelist")) == 200
    assert status(client, reverse("households:list")) == 403
    assert status(client, reverse("imports:index")) == 403
    assert status(client, reverse("audit_log")) == 403
    # Jurisdictions are seen (to place an account), never changed.
    change = reverse("admin:relief_jurisdiction_change", args=[demo.district.pk])
    assert status(client, change) == 200
    assert status(client, change, "post", code=demo.district.code, name="改名", level="district") == 403
    assert status(client, reverse("admin:households_household_changelist")) == 403


def test_the_audit_administrator_reads_the_log_and_nothing_else(client, demo):
    client.force_login(demo.auditor)
    assert status(client, reverse("audit_log")) == 200
    assert status(client, reverse("households:list")) == 403
    assert status(client, reverse("imports:index")) == 403
    admin = client.get(reverse("admin:index"))
    assert admin.status_code == 302 and "/admin/login/" in admin["Location"]
    assert not demo.auditor.user_permissions.exists()


def test_no_administrator_alters_their_own_account_or_the_log(client, demo):
    client.force_login(demo.security)
    own = reverse("admin:relief_user_change", args=[demo.security.pk])
    assert status(client, own) == 200  # seen, read-only
    refused = client.post(own, {"username": "security", "role": Role.ADMIN, "jurisdiction": demo.district.pk,
                                "is_active": "on"})
    assert refused.status_code == 403
    assert User.objects.get(pk=demo.security.pk).role == Role.SECURITY
    assert status(client, reverse("admin:auth_user_password_change", args=[demo.security.pk]), "post",
                  password1="Ziji-Mima-2027", password2="Ziji-Mima-2027") == 403
    # Accounts are closed, never deleted (the log names them).
    assert status(client, reverse("admin:relief_user_delete", args=[demo.caseworker_a.pk])) == 403
    # No role holds a permission on the log's entries.
    log_perms = Permission.objects.filter(content_type__app_label="auditlog")
    for user in (demo.admin, demo.security, demo.auditor):
        assert not user.user_permissions.filter(pk__in=log_perms).exists()
        assert not User.objects.get(pk=user.pk).has_perm("auditlog.change_logentry")
        assert not User.objects.get(pk=user.pk).has_perm("auditlog.delete_logentry")


def test_the_migration_keeps_todays_admins_as_system_administrators(demo):
    migration = importlib.import_module("relief.migrations.0005_admins_to_system_role")
    change_user = Permission.objects.get(content_type__app_label="relief", codename="change_user")
    demo.admin.user_permissions.add(change_user)  # an admin of before the split
    User.objects.filter(pk=demo.admin.pk).update(password_changed_at=None)
    from django.apps import apps

    migration.forwards(apps, None)
    admin = User.objects.get(pk=demo.admin.pk)
    assert admin.role == Role.ADMIN and admin.is_staff and admin.get_role_display() == "系统管理员"
    assert not admin.user_permissions.filter(pk=change_user.pk).exists()
    assert admin.user_permissions.filter(codename="change_jurisdiction").exists()
    assert admin.password_changed_at is not None
