"""The list's search: any part of the PO, the recipient's name, company or e-mail, or of an
item's SKU or title, in any case (exactly Django's icontains on search_text), served by an
index on each database (SQLite: the FTS5 trigram table; PostgreSQL: the GIN trigram index).
"""

import pytest
from django.db import connection
from django.db.models import Q, TextField, Value
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orders.models import PendingOrder
from orders.search import FTS_TABLE, clean_term, search_orders
from orders.services import pending_orders_sync
from orders.services.sync_snapshot import mirrored_fields, record_hash
from tests.order_list_helpers import ids_in

pytestmark = pytest.mark.django_db
sqlite_only = pytest.mark.skipif("connection.vendor != 'sqlite'", reason="SQLite's FTS5 table")
postgres_only = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL")

# (first name, last name, company, e-mail, PO, [(SKU, title), ...])
PEOPLE = [
    ("Zoë", "Łukasiewicz", "Frame & Co", "zoe@example.test", "WC_1001", [("AP1000P", "Fine Art")]),
    ("太郎", "山田", "", "taro@example.jp", "山田-42", [("JP-1", "Print"), ("JP-2", "山田 太郎")]),
    ("Siobhan", "O'Brien", "O'Brien & Sons", "sio@obrien.test", "IE-7", [("FR3000", "Frame")]),
    ("D'Arcy", "N'Dour", "", "darcy@example.test", "ETSY-1", [("MT40", "Metal"), ("x", "D'Arcy")]),
    ("Søren", "Kierkegård", "Studio Nord", "SOREN@EXAMPLE.TEST", "DK-9", [("PC5000", "Photo")]),
    ("Marco", "Rossi", "", "marco@example.test", "IT-1", [("CV2000", "Canvas")]),
    ("Giulia", "ROSSI", "Rossini Srl", "g@example.test", "IT-2", [("CV2000", "Canvas")]),
    ("Per", "Cent", "100% Co", "p@example.test", "50%_OFF", [("A_B\\C", "Back\\slash"), ("S", "")]),
    ("Ann", "McDONALD", "", "Big.Boss@Example.TEST", "MiXeD-Case", [("S", "x"), ("ZZ-9", "Hid")]),
    ("Ann", "Lee", "", "a1@x.test", "PO-1", [("S", "Plain"), ("SECOND-SKU", "Second Title")]),
]  # fmt: skip
TERMS = [
    *("z", "%", "_", "\\", "'", "山", "ë", "R", "9"),  # one character
    *("ro", "ZO", "山田", "o'", "%_", "\\s", "_O"),  # two: no trigram
    *("Rossi", "rossi", "ROSSI", "ossi", "Rossini", "Łukasiewicz", "łukasiewicz", "ukasiew"),
    *("Kierkegård", "kierkegard", "山田 太郎", "田-4", "O'Brien", "o'brien", "D'Arcy", "'Arc"),
    *("100%", "0%_o", "A_B\\", "B\\C", "\\slash", "_OFF", "%%%", "___", "\\\\\\"),
    *("mixed-case", "big.boss@", "EXAMPLE.test", "second-sku", "second title", "zz-9"),
    *('"quoted"', 'a"b', "NEAR(a b)", "AND", "x OR y", "a*", "^ab", "col:val", "-neg", "(x)"),
    "LeeA1",  # the end of the name and the start of the e-mail: spans the separator
    "nobody at all",
]
FIXTURE_CHECK = HealthCheck.function_scoped_fixture
CHECK_SQL = "INSERT INTO orders_pendingorder_search (orders_pendingorder_search, rank) VALUES "
TRIGGERS_SQL = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s"
MATCH_SQL = "SELECT rowid FROM orders_pendingorder_search WHERE orders_pendingorder_search MATCH %s"
ORACLE_FIELDS = "order_po recipient_name recipient_company recipient_email first_sku first_title"


