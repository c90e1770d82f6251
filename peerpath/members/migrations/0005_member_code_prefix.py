"""On PostgreSQL, an index for the member search's code prefix
(``UPPER(code) LIKE 'M00%'``, Django's ``code__istartswith``): without it the
search reads every member of the organisation (20,000 in 31 ms on the bench set).
``text_pattern_ops``: a prefix LIKE can use a btree only in that operator class
(or under the C collation). SQLite has no such operator class; its search reads
the organisation's members as before."""

from django.db import migrations

INDEX = "member_code_prefix"


def _create(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("members", "Member")._meta.db_table)
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON {table} (organization_id, UPPER(code::text) text_pattern_ops)")


def _drop(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):

    dependencies = [
        ("members", "0004_latest_in_org"),
    ]

    operations = [
        migrations.RunPython(_create, _drop, elidable=False),
    ]
