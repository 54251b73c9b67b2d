"""Alerts already open about a step the family's hukou township holds move to that township (alerts.models.place_in):
转办超期, 先行救助补办手续超期, 部门事项超期, and 环节超时 of a township or district step. The residence side keeps the
alerts of its own steps (村级研究, 报送乡镇, 告知家庭) and of its letters."""
from django.db import migrations

HANDLED_THERE = ("referral_overdue", "help_first_paperwork_late", "department_item_overdue")
TOWNSHIP_STEPS = ("accept", "handle", "answer")


def forwards(apps, schema_editor):
    Alert = apps.get_model("alerts", "Alert")
    HukouHandover = apps.get_model("referrals", "HukouHandover")
    township_of = dict(HukouHandover.objects.values_list("referral_id", "township_id"))
    if not township_of:
        return
    moved = []
    for alert in (Alert.objects.filter(source_ref__startswith="referral:", township__isnull=True)
                  .exclude(status="closed").only("pk", "kind", "source_ref", "dedupe_key")):
        referral_id = alert.source_ref.partition(":")[2]
        if not referral_id.isdigit() or int(referral_id) not in township_of:
            continue
        step = alert.dedupe_key.split(":")[3] if alert.kind == "step_overdue" else ""
        if alert.kind in HANDLED_THERE or step in TOWNSHIP_STEPS:
            alert.township_id, alert.caseworker_id = township_of[int(referral_id)], None
            moved.append(alert)
    Alert.objects.bulk_update(moved, ["township", "caseworker"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0011_step_actions_of_approval_and_departments"),
        ("alerts", "0012_alert_hukou_township"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
