"""A name's one- and two-character pieces indexed on PostgreSQL (issue 18): a trigram index cannot serve a
search for 建国 or 峰 (LIKE '%建国%' yields no trigram, so pg_trgm reads its whole index or the planner scans
the members table). The pieces are the database's own expression over `name` — households_name_grams(name), a
GIN index of text[] — so no writer keeps them and they cannot fall out of step with the name; an index build
is all the members already registered need. households.selectors.members_matching_name asks
`households_name_grams(name) @> ARRAY[term]` for a term of one or two characters. SQLite has neither the
function nor the index: the same search is `name LIKE` there, with the same result."""
from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION households_name_grams(name text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT substr(name, i, n)), '{}')
    FROM generate_series(1, char_length(name)) AS i, (VALUES (1), (2)) AS len(n)
    WHERE i + n - 1 <= char_length(name)
$$
"""
INDEX = ('CREATE INDEX IF NOT EXISTS "member_name_grams" ON "households_member" '
         'USING gin (households_name_grams("name"))')


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    schema_editor.execute(INDEX)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute('DROP INDEX IF EXISTS "member_name_grams"')
    schema_editor.execute("DROP FUNCTION IF EXISTS households_name_grams(text)")


class Migration(migrations.Migration):

    dependencies = [
        ('households', '0017_member_id_hash_unique'),
    ]

    operations = [
        migrations.RunPython(create, drop),
    ]
