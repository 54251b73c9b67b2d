"""Members searched as staff search (issue 18): every pinyin reading of the name kept on the row, filled
for the members already registered; on PostgreSQL trigram indexes so that a name or pinyin `contains`
(LIKE '%建国%') is an index scan over a district's 250,000 members. SQLite has no trigram index: the same
queries scan the table there."""
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models

FILL_BATCH = 2000

TRIGRAM_INDEXES = {
    "member_name_trgm": "name",
    "member_name_pinyin_trgm": "name_pinyin",
}


class TrigramExtensionOnPostgres(TrigramExtension):
    """pg_trgm where the database is PostgreSQL (CreateExtension already skips other databases going
    forwards); going back it stays, as other indexes may come to use it."""

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        pass


def fill_pinyin(apps, schema_editor):
    from households.pinyin import name_pinyin

    Member = apps.get_model("households", "Member")
    last = 0
    while True:
        rows = list(Member.objects.filter(pk__gt=last).order_by("pk").only("pk", "name")[:FILL_BATCH])
        if not rows:
            return
        for row in rows:
            row.name_pinyin = name_pinyin(row.name)
        Member.objects.bulk_update(rows, ["name_pinyin"])
        last = rows[-1].pk


def trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for index, column in TRIGRAM_INDEXES.items():
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{index}" ON "households_member" '
                              f'USING gin ("{column}" gin_trgm_ops)')


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for index in TRIGRAM_INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{index}"')


class Migration(migrations.Migration):

    dependencies = [
        ('households', '0013_care_agreements'),
    ]

    operations = [
        migrations.AddField(
            model_name='member',
            name='name_pinyin',
            field=models.CharField(blank=True, default='', editable=False, max_length=500, verbose_name='姓名拼音'),
        ),
        TrigramExtensionOnPostgres(),
        migrations.RunPython(fill_pinyin, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(trigram_indexes, drop_trigram_indexes),
    ]
