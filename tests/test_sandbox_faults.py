"""The FinerWorks sandbox's fault modes, over real HTTP: the fault queue, each failing mode
doing nothing, dropped connections, late answers and latency, deletes that happen despite an
error or do not happen despite a success, and the broken listings (no orders list, deep
nesting, huge bodies) and lost answers (deleted, then rate limited) fwadmin must survive."""

from __future__ import annotations

import time

import pytest
import requests

from orders.finerworks.sandbox import FAULT_MODES, Sandbox
from tests.sandbox_helpers import control, post

# ---------------------------------------------------------------- faults


def test_fault_queue_consumed_per_matching_request(sandbox):
    sandbox.add_fault("delete_pending_orders", "500", times=2)
    assert post(sandbox, "list_pending_orders", {}).status_code == 200
    assert post(sandbox, "delete_pending_orders", {"ids": [1]}).status_code == 500
    assert post(sandbox, "delete_pending_orders", {"ids": [1]}).status_code == 500
    assert post(sandbox, "delete_pending_orders", {"ids": [1]}).status_code == 200


def test_wildcard_fault_and_clear(sandbox):
    sandbox.add_fault("*", "429", times=5)
    resp = post(sandbox, "list_pending_orders", {})
    assert resp.status_code == 429 and resp.headers["Retry-After"] == "1"
    sandbox.clear_faults()
    assert post(sandbox, "list_pending_orders", {}).status_code == 200


def test_unknown_fault_mode_or_endpoint_rejected(sandbox):
    with pytest.raises(ValueError):
        sandbox.add_fault("*", "explode")
    with pytest.raises(ValueError):
        sandbox.add_fault("list_orders", "500")


@pytest.mark.parametrize(
    "mode",
    ["500", "502_html", "success_false", "malformed_json", "429", "503_retry", "400_modelstate"],
)
def test_failing_fault_modes_do_nothing(sandbox, mode):
    ids = [r["fulfillment_id"] for r in sandbox.seed(2)]
    sandbox.add_fault("delete_pending_orders", mode)
    resp = post(sandbox, "delete_pending_orders", {"ids": ids})
    assert sandbox.listed_ids() == set(ids)
    expected = {"500": 500, "502_html": 502, "429": 429, "503_retry": 503, "400_modelstate": 400}
    assert resp.status_code == expected.get(mode, 200)
    if mode == "502_html":
        assert resp.text.startswith("<html>")
    if mode == "success_false":
        status = resp.json()["status"]
        assert status["success"] is False
        assert status["message"] == "Order ids could not be processed"
    if mode == "malformed_json":
        assert resp.text == '{"status": {"success": tru'
    if mode == "503_retry":
        assert resp.headers["Retry-After"] == "1"


def test_drop_closes_without_response(sandbox):
    ids = [r["fulfillment_id"] for r in sandbox.seed(1)]
    sandbox.add_fault("*", "drop")
    with pytest.raises(requests.exceptions.ConnectionError):
        post(sandbox, "delete_pending_orders", {"ids": ids})
    assert sandbox.listed_ids() == set(ids)


def test_read_timeout_fault_answers_late_and_does_nothing():
    with Sandbox(timeout_sleep=0.5) as sb:
        ids = [r["fulfillment_id"] for r in sb.seed(1)]
        sb.add_fault("*", "read_timeout")
        with pytest.raises(requests.exceptions.ReadTimeout):
            post(sb, "delete_pending_orders", {"ids": ids}, timeout=0.2)
        assert sb.listed_ids() == set(ids)


def test_deleted_but_500_and_sticky(sandbox):
    ids = [r["fulfillment_id"] for r in sandbox.seed(4)]
    sandbox.add_fault("delete_pending_orders", "deleted_but_500")
    assert post(sandbox, "delete_pending_orders", {"ids": ids[:2]}).status_code == 500
    assert sandbox.listed_ids() == set(ids[2:])
    sandbox.add_fault("delete_pending_orders", "sticky")
    resp = post(sandbox, "delete_pending_orders", {"ids": ids[2:]})
    assert resp.status_code == 200 and resp.json()["status"]["success"] is True
    assert sandbox.listed_ids() == set(ids[2:])


def test_latency_delays_answers(sandbox):
    sandbox.set_latency(200)
    started = time.monotonic()
    post(sandbox, "list_pending_orders", {})
    assert time.monotonic() - started >= 0.2


