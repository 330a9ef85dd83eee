"""The FinerWorks sandbox's demo data and serve(): deterministic, realistic records made
fast, deterministic demo account keys, a demo sandbox seeded for the owner and each account,
and a foreground server that runs until stopped."""

from __future__ import annotations

import io
import json
import queue
import threading
import time
import uuid

from orders.finerworks.demo_data import SCRIPT, make_records
from orders.finerworks.sandbox import build_demo_sandbox, demo_account_keys, serve
from tests.sandbox_helpers import post


def test_make_records_is_deterministic_and_realistic():
    records = make_records(300, seed=5, start_id=10)
    assert records == make_records(300, seed=5, start_id=10)
    assert records != make_records(300, seed=6, start_id=10)
    assert [r["fulfillment_id"] for r in records] == list(range(10, 310))
    pos = [r["order_po"] for r in records]
    assert len(set(pos)) < len(pos)  # duplicates exist
    blob = json.dumps(records, ensure_ascii=False)
    for needle in ("O'Brien", "Zoë", "Łukasiewicz", "山田", SCRIPT, "createdAt"):
        assert needle in blob
    for r in records:
        assert 1 <= len(r["order_items"]) <= 3
        assert r["shipping_code"] in {"EC", "SD", "FS"}
        assert r["source"] in {"web", "excel", "shopify", "woocommerce", "etsy"}
        assert isinstance(r["test_mode"], bool)
        assert set(r["recipient"]) >= {
            "first_name",
            "last_name",
            "company_name",
            "address_1",
            "city",
            "state_code",
            "zip_postal_code",
            "country_code",
            "phone",
            "email",
        }
        item = r["order_items"][0]
        assert {"product_sku", "product_title", "product_qty", "product_image"} <= set(item)


def test_make_records_100k_is_fast():
    started = time.monotonic()
    assert len(make_records(100_000, seed=1)) == 100_000
    assert time.monotonic() - started < 10


def test_demo_account_keys_are_deterministic_uuids():
    keys = demo_account_keys(3)
    assert keys == demo_account_keys(3) and len(set(keys)) == 3
    assert demo_account_keys(2) == keys[:2]
    for key in keys:
        uuid.UUID(key)


def test_build_demo_sandbox_seeds_owner_and_accounts():
    sb = build_demo_sandbox(port=0, accounts=2, orders_per_account=5)
    assert sb.accounts == [None, *demo_account_keys(2)]
    assert all(len(sb.listed_ids(k)) == 5 for k in sb.accounts)


def test_serve_runs_in_foreground_until_stopped():
    ready: queue.Queue = queue.Queue()
    out = io.StringIO()
    thread = threading.Thread(
        target=serve,
        kwargs={
            "port": 0,
            "accounts": 1,
            "orders_per_account": 3,
            "out": out,
            "on_ready": ready.put,
        },
        daemon=True,
    )
    thread.start()
    sb = ready.get(timeout=10)
    key = demo_account_keys(1)[0]
    assert len(post(sb, "list_pending_orders", {"account_key": key}).json()["orders"]) == 3
    sb.stop()
    thread.join(timeout=5)
    assert not thread.is_alive()
    text = out.getvalue()
    assert sb.base_url in text and key in text and "sandbox-web-key" in text
