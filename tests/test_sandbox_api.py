"""The FinerWorks sandbox behaves like the documented API, over real HTTP: the list and
delete envelopes, ids filtering and soft deletes, credentials checked in headers or the query
string, account_key routing and fallback, the request log, its public names and its HTTP
control surface."""

import json
import uuid

import pytest
import requests

from orders.finerworks.sandbox import Sandbox
from tests.sandbox_helpers import KEYS, fids, post

CREDENTIALS_BODY = {
    "Message": "The request is invalid.",
    "ModelState": {
        "ApiC.Models.authorization_credentials": ["Missing or unauthorized api credentials"]
    },
}


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
