"""The FinerWorks sandbox behaves like the documented API, over real HTTP."""

from __future__ import annotations

import io
import json
import queue
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from orders.finerworks.demo_data import SCRIPT, make_records
from orders.finerworks.sandbox import (
    FAULT_MODES,
    Sandbox,
    build_demo_sandbox,
    demo_account_keys,
    serve,
)

KEYS = {"web_api_key": "sandbox-web-key", "app_key": "sandbox-app-key"}
CREDENTIALS_BODY = {
    "Message": "The request is invalid.",
    "ModelState": {
        "ApiC.Models.authorization_credentials": ["Missing or unauthorized api credentials"]
    },
}


def post(sb: Sandbox, endpoint: str, body, headers=KEYS, timeout=5, **kw) -> requests.Response:
    return requests.post(
        f"{sb.base_url}/v3/{endpoint}", json=body, headers=headers, timeout=timeout, **kw
    )


def fids(resp: requests.Response) -> set[int]:
    return {o["fulfillment_id"] for o in resp.json()["orders"]}


# ---------------------------------------------------------------- API shape


def test_list_envelope_and_orders(sandbox):
    records = sandbox.seed(3)
    resp = post(sandbox, "list_pending_orders", {})
    assert resp.status_code == 200
    body = resp.json()
    status = body["status"]
    assert status["success"] is True and status["status_code"] == 200
    assert status["message"] == "" and status["debug"] == {} and status["domain"] is None
    uuid.UUID(status["reference_id"])
    assert body["orders"] == records


def test_reference_ids_are_unique_per_response(sandbox):
    a = post(sandbox, "list_pending_orders", {}).json()["status"]["reference_id"]
    b = post(sandbox, "list_pending_orders", {}).json()["status"]["reference_id"]
    assert a != b


def test_list_filters_by_ids_and_ignores_unknown(sandbox):
    ids = [r["fulfillment_id"] for r in sandbox.seed(4)]
    resp = post(sandbox, "list_pending_orders", {"ids": [ids[0], ids[2], 999_999_999]})
    assert fids(resp) == {ids[0], ids[2]}


def test_list_rejects_non_integer_ids(sandbox):
    resp = post(sandbox, "list_pending_orders", {"ids": ["1"]})
    assert resp.status_code == 400 and "ModelState" in resp.json()


@pytest.mark.parametrize("body", [{}, {"ids": []}, {"ids": ["1"]}, {"ids": [True]}, {"ids": 5}])
def test_delete_requires_non_empty_int_ids(sandbox, body):
    sandbox.seed(2)
    resp = post(sandbox, "delete_pending_orders", body)
    assert resp.status_code == 400
    assert resp.json()["ModelState"] == {"request.ids": ["The ids field is required."]}
    assert sandbox.deleted_ids == set()


def test_delete_returns_envelope_only_and_ignores_unknown_and_foreign_ids(sandbox):
    owner = [r["fulfillment_id"] for r in sandbox.seed(2)]
    sandbox.add_account("acct-A")
    foreign = [r["fulfillment_id"] for r in sandbox.seed(2, account_key="acct-A", seed=2)]
    resp = post(sandbox, "delete_pending_orders", {"ids": [owner[0], foreign[0], 123]})
    assert resp.status_code == 200 and set(resp.json()) == {"status"}
    assert sandbox.listed_ids() == {owner[1]}
    assert sandbox.listed_ids("acct-A") == set(foreign)
    assert sandbox.deleted_ids == {owner[0]}


def test_soft_deleted_ids_never_listed_again(sandbox):
    ids = [r["fulfillment_id"] for r in sandbox.seed(3)]
    post(sandbox, "delete_pending_orders", {"ids": ids[:1]})
    post(sandbox, "delete_pending_orders", {"ids": ids[:1]})  # repeat is harmless
    assert fids(post(sandbox, "list_pending_orders", {})) == set(ids[1:])
    assert fids(post(sandbox, "list_pending_orders", {"ids": ids})) == set(ids[1:])
    with pytest.raises(ValueError):
        sandbox.add_order({"fulfillment_id": ids[0], "order_po": "X"})


