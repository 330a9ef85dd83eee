"""PostgreSQL: make a sync's stamping of last_seen_at cheap.

Every sync stamps last_seen_at on every listed order. In full pages each stamp wrote a
new row version elsewhere and a new entry in every one of the table's indexes: 4.4 s of a
5.9 s re-sync of 100k unchanged orders (bench/README.md). With half of each page kept
free, the new version fits beside the old one and, last_seen_at being in no index, the
stamp is a HOT update: no index entry at all. The cost is a heap twice the size (it
applies to pages written from now on; VACUUM FULL rewrites an existing table).
"""

from django.db import migrations


def _alter(apps, schema_editor, setting: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("orders", "PendingOrder")._meta.db_table)
    schema_editor.execute(f"ALTER TABLE {table} {setting}")


def forwards(apps, schema_editor):
    _alter(apps, schema_editor, "SET (fillfactor = 50)")


def backwards(apps, schema_editor):
    _alter(apps, schema_editor, "RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("orders", "0006_list_filter_indexes")]

    operations = [migrations.RunPython(forwards, backwards)]
