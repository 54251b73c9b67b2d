"""The audit log as evidence (issue 19): the chain's tables, the seal of every entry already stored (in id
order), then the triggers that refuse updates and deletes of the audit tables.

It runs after every migration that rewrote stored entries (households 0009 re-masked ID numbers in them):
from here on no migration can change an entry; see README "Audit log" for the one archive path.
"""
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def seal_existing(apps, schema_editor):
    # The hash is the chain's own (it never changes, or no chain would verify); the rows are read through
    # the historical models.
    from relief.audit_chain import CHUNK, FIELDS, GENESIS, canonical, link_hash

    LogEntry = apps.get_model("auditlog", "LogEntry")
    AuditSeal = apps.get_model("relief", "AuditSeal")
    seq, prev = 0, GENESIS
    ids = list(LogEntry.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), CHUNK):
        seals = []
        for row in LogEntry.objects.filter(pk__in=ids[start:start + CHUNK]).order_by("pk").values(*FIELDS):
            seq += 1
            digest = link_hash(prev, seq, canonical(row))
            seals.append(AuditSeal(seq=seq, entry_id=row["id"], prev_hash=prev, hash=digest))
            prev = digest
        AuditSeal.objects.bulk_create(seals)


def install_triggers(apps, schema_editor):
    from relief.audit_triggers import install

    install(schema_editor)


def remove_triggers(apps, schema_editor):
    from relief.audit_triggers import remove

    remove(schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ('relief', '0002_departments_staff'),
        migrations.swappable_dependency(settings.AUDITLOG_LOGENTRY_MODEL),
        ("auditlog", "0017_add_actor_email"),
        # The last migration that rewrote stored entries: it must run while they still can be.
        ("households", "0009_remask_member_change_log"),
    ]

    operations = [
        migrations.CreateModel(
            name='AuditArchive',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='归档时间')),
                ('cutoff', models.DateTimeField(help_text='早于此时间的记录', verbose_name='归档截止')),
                ('first_seq', models.BigIntegerField(verbose_name='起始链序号')),
                ('last_seq', models.BigIntegerField(verbose_name='结束链序号')),
                ('prev_hash', models.CharField(max_length=64, verbose_name='起始前一环印记')),
                ('last_hash', models.CharField(max_length=64, verbose_name='最后一环印记')),
                ('entries', models.PositiveIntegerField(verbose_name='记录数')),
                ('file_name', models.CharField(max_length=255, verbose_name='归档文件')),
                ('signature', models.CharField(help_text='HMAC-SHA256', max_length=64, verbose_name='文件签名')),
            ],
            options={
                'verbose_name': '审计归档',
                'verbose_name_plural': '审计归档',
                'ordering': ['last_seq'],
            },
        ),
        migrations.CreateModel(
            name='AuditSeal',
            fields=[
                ('seq', models.BigIntegerField(primary_key=True, serialize=False, verbose_name='链序号')),
                ('prev_hash', models.CharField(max_length=64, verbose_name='上一环印记')),
                ('hash', models.CharField(max_length=64, verbose_name='本环印记')),
                ('entry', models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='audit_seal', to=settings.AUDITLOG_LOGENTRY_MODEL, verbose_name='审计记录')),
            ],
            options={
                'verbose_name': '审计链环',
                'verbose_name_plural': '审计链环',
            },
        ),
        migrations.RunPython(seal_existing, migrations.RunPython.noop),
        migrations.RunPython(install_triggers, remove_triggers),
    ]
