"""Alerts and alert rules, taken over from visits (issue 13) without copying a row.

The models are created in the migration state only, on the tables visits made (visits_alertrule,
visits_alert); then the tables are renamed to this app's names. visits/migrations/0005 removed the models
from visits' state first, so the two apps never hold the same table at once.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('households', '0009_remask_member_change_log'),
        ('visits', '0005_alerts_move_to_alerts_app'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='AlertRule',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=100, verbose_name='规则名称')),
                        ('event_kind', models.CharField(choices=[('category_changed', '救助类别变化'), ('assistance_started', '开始享受救助'), ('assistance_ended', '救助终止'), ('income_changed', '收入变化'), ('expense_changed', '刚性支出变化'), ('health_changed', '健康状况变化'), ('disability_changed', '残疾状况变化'), ('employment_changed', '就业状况变化'), ('member_added', '成员增加'), ('member_deceased', '成员死亡'), ('member_moved_away', '成员迁出'), ('roster_entered', '纳入花名册'), ('roster_changed', '花名册调整'), ('roster_exited', '退出花名册'), ('observation_added', '列入观察名单'), ('observation_removed', '移出观察名单'), ('village_changed', '迁至其他村/社区'), ('feed_match', '部门数据比对命中'), ('disaster', '受灾'), ('other', '其他')], max_length=30, verbose_name='家庭动态类型')),
                        ('field', models.CharField(blank=True, help_text='只看该字段的变化，如 serious_illness；留空表示不限', max_length=50, verbose_name='限定字段')),
                        ('condition', models.CharField(choices=[('any', '任何此类事件'), ('income_below_dibao', '月人均收入低于当地低保标准'), ('income_low_income_band', '月人均收入落入低收入区间'), ('newly_set', '原值为空、新值不为空（新出现）'), ('new_value_in', '新值属于所列取值')], default='any', max_length=30, verbose_name='条件')),
                        ('values', models.JSONField(blank=True, default=list, help_text='条件为“新值属于所列取值”时填写，如 ["unemployed"]', verbose_name='取值')),
                        ('reason', models.CharField(help_text='显示给工作人员的原因，可用 {old}、{new} 代表原值和新值', max_length=200, verbose_name='预警原因')),
                        ('quarterly_check', models.BooleanField(default=False, help_text='如救助终止：家庭未在花名册上时，纳入花名册并每季度回访', verbose_name='转入每季度回访')),
                        ('active', models.BooleanField(default=True, verbose_name='启用')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name='创建时间')),
                    ],
                    options={
                        'db_table': 'visits_alertrule',
                        'verbose_name': '预警规则',
                        'verbose_name_plural': '预警规则',
                        'ordering': ['event_kind', 'pk'],
                    },
                ),
                migrations.CreateModel(
                    name='Alert',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('overdue_visit', '走访逾期'), ('status_change', '情况变化'), ('referral_overdue', '转办超期'), ('help_first_paperwork_late', '先行救助补办手续超期'), ('other', '其他')], db_index=True, max_length=30, verbose_name='预警类型')),
                        ('reason', models.TextField(verbose_name='预警原因')),
                        ('status', models.CharField(choices=[('open', '新预警'), ('acknowledged', '已知悉'), ('closed', '已关闭')], db_default='open', default='open', max_length=20, verbose_name='状态')),
                        ('dedupe_key', models.CharField(max_length=200, verbose_name='去重键')),
                        ('period_start', models.DateField(blank=True, help_text='走访逾期预警：上次有效走访或纳入花名册的日期', null=True, verbose_name='本期起算日')),
                        ('source_ref', models.CharField(blank=True, db_default='', help_text='如转办编号', max_length=100, verbose_name='来源编号')),
                        ('opened_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='预警时间')),
                        ('acknowledged_at', models.DateTimeField(blank=True, null=True, verbose_name='知悉时间')),
                        ('closed_at', models.DateTimeField(blank=True, null=True, verbose_name='关闭时间')),
                        ('close_note', models.CharField(blank=True, db_default='', max_length=300, verbose_name='处理说明')),
                        ('acknowledged_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='知悉人')),
                        ('caseworker', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='assigned_alerts', to=settings.AUTH_USER_MODEL, verbose_name='责任协理员')),
                        ('closed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='关闭人')),
                        ('event', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='households.householdevent', verbose_name='家庭动态')),
                        ('household', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='alerts', to='households.household', verbose_name='家庭')),
                        ('opened_by', models.ForeignKey(blank=True, help_text='空表示系统自动', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='发起人')),
                        ('rule', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='alerts', to='alerts.alertrule', verbose_name='预警规则')),
                    ],
                    options={
                        'db_table': 'visits_alert',
                        'verbose_name': '预警',
                        'verbose_name_plural': '预警',
                        'ordering': ['-opened_at', '-pk'],
                        'indexes': [models.Index(fields=['household', 'status'], name='alert_household_status'), models.Index(fields=['status', 'kind'], name='alert_status_kind'), models.Index(fields=['opened_at'], name='alert_opened_at')],
                        'constraints': [models.UniqueConstraint(fields=('dedupe_key',), name='alert_dedupe_key_unique'), models.CheckConstraint(condition=models.Q(models.Q(('status', 'closed'), _negated=True), ('closed_at__isnull', False), _connector='OR'), name='alert_closed_has_time')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name='alertrule', table=None),
        migrations.AlterModelTable(name='alert', table=None),
    ]
