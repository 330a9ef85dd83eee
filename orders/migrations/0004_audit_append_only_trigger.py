"""On PostgreSQL the database itself keeps the audit append-only, whatever code runs.

UPDATE is refused except the one Django performs when a user is deleted (acting_user set
to NULL); DELETE is refused unless the transaction set `fwadmin.audit_prune` to 'on',
which only the prune_finerworks_calls command does.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION fwadmin_audit_append_only() RETURNS trigger AS $$
DECLARE
    unlinked orders_finerworkscall;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        unlinked := OLD;
        unlinked.acting_user_id := NULL;
        IF NEW IS NOT DISTINCT FROM unlinked THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'orders_finerworkscall is append-only (UPDATE refused)';
    END IF;
    IF current_setting('fwadmin.audit_prune', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'orders_finerworkscall is append-only (DELETE refused; use prune_finerworks_calls)';
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS fwadmin_audit_append_only ON orders_finerworkscall;
CREATE TRIGGER fwadmin_audit_append_only
    BEFORE UPDATE OR DELETE ON orders_finerworkscall
    FOR EACH ROW EXECUTE FUNCTION fwadmin_audit_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS fwadmin_audit_append_only ON orders_finerworkscall;
DROP FUNCTION IF EXISTS fwadmin_audit_append_only();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("orders", "0003_deletion_queue")]
    operations = [migrations.RunPython(create_trigger, drop_trigger)]