def record(i: int, first, last, company, email, po, items) -> dict:
    recipient = {"first_name": first, "last_name": last, "company_name": company, "email": email}
    return {
        "fulfillment_id": i,
        "order_po": po,
        "recipient": recipient,
        "order_items": [{"product_sku": s, "product_title": t, "product_qty": 1} for s, t in items],
        "shipping_code": "SD",
        "source": "web",
    }


@pytest.fixture
def corpus(owner_account):
    now = timezone.now()
    records = [record(i, *person) for i, person in enumerate(PEOPLE, start=1)]
    PendingOrder.objects.bulk_create(
        PendingOrder(account=owner_account, fulfillment_id=r["fulfillment_id"], raw=r,
                     raw_hash=record_hash(r), first_seen_at=now, last_seen_at=now,
                     **mirrored_fields(r))
        for r in records
    )  # fmt: skip
    return PendingOrder.objects.all()


def db_icontains(text: str, term: str) -> bool:
    """Whether this database's icontains finds the term in the text."""
    probe = PendingOrder.objects.alias(_text=Value(text, output_field=TextField()))
    return probe.filter(_text__icontains=term).exists()


def oracle(orders, term: str) -> set[int]:
    """Field by field: the columns, and the items after the first (the record's)."""
    match = Q()
    for field in ORACLE_FIELDS.split():
        match |= Q(**{f"{field}__icontains": term})
    pks = set(orders.filter(match).values_list("pk", flat=True))
    for order in orders:
        for item in order.raw["order_items"][1:]:
            texts = (item["product_sku"], item["product_title"])
            if any(text and db_icontains(text, term) for text in texts):
                pks.add(order.pk)
    return pks


def pks(orders) -> set[int]:
    return set(orders.values_list("pk", flat=True))


@pytest.mark.parametrize("term", TERMS)
def test_search_is_djangos_icontains_and_matches_field_by_field(corpus, term):
    found = pks(search_orders(corpus, term))

    assert found == pks(corpus.filter(search_text__icontains=term))
    assert found == oracle(corpus, term)


def test_search_finds_a_last_name_in_the_middle_of_the_field(corpus):
    found = search_orders(corpus, "rossi").values_list("recipient_name", flat=True)

    assert "Marco Rossi" in found
    assert "Giulia ROSSI" in found


def test_search_never_matches_across_two_fields(corpus):
    lee = corpus.get(recipient_name="Ann Lee")
    assert lee.search_text.startswith("PO-1\x1fAnn Lee\x1fa1@x.test")

    assert not search_orders(corpus, "LeeA1").exists()
    assert not search_orders(corpus, "Lee\x1fa1").exists()  # the separator is dropped


@pytest.mark.parametrize("term", ["Ro\x1fssi", "\x00Rossi", "Ros\u0007si\n"])
def test_control_characters_are_dropped_from_the_term(corpus, term):
    assert clean_term(term) == "Rossi"
    assert pks(search_orders(corpus, term)) == pks(corpus.filter(search_text__icontains="Rossi"))


@settings(max_examples=150, deadline=None, suppress_health_check=[FIXTURE_CHECK])
@given(
    st.text(max_size=8)
    | st.builds(
        lambda text, start, size, swap: text[start : start + size].swapcase() if swap else text,
        st.sampled_from([" ".join(map(str, person[:5])) for person in PEOPLE]),
        st.integers(0, 30),
        st.integers(1, 8),
        st.booleans(),
    )
)
def test_any_term_gives_icontains_and_never_an_error(corpus, term):
    expected = corpus.filter(search_text__icontains=clean_term(term))
    assert pks(search_orders(corpus, term)) == pks(expected)


def test_the_list_page_finds_any_part_of_a_field_and_the_exact_id(client, viewer, corpus):
    client.force_login(viewer)
    list_url = reverse("orders:list")

    assert sorted(ids_in(client.get(list_url, {"q": "rossi"}))) == [6, 7]
    assert ids_in(client.get(list_url, {"q": "second title"})) == [10]
    assert ids_in(client.get(list_url, {"q": "#4"})) == [4]
    assert sorted(ids_in(client.get(list_url, {"q": "7"}))) == [3, 7]  # PO IE-7, and id 7