def test_test_my_credentials(sandbox):
    resp = requests.get(f"{sandbox.base_url}/v3/test_my_credentials", headers=KEYS, timeout=5)
    body = resp.json()
    assert body["status"]["success"] is True
    assert body["user_account"]["username"] == "sandbox"
    assert "account_id" in body["user_account"]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"web_api_key": "sandbox-web-key"},
        {"app_key": "sandbox-app-key"},
        {"web_api_key": "sandbox-web-key", "app_key": "sandbox-web-key"},
        {"web_api_key": "nope", "app_key": "sandbox-app-key"},
    ],
)
def test_missing_or_wrong_keys_get_400_modelstate(sandbox, headers):
    sandbox.seed(1)
    for endpoint in ("list_pending_orders", "delete_pending_orders"):
        resp = post(sandbox, endpoint, {"ids": [100001]}, headers=headers)
        assert resp.status_code == 400 and resp.json() == CREDENTIALS_BODY
    resp = requests.get(f"{sandbox.base_url}/v3/test_my_credentials", headers=headers, timeout=5)
    assert resp.status_code == 400 and resp.json() == CREDENTIALS_BODY
    assert sandbox.deleted_ids == set()
    assert all(r["had_valid_keys"] is False for r in sandbox.requests)


def test_query_string_keys_are_accepted(sandbox):
    sandbox.seed(2)
    resp = post(sandbox, "list_pending_orders", {}, headers={}, params=KEYS)
    assert resp.status_code == 200 and len(resp.json()["orders"]) == 2


def test_requests_log_records_header_names_not_values(sandbox):
    post(sandbox, "list_pending_orders", {"ids": [1]})
    (req,) = sandbox.requests
    assert req["endpoint"] == "list_pending_orders" and req["method"] == "POST"
    assert req["body"] == {"ids": [1]} and req["had_valid_keys"] is True
    assert "web_api_key" in req["header_names"]
    assert "sandbox-web-key" not in json.dumps(req["header_names"])
    sandbox.reset_requests()
    assert sandbox.requests == []


def test_account_key_routing_and_fallback():
    with Sandbox() as sb:
        sb.add_account("acct-A")
        owner = {r["fulfillment_id"] for r in sb.seed(2)}
        other = {r["fulfillment_id"] for r in sb.seed(2, account_key="acct-A", seed=1)}
        assert not owner & other  # ids unique across the sandbox
        assert fids(post(sb, "list_pending_orders", {"account_key": "acct-A"})) == other
        assert fids(post(sb, "list_pending_orders", {"account_key": "unknown"})) == owner
        assert fids(post(sb, "list_pending_orders", {"account_key": None})) == owner
    with Sandbox(account_keys_allowed=False) as sb:
        sb.add_account("acct-A")
        owner = {r["fulfillment_id"] for r in sb.seed(2)}
        sb.seed(2, account_key="acct-A", seed=1)
        assert fids(post(sb, "list_pending_orders", {"account_key": "acct-A"})) == owner
        post(sb, "delete_pending_orders", {"ids": sorted(owner), "account_key": "acct-A"})
        assert sb.listed_ids() == set() and len(sb.listed_ids("acct-A")) == 2


def test_add_order_assigns_ids_and_keeps_extra_fields(sandbox):
    rec = sandbox.add_order({"order_po": "WC_1", "createdAt": "2025-01-01T00:00:00Z"})
    rec2 = sandbox.add_order({"order_po": "WC_1"})  # duplicate order_po is fine
    assert rec2["fulfillment_id"] == rec["fulfillment_id"] + 1
    orders = post(sandbox, "list_pending_orders", {}).json()["orders"]
    assert orders[0]["createdAt"] == "2025-01-01T00:00:00Z"


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
        "sticky",
        "orders_missing",
        "orders_null",
        "orders_not_list",
        "deep_nesting",
        "huge_body",
    }


def test_public_names_stay_importable_from_the_sandbox_module():
    from orders.finerworks import sandbox

    for name in (
        "Sandbox",
        "FAULT_MODES",
        "ENDPOINTS",
        "build_demo_sandbox",
        "serve",
        "main",
        "demo_account_keys",
        "DEFAULT_WEB_API_KEY",
        "DEFAULT_APP_KEY",
        "CREDENTIALS_BODY",
    ):
        assert hasattr(sandbox, name), name
    assert sandbox.CREDENTIALS_BODY == CREDENTIALS_BODY


# ---------------------------------------------------------------- control surface


def test_http_control_surface(sandbox):
    base = f"{sandbox.base_url}/_sandbox"
    sandbox.seed(3)
    resp = requests.post(
        f"{base}/fault",
        json={"endpoint": "list_pending_orders", "mode": "500", "times": 2},
        timeout=5,
    )
    assert resp.status_code == 200
    state = requests.get(f"{base}/state", timeout=5).json()
    assert state["accounts"] == {"owner": 3}
    assert state["faults"] == [{"endpoint": "list_pending_orders", "mode": "500", "times": 2}]
    assert post(sandbox, "list_pending_orders", {}).status_code == 500
    assert requests.post(f"{base}/reset_faults", timeout=5).status_code == 200
    assert post(sandbox, "list_pending_orders", {}).status_code == 200
    bad = requests.post(f"{base}/fault", json={"mode": "nope"}, timeout=5)
    assert bad.status_code == 400
    assert requests.get(f"{base}/state", timeout=5).json()["requests"] == 2


