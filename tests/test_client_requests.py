"""FinerWorksClient requests, exercised over real HTTP against the local sandbox (and a fake
session where the exact call to requests matters): the success paths, the headers, body and
timeout sent, the validation of ids before anything is sent, and the account_key."""

import json

import pytest

from orders.finerworks.client import FinerWorksClient, FinerWorksResponse
from orders.finerworks.sandbox import Sandbox
from tests.client_helpers import APP_KEY, WEB_KEY, FakeSession, make_client

# ---------------------------------------------------------------- success paths


def test_list_returns_all_owner_orders_with_envelope_fields(sandbox, fw_client):
    records = sandbox.seed(5)
    resp = fw_client.list_pending_orders()
    assert isinstance(resp, FinerWorksResponse)
    assert resp.success is True and resp.outcome == "ok"
    assert resp.http_status == 200 and resp.status_code == 200
    assert resp.reference_id and resp.attempt == 1 and resp.elapsed_ms >= 0
    assert resp.endpoint == "list_pending_orders"
    assert resp.payload == {}
    assert [o["fulfillment_id"] for o in resp.orders] == [r["fulfillment_id"] for r in records]
    assert resp.body_excerpt.startswith("{")


def test_list_with_ids_returns_only_those_and_sends_ids(sandbox, fw_client):
    ids = [r["fulfillment_id"] for r in sandbox.seed(4)]
    resp = fw_client.list_pending_orders(ids=[ids[1], ids[3]])
    assert {o["fulfillment_id"] for o in resp.orders} == {ids[1], ids[3]}
    assert resp.payload == {"ids": [ids[1], ids[3]]}
    assert sandbox.requests[-1]["body"] == {"ids": [ids[1], ids[3]]}


def test_delete_soft_deletes_and_ids_are_never_listed_again(sandbox, fw_client):
    ids = [r["fulfillment_id"] for r in sandbox.seed(3)]
    resp = fw_client.delete_pending_orders(ids[:2])
    assert resp.success and resp.orders == []
    assert resp.payload == {"ids": ids[:2]}
    assert sandbox.listed_ids() == {ids[2]}
    assert sandbox.deleted_ids == set(ids[:2])
    assert {o["fulfillment_id"] for o in fw_client.list_pending_orders().orders} == {ids[2]}
    assert fw_client.list_pending_orders(ids=ids[:2]).orders == []


def test_test_my_credentials_uses_get(sandbox, fw_client):
    resp = fw_client.test_my_credentials()
    assert resp.body["user_account"]["username"] == "sandbox"
    assert sandbox.requests[-1]["method"] == "GET"
    assert sandbox.requests[-1]["endpoint"] == "test_my_credentials"


def test_headers_and_json_body_sent_on_every_call(sandbox, fw_client):
    ids = [r["fulfillment_id"] for r in sandbox.seed(2)]
    fw_client.list_pending_orders()
    fw_client.list_pending_orders(ids=ids)
    fw_client.delete_pending_orders(ids[:1])
    fw_client.test_my_credentials()
    assert len(sandbox.requests) == 4
    for req in sandbox.requests:
        names = {n.lower() for n in req["header_names"]}
        assert {"web_api_key", "app_key", "content-type", "accept"} <= names
        assert req["had_valid_keys"] is True
        assert req["query_names"] == []
    posts = [r for r in sandbox.requests if r["method"] == "POST"]
    assert [r["body"] for r in posts] == [{}, {"ids": ids}, {"ids": ids[:1]}]


def test_timeout_headers_and_body_passed_to_requests():
    session = FakeSession()
    client = FinerWorksClient(
        base_url="https://fw.example.test/",
        web_api_key=WEB_KEY,
        app_key=APP_KEY,
        timeout=12.5,
        session=session,
    )
    client.delete_pending_orders([5, 7], account_key="acct-1")
    client.test_my_credentials()
    (args, kwargs), (args2, kwargs2) = session.calls
    assert args == ("POST", "https://fw.example.test/v3/delete_pending_orders")
    assert kwargs["timeout"] == 12.5 and kwargs2["timeout"] == 12.5
    assert kwargs["headers"]["web_api_key"] == WEB_KEY
    assert kwargs["headers"]["app_key"] == APP_KEY
    assert kwargs["headers"]["Content-Type"] == "application/json"
    assert json.loads(kwargs["data"]) == {"ids": [5, 7], "account_key": "acct-1"}
    assert args2 == ("GET", "https://fw.example.test/v3/test_my_credentials")
    assert kwargs2["data"] is None
    assert WEB_KEY not in args[1] and APP_KEY not in args[1]


def test_account_key_omitted_when_none_or_blank():
    session = FakeSession()
    client = FinerWorksClient(
        base_url="https://fw.example.test", web_api_key="w", app_key="a", session=session
    )
    client.list_pending_orders()
    client.list_pending_orders(account_key="")
    client.delete_pending_orders([1])
    for _, kwargs in session.calls:
        assert "account_key" not in json.loads(kwargs["data"])


# ---------------------------------------------------------------- ids validation


@pytest.mark.parametrize(
    "bad_ids", [[], ["1"], [1.5], [True], [-1], [0], [1, 1], "123", 123, None, {1, 2}]
)
def test_invalid_ids_raise_value_error_before_sending(sandbox, fw_client, bad_ids):
    with pytest.raises(ValueError):
        fw_client.delete_pending_orders(bad_ids)
    if bad_ids is not None:
        with pytest.raises(ValueError):
            fw_client.list_pending_orders(ids=bad_ids)
    assert sandbox.requests == []


def test_tuple_of_ids_is_accepted(sandbox, fw_client):
    ids = tuple(r["fulfillment_id"] for r in sandbox.seed(2))
    fw_client.delete_pending_orders(ids)
    assert sandbox.listed_ids() == set()


# ---------------------------------------------------------------- account_key


def test_account_key_honoured_when_allowed(sandbox, fw_client):
    owner = {r["fulfillment_id"] for r in sandbox.seed(2)}
    sandbox.add_account("acct-A")
    other = {r["fulfillment_id"] for r in sandbox.seed(3, account_key="acct-A", seed=1)}
    resp = fw_client.list_pending_orders(account_key="acct-A")
    assert {o["fulfillment_id"] for o in resp.orders} == other
    assert resp.payload == {"account_key": "acct-A"}
    fw_client.delete_pending_orders(sorted(owner | other), account_key="acct-A")
    assert sandbox.listed_ids("acct-A") == set()
    assert sandbox.listed_ids() == owner  # foreign (owner) ids silently ignored


def test_account_key_silently_ignored_when_not_allowed():
    with Sandbox(account_keys_allowed=False) as sb:
        owner = {r["fulfillment_id"] for r in sb.seed(2)}
        sb.add_account("acct-A")
        sb.seed(3, account_key="acct-A", seed=1)
        resp = make_client(sb).list_pending_orders(account_key="acct-A")
        assert {o["fulfillment_id"] for o in resp.orders} == owner


def test_unknown_account_key_falls_back_to_owner(sandbox, fw_client):
    owner = {r["fulfillment_id"] for r in sandbox.seed(2)}
    resp = fw_client.list_pending_orders(account_key="no-such-account")
    assert {o["fulfillment_id"] for o in resp.orders} == owner