def test_all_fault_modes_documented():
    assert set(FAULT_MODES) == {
        "500",
        "502_html",
        "read_timeout",
        "drop",
        "success_false",
        "malformed_json",
        "429",
        "503_retry",
        "400_modelstate",
        "deleted_but_500",
        "deleted_but_429",
        "deleted_but_503",
        "saved_but_500",
        "sticky",
        "orders_missing",
        "orders_null",
        "orders_not_list",
        "deep_nesting",
        "huge_body",
    }


# ---------------------------------------------------------------- broken listings, lost answers


def list_fault(sb: Sandbox, mode: str) -> requests.Response:
    assert control(sb, "fault", {"endpoint": "list_pending_orders", "mode": mode}).ok
    return post(sb, "list_pending_orders", {})


@pytest.mark.parametrize(
    "mode, orders",
    [
        ("orders_missing", "absent"),
        ("orders_null", None),
        ("orders_not_list", {"fulfillment_id": 1}),
    ],
)
def test_shapeless_list_faults_answer_success_without_an_orders_list(sandbox, mode, orders):
    sandbox.seed(2)
    resp = list_fault(sandbox, mode)
    body = resp.json()
    assert resp.status_code == 200 and body["status"]["success"] is True
    assert body.get("orders", "absent") == orders
    assert len(post(sandbox, "list_pending_orders", {}).json()["orders"]) == 2  # one-shot


def test_deep_nesting_fault_nests_one_record_deep_without_recursion(sandbox):
    assert sandbox.deep_nesting_depth == 20_000
    content = list_fault(sandbox, "deep_nesting").content
    assert content.count(b"[") == 20_001 and b"[" * 20_000 + b"]" * 20_000 in content
    sandbox.deep_nesting_depth = 3
    body = list_fault(sandbox, "deep_nesting").json()
    assert body["status"]["success"] is True
    (record,) = body["orders"]
    assert isinstance(record["fulfillment_id"], int) and record["x"] == [[[]]]


def test_huge_body_fault_lists_the_orders_plus_one_padded_record(sandbox):
    records = sandbox.seed(2)
    assert sandbox.huge_body_bytes == 3_000_000
    resp = list_fault(sandbox, "huge_body")
    assert resp.status_code == 200 and len(resp.content) >= 3_000_000
    *listed, extra = resp.json()["orders"]
    assert listed == records
    assert extra["fulfillment_id"] == 999_999_999 and set(extra["padding"]) == {"x"}


def test_huge_body_padding_record_never_reuses_a_known_id(sandbox):
    sandbox.add_order({"fulfillment_id": 999_999_999})
    sandbox.add_raw_record({"fulfillment_id": 1_000_000_000})
    sandbox.huge_body_bytes = 10
    extra = list_fault(sandbox, "huge_body").json()["orders"][-1]
    assert extra["fulfillment_id"] == 1_000_000_001 and extra["padding"] == ""


@pytest.mark.parametrize("mode, code", [("deleted_but_429", 429), ("deleted_but_503", 503)])
def test_deleted_but_rate_limited_deletes_then_answers_retry_after(sandbox, mode, code):
    owner = [r["fulfillment_id"] for r in sandbox.seed(1)]
    sandbox.add_account("acct-A")
    ids = [r["fulfillment_id"] for r in sandbox.seed(2, account_key="acct-A", seed=1)]
    assert control(sandbox, "fault", {"endpoint": "delete_pending_orders", "mode": mode}).ok
    resp = post(
        sandbox, "delete_pending_orders", {"ids": [owner[0], ids[0]], "account_key": "acct-A"}
    )
    assert resp.status_code == code and resp.headers["Retry-After"] == "1"
    assert "Message" in resp.json() and "status" not in resp.json()
    assert sandbox.deleted_ids == {ids[0]}  # the owner's id is foreign to acct-A
    assert sandbox.listed_ids("acct-A") == {ids[1]} and sandbox.listed_ids() == set(owner)


def test_deleted_but_modes_on_a_listing_answer_the_listing_with_that_status(sandbox):
    records = sandbox.seed(2)
    resp = list_fault(sandbox, "deleted_but_429")
    assert resp.status_code == 429 and resp.headers["Retry-After"] == "1"
    assert resp.json()["orders"] == records
