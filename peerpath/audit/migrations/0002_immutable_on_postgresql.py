"""On PostgreSQL, refuse UPDATE, DELETE and TRUNCATE of the access log in the
database itself, whoever connects (the ORM refuses them on every database)."""

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
CREATE TRIGGER audit_accesslog_no_truncate
    BEFORE TRUNCATE ON audit_accesslog
    FOR EACH STATEMENT EXECUTE FUNCTION peerpath_audit_immutable();
"""

DROP = """
DROP TRIGGER IF EXISTS audit_accesslog_no_truncate ON audit_accesslog;
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
