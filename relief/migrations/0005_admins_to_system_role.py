"""三员分立: today's administrators become system administrators (the role keeps its value "admin", so they sign
in and work as before with jurisdictions, settings and imports), and lose the accounts' model permissions,
which are the security administrator's now (relief/services.py ROLE_MODEL_PERMISSIONS). A superuser (or an
existing security administrator) makes the district's security and audit administrators after the upgrade.

Every existing password's age counts from the upgrade (RELIEF_PASSWORD_MAX_AGE_DAYS), not from an unknown day.
"""
from django.db import migrations
from django.utils import timezone

ACCOUNT_PERMISSIONS = ["add_user", "change_user", "delete_user"]


def forwards(apps, schema_editor):
    User = apps.get_model("relief", "User")
    Permission = apps.get_model("auth", "Permission")
    account_perms = list(Permission.objects.filter(content_type__app_label="relief", codename__in=ACCOUNT_PERMISSIONS))
    through = User.user_permissions.through
    admins = User.objects.filter(role="admin", is_superuser=False)
    through.objects.filter(user__in=admins, permission__in=account_perms).delete()
    User.objects.filter(password_changed_at__isnull=True).update(password_changed_at=timezone.now())


class Migration(migrations.Migration):
    dependencies = [
        ("relief", "0004_second_factor_and_separated_duties"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
