"""PostgreSQL: the orders table packs its pages full again.

Migration 0007 kept half of each page free so that a sync's stamp of last_seen_at on
every listed order was a cheap in-page update. A sync no longer writes unchanged orders
(the stamp is the account's listed_all_at), so the free half only doubled the table that
every count and page reads. Pages written from now on are full; VACUUM FULL repacks an
existing table at once.
"""

from django.db import migrations


def _alter(apps, schema_editor, setting: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("orders", "PendingOrder")._meta.db_table)
    schema_editor.execute(f"ALTER TABLE {table} {setting}")


def forwards(apps, schema_editor):
    _alter(apps, schema_editor, "RESET (fillfactor)")


def backwards(apps, schema_editor):
    _alter(apps, schema_editor, "SET (fillfactor = 50)")


class Migration(migrations.Migration):
    dependencies = [("orders", "0010_listed_all_at_and_all_states_index")]

    operations = [migrations.RunPython(forwards, backwards)]
