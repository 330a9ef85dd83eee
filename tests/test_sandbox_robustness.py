"""The FinerWorks sandbox holds up over real HTTP: concurrent lists and deletes, a listing
of 100,000 records in one response, and a prompt stop even while a read-timeout fault holds an
answer back."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from orders.finerworks.sandbox import Sandbox
from tests.sandbox_helpers import post


def test_concurrent_requests(sandbox):
    ids = [r["fulfillment_id"] for r in sandbox.seed(200)]

    def work(i: int) -> int:
        if i % 2:
            return post(
                sandbox, "delete_pending_orders", {"ids": ids[i * 5 : i * 5 + 5]}
            ).status_code
        return post(sandbox, "list_pending_orders", {}).status_code

    with ThreadPoolExecutor(max_workers=16) as pool:
        codes = list(pool.map(work, range(40)))
    assert codes == [200] * 40
    expected_deleted = {fid for i in range(1, 40, 2) for fid in ids[i * 5 : i * 5 + 5]}
    assert sandbox.deleted_ids == expected_deleted
    assert sandbox.listed_ids() == set(ids) - expected_deleted
    assert len(sandbox.requests) == 40


def test_lists_100k_records_in_one_response(sandbox):
    sandbox.seed(100_000, seed=7)
    resp = post(sandbox, "list_pending_orders", {})
    assert len(resp.json()["orders"]) == 100_000


def test_stop_is_prompt_even_during_read_timeout_fault():
    sb = Sandbox(timeout_sleep=30).start()
    sb.add_fault("*", "read_timeout")
    with pytest.raises(requests.exceptions.ReadTimeout):
        post(sb, "list_pending_orders", {}, timeout=0.2)
    started = time.monotonic()
    sb.stop()
    assert time.monotonic() - started < 3
