"""On PostgreSQL, refuse UPDATE and DELETE of access-log rows in the database
itself, whoever connects (the ORM refuses them on every database).

TRUNCATE is left to privileges: the application's database role should not own
the table (docs/deployment.md), and a truncated log no longer matches its chain
heads, which `peerpath audit verify` and the heads kept off-site detect. (A
TRUNCATE trigger would also stop the test runner from resetting its database.)"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION peerpath_audit_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only (%% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_accesslog_no_change
    BEFORE UPDATE OR DELETE ON audit_accesslog
    FOR EACH ROW EXECUTE FUNCTION peerpath_audit_immutable();
"""

DROP = """
DROP TRIGGER IF EXISTS audit_accesslog_no_change ON audit_accesslog;
DROP FUNCTION IF EXISTS peerpath_audit_immutable();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
