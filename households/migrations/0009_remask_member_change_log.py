"""Change-log entries of members written before ID numbers and birth dates were masked as they are now
(relief.audit.mask_personal_value): auditlog's default mask hid only the first half of an ID number, and
birth dates were kept in clear. Re-mask both in every stored entry."""
import re

from django.db import migrations

FIELDS = ("id_number", "birth_date")
EMPTY = {None, "", "None"}
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _mask(value):
    # The rule of relief.audit.mask_personal_value as it stood when this migration was written.
    if not isinstance(value, str) or value in EMPTY:
        return value
    if DATE.match(value):
        return re.sub(r"\d", "*", value)
    if len(value) <= 4:
        return "*" * len(value)
    return "*" * (len(value) - 4) + value[-4:]


def remask(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    LogEntry = apps.get_model("auditlog", "LogEntry")
    member_type = ContentType.objects.filter(app_label="households", model="member").first()
    if member_type is None:
        return
    for entry in LogEntry.objects.filter(content_type=member_type).exclude(changes=None).iterator(chunk_size=500):
        changes = entry.changes if isinstance(entry.changes, dict) else None
        if not changes or not any(name in changes for name in FIELDS):
            continue
        for name in FIELDS:
            if isinstance(changes.get(name), list):
                changes[name] = [_mask(value) for value in changes[name]]
        LogEntry.objects.filter(pk=entry.pk).update(changes=changes)


class Migration(migrations.Migration):
    dependencies = [
        ("households", "0008_roster_cadence"),
        ("auditlog", "0017_add_actor_email"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(remask, migrations.RunPython.noop)]
