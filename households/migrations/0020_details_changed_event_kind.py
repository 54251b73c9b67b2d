"""Edits of a family's or a member's other fields (address, phone, housing, a name) were events of the kind
其他, beside checks and agreements that are no edit at all: they become 基本信息变更, past ones too."""
from django.db import migrations, models


def edits_are_details_changed(apps, schema_editor):
    event = apps.get_model("households", "HouseholdEvent")
    fields = set()
    for model_name in ("Household", "Member"):
        for field in apps.get_model("households", model_name)._meta.concrete_fields:
            fields |= {field.name, field.attname}
    event.objects.filter(kind="other", field__in=sorted(fields)).update(kind="details_changed")


def edits_are_other_again(apps, schema_editor):
    apps.get_model("households", "HouseholdEvent").objects.filter(kind="details_changed").update(kind="other")


class Migration(migrations.Migration):

    dependencies = [
        ('households', '0019_household_address_grams'),
    ]

    operations = [
        migrations.AlterField(
            model_name='householdevent',
            name='kind',
            field=models.CharField(choices=[('category_changed', '救助类别变化'), ('assistance_started', '开始享受救助'), ('assistance_ended', '救助终止'), ('income_changed', '收入变化'), ('expense_changed', '刚性支出变化'), ('health_changed', '健康状况变化'), ('disability_changed', '残疾状况变化'), ('employment_changed', '就业状况变化'), ('member_added', '成员增加'), ('member_deceased', '成员死亡'), ('member_moved_away', '成员迁出'), ('roster_entered', '纳入花名册'), ('roster_changed', '花名册调整'), ('roster_exited', '退出花名册'), ('observation_added', '列入观察名单'), ('observation_removed', '移出观察名单'), ('village_changed', '迁至其他村/社区'), ('feed_match', '部门数据比对命中'), ('disaster', '受灾'), ('details_changed', '基本信息变更'), ('other', '其他')], db_index=True, max_length=30, verbose_name='事件'),
        ),
        migrations.RunPython(edits_are_details_changed, edits_are_other_again),
    ]