# ---------------------------------------------------------------- broken listings, lost answers


def control(sb: Sandbox, name: str, body: dict | None = None) -> requests.Response:
    return requests.post(f"{sb.base_url}/_sandbox/{name}", json=body, timeout=5)


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


# ---------------------------------------------------------------- raw (poison) records

POISON = [
    "not a dict",
    {"fulfillment_id": -7},
    {"fulfillment_id": 1.5},
    {"fulfillment_id": True},
    {"fulfillment_id": 2**63},
    {"fulfillment_id": 100_001, "order_po": "NUL\u0000PO"},  # the first seeded order's id
    [1, 2],
    None,
]


def test_raw_records_are_listed_verbatim_after_the_orders_in_insertion_order(sandbox):
    records = sandbox.seed(2)
    for value in POISON:
        sandbox.add_raw_record(value)
    resp = post(sandbox, "list_pending_orders", {})
    assert resp.json()["orders"] == records + POISON
    assert b"\\u0000" in resp.content and str(2**63).encode() in resp.content
    assert sandbox.raw_records() == POISON


def test_id_listing_includes_raw_records_whose_id_loosely_matches(sandbox):
    (order,) = sandbox.seed(1)
    fid = order["fulfillment_id"]
    matching = [
        {"fulfillment_id": f" {fid} "},
        {"fulfillment_id": float(fid)},
        {"fulfillment_id": fid, "recipient": "not a dict"},
        {"fulfillment_id": -7},
    ]
    others = ["not a dict", {"fulfillment_id": True}, {"fulfillment_id": 1.5}, {"x": 1}]
    for value in [others[0], *matching, *others[1:]]:
        sandbox.add_raw_record(value)
    resp = post(sandbox, "list_pending_orders", {"ids": [fid, 1, -7, fid]})
    assert resp.json()["orders"] == [order, *matching]


def test_raw_records_survive_deletes_until_cleared(sandbox):
    ids = [r["fulfillment_id"] for r in sandbox.seed(2)]
    sandbox.add_raw_record({"fulfillment_id": ids[0], "order_po": "twin"})
    assert post(sandbox, "delete_pending_orders", {"ids": [ids[0]]}).status_code == 200
    listed = post(sandbox, "list_pending_orders", {"ids": ids}).json()["orders"]
    assert [o.get("order_po") for o in listed if o["fulfillment_id"] == ids[0]] == ["twin"]
    assert sandbox.deleted_ids == {ids[0]}
    sandbox.clear_raw_records()
    assert fids(post(sandbox, "list_pending_orders", {})) == {ids[1]}


def test_raw_record_control_adds_to_an_account(sandbox):
    owner = sandbox.seed(1)
    resp = control(sandbox, "raw_record", {"account_key": "acct-A", "record": "not a dict"})
    assert resp.status_code == 200 and resp.json()["state"]["raw_records"] == {"acct-A": 1}
    assert post(sandbox, "list_pending_orders", {"account_key": "acct-A"}).json()["orders"] == [
        "not a dict"
    ]
    assert post(sandbox, "list_pending_orders", {}).json()["orders"] == owner
    assert control(sandbox, "raw_record", {"account_key": "acct-A"}).status_code == 400
    assert control(sandbox, "raw_record", {"account_key": 5, "record": 1}).status_code == 400
    assert control(sandbox, "reset_raw_records").json()["state"]["raw_records"] == {}


# ---------------------------------------------------------------- account keys switch


def test_account_keys_switch_takes_effect_on_the_next_request(sandbox):
    owner = [r["fulfillment_id"] for r in sandbox.seed(1)]
    sandbox.add_account("acct-A")
    other = [r["fulfillment_id"] for r in sandbox.seed(1, account_key="acct-A", seed=1)]
    as_a = {"account_key": "acct-A"}
    assert fids(post(sandbox, "list_pending_orders", as_a)) == set(other)
    resp = control(sandbox, "account_keys", {"allowed": False})
    assert resp.status_code == 200 and resp.json()["state"]["account_keys_allowed"] is False
    assert fids(post(sandbox, "list_pending_orders", as_a)) == set(owner)
    sandbox.account_keys_allowed = True
    assert fids(post(sandbox, "list_pending_orders", as_a)) == set(other)
    assert control(sandbox, "account_keys", {"allowed": "no"}).status_code == 400
    assert sandbox.account_keys_allowed is True


# ---------------------------------------------------------------- robustness


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


# ---------------------------------------------------------------- demo data and serve()


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
