"""The list's search (orders/search.py, Django's icontains on search_text) gets an index.

PostgreSQL: a GIN trigram index on exactly the expression Django's icontains compiles to,
UPPER("search_text"::text), so `UPPER(...) LIKE UPPER('%term%')` is an index scan.

SQLite (3.34 or later): an FTS5 table with the trigram tokenizer over the orders table
(external content, rowid = the order's id), kept in step by triggers whatever writes the
rows (the sync's raw upsert, ORM saves and updates); the update trigger fires only when
search_text changes. The existing rows are indexed at once ('rebuild').
"""

import sqlite3

from django.db import migrations

FTS_CREATE = [
    """CREATE VIRTUAL TABLE orders_pendingorder_search USING fts5(
        search_text, content='orders_pendingorder', content_rowid='id',
        tokenize='trigram', columnsize=0)""",
    """CREATE TRIGGER orders_pendingorder_search_insert AFTER INSERT ON orders_pendingorder
    BEGIN
        INSERT INTO orders_pendingorder_search (rowid, search_text)
        VALUES (new.id, new.search_text);
    END""",
    """CREATE TRIGGER orders_pendingorder_search_delete AFTER DELETE ON orders_pendingorder
    BEGIN
        INSERT INTO orders_pendingorder_search (orders_pendingorder_search, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
    END""",
    """CREATE TRIGGER orders_pendingorder_search_update
    AFTER UPDATE OF search_text ON orders_pendingorder
    WHEN old.search_text IS NOT new.search_text
    BEGIN
        INSERT INTO orders_pendingorder_search (orders_pendingorder_search, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
        INSERT INTO orders_pendingorder_search (rowid, search_text)
        VALUES (new.id, new.search_text);
    END""",
    # The orders mirrored before this migration.
    "INSERT INTO orders_pendingorder_search (orders_pendingorder_search) VALUES ('rebuild')",
]
FTS_DROP = [
    "DROP TRIGGER IF EXISTS orders_pendingorder_search_update",
    "DROP TRIGGER IF EXISTS orders_pendingorder_search_delete",
    "DROP TRIGGER IF EXISTS orders_pendingorder_search_insert",
    "DROP TABLE IF EXISTS orders_pendingorder_search",
]
# The expression must be the one Django writes for search_text__icontains, cast included.
PG_CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    """CREATE INDEX po_search_trgm ON orders_pendingorder
    USING gin ((UPPER("search_text"::text)) gin_trgm_ops)""",
]
# The extension stays: other objects may use it, and keeping it is harmless.
PG_DROP = ["DROP INDEX IF EXISTS po_search_trgm"]


def _run(schema_editor, statements: list[str]) -> None:
    for sql in statements:
        schema_editor.execute(sql, params=None)


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, PG_CREATE)
    elif vendor == "sqlite":
        if sqlite3.sqlite_version_info < (3, 34):
            raise RuntimeError(
                f"The order search needs SQLite 3.34 or later (FTS5's trigram tokenizer); "
                f"this is {sqlite3.sqlite_version}."
            )
        _run(schema_editor, FTS_CREATE)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, PG_DROP)
    elif vendor == "sqlite":
        _run(schema_editor, FTS_DROP)


class Migration(migrations.Migration):
    dependencies = [("orders", "0015_junk_columns")]

    operations = [migrations.RunPython(forwards, backwards)]