def plan(orders=None, sql="", params=()) -> str:
    if orders is not None:
        sql, params = orders.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")  # a few rows: a scan is cheaper
            cursor.execute("EXPLAIN " + sql, params)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return "\n".join(str(row[-1]) for row in cursor.fetchall())


@postgres_only
def test_postgresql_reads_the_search_through_its_gin_trigram_index(corpus):
    orders = search_orders(corpus, "Rossi")
    # The expression the index holds, as Django writes it.
    assert 'UPPER("orders_pendingorder"."search_text"::text) LIKE UPPER(' in str(orders.query)

    assert "po_search_trgm" in plan(orders)


@sqlite_only
def test_sqlite_reads_a_search_of_three_characters_or_more_through_the_fts_table(
    client, viewer, corpus
):
    assert f"{FTS_TABLE} VIRTUAL TABLE" in plan(search_orders(corpus, "Ros"))
    assert FTS_TABLE not in plan(search_orders(corpus, "Ro"))  # no trigram: the plain scan
    client.force_login(viewer)
    with CaptureQueriesContext(connection) as queries:  # the list page's own query
        client.get(reverse("orders:list"), {"q": "Rossi"})
    [page_sql] = [q["sql"] for q in queries if "LIMIT 26" in q["sql"]]
    assert f"{FTS_TABLE} VIRTUAL TABLE" in plan(sql=page_sql)


@sqlite_only
def test_sqlite_keeps_the_search_triggers_after_every_migration():
    """A later migration that remakes the orders table on SQLite (Django copies it to a new
    table) loses its triggers: this fails then, until that migration creates them again."""
    with connection.cursor() as cursor:
        cursor.execute(TRIGGERS_SQL, ["orders_pendingorder"])
        names = {row[0] for row in cursor.fetchall()}
    assert {f"{FTS_TABLE}_{op}" for op in ("insert", "update", "delete")} <= names


def fts_check() -> None:
    """FTS5's own check of the index against the orders table (raises when out of step)."""
    with connection.cursor() as cursor:
        cursor.execute(CHECK_SQL + "('integrity-check', 1)")


@sqlite_only
def test_sqlite_index_follows_orm_updates_and_deletes_and_skips_other_columns(corpus):
    marco = corpus.get(recipient_name="Marco Rossi")
    before = connection.connection.total_changes
    corpus.filter(pk=marco.pk).update(state="gone", search_text=marco.search_text)
    assert connection.connection.total_changes - before == 1  # the row only, no FTS write

    corpus.filter(pk=marco.pk).update(search_text="Marco Bianchi")
    corpus.filter(recipient_name="Giulia ROSSI").delete()

    fts_check()
    assert not search_orders(corpus, "Rossi").exists()
    assert list(search_orders(corpus, "bianchi")) == [marco]


def person(last_name: str, fid=None) -> dict:
    return record(fid, "Marco", last_name, "", "m@example.test", "SYNC-1", [("CV2000", "Canvas")])


@pytest.mark.django_db(transaction=True)
def test_the_sync_keeps_the_search_in_step_with_the_mirror(fw, owner_account):
    fw.seed(5, seed=3)
    added = fw.add_order(person("Zanardelli"))  # the sandbox gives it an id
    pending_orders_sync()
    orders = PendingOrder.objects.all()
    fid = added["fulfillment_id"]
    assert [o.fulfillment_id for o in search_orders(orders, "zanardel")] == [fid]

    fw.edit_order(person("Bianchetti", fid))
    pending_orders_sync()

    assert not search_orders(orders, "zanardel").exists()
    assert [o.fulfillment_id for o in search_orders(orders, "BIANCHETTI")] == [fid]
    if connection.vendor == "sqlite":
        fts_check()
        with connection.cursor() as cursor:  # the old name is gone from the index itself
            cursor.execute(MATCH_SQL, ['"Zanardelli"'])
            assert cursor.fetchall() == []
