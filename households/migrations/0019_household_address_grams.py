"""The residence and hukou addresses' one- and two-character pieces GIN-indexed on PostgreSQL, as the names'
are (0018_member_name_grams, whose function households_name_grams this reuses: it cuts any text). A search
box term is looked for in both addresses (households.selectors.households_at_address): without an index that
read every address of the jurisdiction on each search, the search's largest cost from 100,000 households on.
A term of one or two characters is one piece; a longer one holds all its two-character pieces, and LIKE
checks the rows the index gives. SQLite has neither: the same search is LIKE there, with the same result."""
from django.db import migrations

INDEXES = {
    "household_residence_grams": "residence_address",
    "household_hukou_grams": "hukou_address",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, column in INDEXES.items():
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "households_household" '
                              f'USING gin (households_name_grams("{column}"))')


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):

    dependencies = [
        ('households', '0018_member_name_grams'),
    ]

    operations = [
        migrations.RunPython(create, drop),
    ]
