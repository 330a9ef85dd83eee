"""PostgreSQL: make a sync's stamping of last_seen_at cheap.

Every sync stamps last_seen_at on every listed order. With the record (raw, ~1 KB) inline
and full pages, each stamp wrote a whole new row and a new entry in every index: 4.4 s of
a 5.9 s re-sync of 100k unchanged orders (bench/README.md). Here the record moves to the
TOAST table (stored as is: no compression to pay for) and each page keeps room for a new
version of each of its narrow rows, so the stamp is a HOT update: a ~300-byte row
version, no index entry, the record untouched.
"""

from django.db import migrations


def _alter(apps, schema_editor, storage: str, options: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    table = quote(apps.get_model("orders", "PendingOrder")._meta.db_table)
    schema_editor.execute(f"ALTER TABLE {table} ALTER COLUMN {quote('raw')} SET STORAGE {storage}")
    schema_editor.execute(f"ALTER TABLE {table} SET ({options})")


def forwards(apps, schema_editor):
    _alter(apps, schema_editor, "EXTERNAL", "toast_tuple_target = 128, fillfactor = 50")


def backwards(apps, schema_editor):
    _alter(apps, schema_editor, "EXTENDED", "toast_tuple_target = 2032, fillfactor = 100")


class Migration(migrations.Migration):
    dependencies = [("orders", "0006_list_filter_indexes")]

    operations = [migrations.RunPython(forwards, backwards)]
