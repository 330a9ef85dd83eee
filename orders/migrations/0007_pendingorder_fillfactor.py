"""PostgreSQL: leave room in each page of the mirror so that a sync's stamping of
last_seen_at (not indexed) is a HOT update: no new entry in any of the table's indexes.
A freshly filled table (fillfactor 100) has no room, and a re-sync of 100k unchanged
orders then rewrote every index (3.3 s of a 6.7 s re-sync in bench/README.md)."""

from django.db import migrations


def set_fillfactor(apps, schema_editor, value=85):
    if schema_editor.connection.vendor == "postgresql":
        table = schema_editor.quote_name(apps.get_model("orders", "PendingOrder")._meta.db_table)
        schema_editor.execute(f"ALTER TABLE {table} SET (fillfactor = {int(value)})")


def reset_fillfactor(apps, schema_editor):
    set_fillfactor(apps, schema_editor, value=100)


class Migration(migrations.Migration):
    dependencies = [("orders", "0006_list_filter_indexes")]

    operations = [migrations.RunPython(set_fillfactor, reset_fillfactor)]
