"""FinerWorksClient behaviour, exercised over real HTTP against the local sandbox."""

from __future__ import annotations

import json
import logging
import socket
import time

import pytest
import requests

from orders.finerworks.client import FinerWorksClient, FinerWorksResponse, parse_retry_after
from orders.finerworks.errors import (
    OUTCOME_CODES,
    BadResponse,
    ConnectionFailed,
    CredentialsRejected,
    FinerWorksError,
    MissingCredentials,
    OutcomeUnknown,
    RateLimited,
    RequestRejected,
    ServerError,
)
from orders.finerworks.sandbox import Sandbox
from tests.sandbox_plugin import ExternalNetworkBlocked

WEB_KEY = "WEBKEY-7f3e9a-distinctive"
APP_KEY = "APPKEY-c41d22-distinctive"


def make_client(sandbox: Sandbox, **kwargs) -> FinerWorksClient:
    kwargs.setdefault("timeout", 1.0)
    kwargs.setdefault("sleep", lambda seconds: None)
    return FinerWorksClient(
        base_url=sandbox.base_url,
        web_api_key=kwargs.pop("web_api_key", sandbox.web_api_key),
        app_key=kwargs.pop("app_key", sandbox.app_key),
        **kwargs,
    )


@pytest.fixture
def secret_sandbox():
    with Sandbox(web_api_key=WEB_KEY, app_key=APP_KEY) as sb:
        yield sb


class Recorder:
    def __init__(self) -> None:
        self.seen: list[FinerWorksResponse | FinerWorksError] = []

    def __call__(self, result) -> None:
        self.seen.append(result)


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


class FakeResponse:
    status_code = 200
    headers: dict = {}
    encoding = "utf-8"
    content = json.dumps(
        {"status": {"success": True, "status_code": 200, "reference_id": "r1"}, "orders": []}
    ).encode()

    def iter_content(self, chunk_size=1):
        yield self.content

    def close(self):
        pass


class FakeSession:
    def __init__(self) -> None:
        self.calls: list[tuple[tuple, dict]] = []

    def request(self, *args, **kwargs):
        self.calls.append((args, kwargs))
        return FakeResponse()


def client_answering(**answer) -> FinerWorksClient:
    """A client whose every call gets a FakeResponse with these attributes."""
    response = type("Answer", (FakeResponse,), answer)()

    class Session(FakeSession):
        def request(self, *args, **kwargs):
            return response

    return FinerWorksClient(
        base_url="https://x.test", web_api_key="w", app_key="a", session=Session()
    )


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


# ---------------------------------------------------------------- credentials


def test_wrong_keys_raise_credentials_rejected(sandbox):
    rec = Recorder()
    client = make_client(sandbox, app_key="wrong-app-key", on_attempt=rec)
    with pytest.raises(CredentialsRejected) as info:
        client.list_pending_orders()
    err = info.value
    assert err.outcome == "credentials_rejected" and err.http_status == 400
    assert err.status_message == "Missing or unauthorized api credentials"
    assert "ModelState" in err.body_excerpt
    assert rec.seen == [err]
    assert len(sandbox.requests) == 1  # never retried


@pytest.mark.parametrize("web,app", [("", "x"), ("x", ""), (None, None)])
def test_missing_keys_raise_before_any_request(sandbox, web, app):
    client = make_client(sandbox, web_api_key=web, app_key=app)  # constructing is fine
    with pytest.raises(MissingCredentials, match="FINERWORKS_WEB_API_KEY and FINERWORKS_APP_KEY"):
        client.list_pending_orders()
    with pytest.raises(MissingCredentials):
        client.test_my_credentials()
    assert not issubclass(MissingCredentials, FinerWorksError)
    assert sandbox.requests == []


# ---------------------------------------------------------------- fault modes


@pytest.mark.parametrize(
    "mode,error_cls,http_status,status_message,has_reference",
    [
        ("500", ServerError, 500, "An error has occurred.", False),
        ("502_html", ServerError, 502, "", False),
        ("success_false", RequestRejected, 200, "Order ids could not be processed", True),
        ("malformed_json", BadResponse, 200, "", False),
        ("400_modelstate", RequestRejected, 400, "The ids field is required.", False),
        ("deleted_but_500", ServerError, 500, "An error has occurred.", False),
    ],
)
def test_fault_modes_map_to_typed_errors_and_are_never_retried(
    sandbox, mode, error_cls, http_status, status_message, has_reference
):
    ids = [r["fulfillment_id"] for r in sandbox.seed(2)]
    sandbox.add_fault("delete_pending_orders", mode, times=5)
    rec = Recorder()
    client = make_client(sandbox, on_attempt=rec)
    with pytest.raises(error_cls) as info:
        client.delete_pending_orders(ids[:1], account_key="acct")
    err = info.value
    assert type(err) is error_cls and err.outcome == error_cls.outcome
    assert err.endpoint == "delete_pending_orders"
    assert err.http_status == http_status
    assert err.status_message == status_message
    assert bool(err.reference_id) is has_reference
    assert err.body_excerpt
    assert err.attempt == 1 and err.elapsed_ms is not None
    assert err.payload == {"ids": ids[:1], "account_key": "acct"}
    assert rec.seen == [err]
    assert len(sandbox.requests) == 1
    assert str(err).startswith("FinerWorks")


def test_server_error_message_is_a_plain_sentence(sandbox, fw_client):
    sandbox.add_fault("delete_pending_orders", "500")
    with pytest.raises(ServerError) as info:
        fw_client.delete_pending_orders([1])
    assert str(info.value) == (
        "FinerWorks answered HTTP 500 on delete_pending_orders: An error has occurred."
    )


def test_502_html_keeps_raw_excerpt(sandbox, fw_client):
    sandbox.add_fault("*", "502_html")
    with pytest.raises(ServerError) as info:
        fw_client.list_pending_orders()
    assert "<h1>502 Bad Gateway</h1>" in info.value.body_excerpt


def test_body_excerpt_is_capped(sandbox, fw_client):
    sandbox.seed(50)
    resp = fw_client.list_pending_orders()
    assert len(resp.body_excerpt) == 2000


def test_read_timeout_is_outcome_unknown_and_sent_once(sandbox):
    ids = [r["fulfillment_id"] for r in sandbox.seed(2)]
    sandbox.add_fault("delete_pending_orders", "read_timeout", times=3)
    rec = Recorder()
    client = make_client(sandbox, timeout=0.3, on_attempt=rec)
    with pytest.raises(OutcomeUnknown) as info:
        client.delete_pending_orders(ids)
    assert isinstance(info.value.__cause__, requests.exceptions.ReadTimeout)
    assert info.value.http_status is None and info.value.endpoint == "delete_pending_orders"
    assert len(sandbox.requests) == 1 and len(rec.seen) == 1
    assert sandbox.listed_ids() == set(ids)  # the fault did nothing


def test_dropped_connection_is_outcome_unknown_and_not_retried(sandbox, fw_client):
    sandbox.seed(1)
    sandbox.add_fault("*", "drop", times=3)
    with pytest.raises(OutcomeUnknown) as info:
        fw_client.list_pending_orders()
    assert isinstance(info.value.__cause__, requests.exceptions.ConnectionError)
    assert len(sandbox.requests) == 1


def test_connection_refused_is_retried_then_connection_failed(closed_port_url):
    rec = Recorder()
    sleeps: list[float] = []
    client = FinerWorksClient(
        base_url=closed_port_url,
        web_api_key="w",
        app_key="a",
        timeout=1.0,
        on_attempt=rec,
        sleep=sleeps.append,
        max_retries=2,
    )
    with pytest.raises(ConnectionFailed) as info:
        client.delete_pending_orders([1, 2])
    assert [e.attempt for e in rec.seen] == [1, 2, 3]
    assert all(isinstance(e, ConnectionFailed) for e in rec.seen)
    assert rec.seen[-1] is info.value
    assert sleeps == [0.5, 1.0]
    assert info.value.__cause__ is not None
    assert info.value.payload == {"ids": [1, 2]}


def test_backoff_capped_by_max_retry_wait(closed_port_url):
    sleeps: list[float] = []
    client = FinerWorksClient(
        base_url=closed_port_url,
        web_api_key="w",
        app_key="a",
        timeout=1.0,
        sleep=sleeps.append,
        max_retries=4,
        max_retry_wait=1.5,
    )
    with pytest.raises(ConnectionFailed):
        client.list_pending_orders()
    assert sleeps == [0.5, 1.0, 1.5, 1.5]


@pytest.mark.parametrize("mode,status", [("429", 429), ("503_retry", 503)])
def test_rate_limited_is_retried_honouring_retry_after(sandbox, mode, status):
    sandbox.seed(2)
    sandbox.add_fault("list_pending_orders", mode)
    sleeps: list[float] = []
    rec = Recorder()
    client = make_client(sandbox, sleep=sleeps.append, on_attempt=rec)
    resp = client.list_pending_orders()
    assert resp.success and resp.attempt == 2 and len(resp.orders) == 2
    assert len(sandbox.requests) == 2
    assert sleeps == [1.0]
    first = rec.seen[0]
    assert isinstance(first, RateLimited) and first.http_status == status
    assert first.retry_after == 1.0 and first.attempt == 1
    assert rec.seen[1] is resp


def test_rate_limited_gives_up_after_max_retries(sandbox):
    sandbox.add_fault("*", "429", times=10)
    rec = Recorder()
    client = make_client(sandbox, on_attempt=rec, max_retries=2)
    with pytest.raises(RateLimited) as info:
        client.list_pending_orders()
    assert info.value.attempt == 3 and len(rec.seen) == 3
    assert len(sandbox.requests) == 3


def test_on_attempt_exception_propagates_and_stops(sandbox):
    sandbox.add_fault("*", "429", times=3)

    def boom(result):
        raise RuntimeError("audit failed")

    client = make_client(sandbox, on_attempt=boom)
    with pytest.raises(RuntimeError, match="audit failed"):
        client.list_pending_orders()
    assert len(sandbox.requests) == 1


def test_deleted_but_500_really_deletes(sandbox, fw_client):
    ids = [r["fulfillment_id"] for r in sandbox.seed(3)]
    sandbox.add_fault("delete_pending_orders", "deleted_but_500")
    with pytest.raises(ServerError):
        fw_client.delete_pending_orders(ids[:2])
    assert sandbox.listed_ids() == {ids[2]}
    assert {o["fulfillment_id"] for o in fw_client.list_pending_orders().orders} == {ids[2]}


def test_sticky_delete_succeeds_but_ids_stay_listed(sandbox, fw_client):
    ids = [r["fulfillment_id"] for r in sandbox.seed(2)]
    sandbox.add_fault("delete_pending_orders", "sticky")
    assert fw_client.delete_pending_orders(ids).success
    assert {o["fulfillment_id"] for o in fw_client.list_pending_orders().orders} == set(ids)


def test_2xx_without_status_object_is_bad_response():
    class NoStatus(FakeResponse):
        content = json.dumps({"orders": []}).encode()

    class Session(FakeSession):
        def request(self, *args, **kwargs):
            return NoStatus()

    client = FinerWorksClient(
        base_url="https://x.test", web_api_key="w", app_key="a", session=Session()
    )
    with pytest.raises(BadResponse):
        client.list_pending_orders()


def test_plain_message_4xx_body_is_request_rejected():
    class NotFound(FakeResponse):
        status_code = 404
        content = json.dumps({"message": "No such route"}).encode()

    class Session(FakeSession):
        def request(self, *args, **kwargs):
            return NotFound()

    client = FinerWorksClient(
        base_url="https://x.test", web_api_key="w", app_key="a", session=Session()
    )
    with pytest.raises(RequestRejected) as info:
        client.list_pending_orders()
    assert info.value.status_message == "No such route"


def test_parse_retry_after():
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0


def test_outcome_codes_cover_every_error():
    for cls in (
        ConnectionFailed,
        OutcomeUnknown,
        CredentialsRejected,
        RequestRejected,
        ServerError,
        BadResponse,
        RateLimited,
    ):
        assert cls.outcome in OUTCOME_CODES
        assert cls.__bases__ == (FinerWorksError,)
    assert {"ok", "refused"} <= set(OUTCOME_CODES)


# ---------------------------------------------------------------- secrets


def test_keys_never_leak_into_repr_errors_or_logs(secret_sandbox, caplog, closed_port_url):
    caplog.set_level(logging.DEBUG, logger="orders.finerworks")
    sb = secret_sandbox
    ids = [r["fulfillment_id"] for r in sb.seed(2)]
    client = make_client(sb)
    texts = [repr(client), str(client)]
    assert client.list_pending_orders().success
    for mode in (
        "500",
        "502_html",
        "success_false",
        "malformed_json",
        "400_modelstate",
        "drop",
        "read_timeout",
        "429",
        "deleted_but_500",
    ):
        sb.add_fault("*", mode, times=3)
        try:
            client.delete_pending_orders(ids[:1], account_key="acct")
        except FinerWorksError as err:
            texts += [str(err), repr(err), err.status_message, err.body_excerpt, str(err.payload)]
        sb.clear_faults()
    wrong = make_client(sb, web_api_key="WRONG-" + WEB_KEY, app_key=APP_KEY)
    with pytest.raises(CredentialsRejected) as info:
        wrong.list_pending_orders()
    texts += [str(info.value), repr(info.value), repr(wrong)]
    refused = FinerWorksClient(
        base_url=closed_port_url, web_api_key=WEB_KEY, app_key=APP_KEY, sleep=lambda s: None
    )
    with pytest.raises(ConnectionFailed) as info:
        refused.list_pending_orders()
    texts += [str(info.value), repr(info.value), repr(refused)]
    texts += [r.getMessage() for r in caplog.records]
    assert any("outcome=" in r.getMessage() for r in caplog.records)
    blob = "\n".join(texts)
    assert WEB_KEY not in blob and APP_KEY not in blob
    assert "WEBKEY" not in blob and "APPKEY" not in blob


def test_keys_echoed_by_server_are_redacted():
    class Echo(FakeResponse):
        status_code = 500
        content = json.dumps({"Message": f"bad key {WEB_KEY} / {APP_KEY}"}).encode()

    class Session(FakeSession):
        def request(self, *args, **kwargs):
            return Echo()

    client = FinerWorksClient(
        base_url="https://x.test", web_api_key=WEB_KEY, app_key=APP_KEY, session=Session()
    )
    with pytest.raises(ServerError) as info:
        client.list_pending_orders()
    err = info.value
    for text in (str(err), err.status_message, err.body_excerpt):
        assert WEB_KEY not in text and APP_KEY not in text


def test_log_line_per_attempt(sandbox, caplog):
    caplog.set_level(logging.DEBUG, logger="orders.finerworks")
    sandbox.add_fault("*", "429")
    make_client(sandbox).list_pending_orders()
    lines = [r.getMessage() for r in caplog.records if r.name == "orders.finerworks"]
    assert len(lines) == 2
    assert "outcome=rate_limited" in lines[0] and "attempt=1" in lines[0]
    assert "outcome=ok" in lines[1] and "attempt=2" in lines[1] and "http_status=200" in lines[1]


# ---------------------------------------------------------------- network guard


def test_loopback_guard_blocks_public_connections():
    with pytest.raises(ExternalNetworkBlocked):
        socket.create_connection(("93.184.216.34", 80), timeout=0.1)
    with pytest.raises(ExternalNetworkBlocked):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.connect(("93.184.216.34", 80))
    with pytest.raises(ExternalNetworkBlocked):
        requests.get("http://example.com/", timeout=0.1)


def test_loopback_guard_blocks_client_pointed_at_public_host():
    client = FinerWorksClient(base_url="http://93.184.216.34", web_api_key="w", app_key="a")
    with pytest.raises(ExternalNetworkBlocked):
        client.list_pending_orders()


def test_loopback_guard_allows_loopback_and_unix_sockets(sandbox):
    host, port = sandbox.base_url.removeprefix("http://").split(":")
    for name in (host, "localhost"):
        with socket.create_connection((name, int(port)), timeout=1) as sock:
            assert sock.getpeername()[1] == int(port)  # connected, not blocked
    a, b = socket.socketpair(socket.AF_UNIX)
    with a, b:
        a.sendall(b"ping")
        assert b.recv(4) == b"ping"


def test_a_list_is_read_order_by_order_whatever_the_key_order():
    """The orders come back as canonical JSON, the same bytes for the same record, and a
    status after the orders is found as well as one before them."""
    status_last = (
        b'{"orders": [{"b": 1.5, "fulfillment_id": 7, "a": "\\u00e9"}, {"fulfillment_id": 8}],'
        b' "status": {"success": true, "status_code": 200}}'
    )
    truncated = b'{"status": {"success": true}, "orders": [{"fulfillment_id": 7}'

    resp = client_answering(content=status_last).list_pending_orders()
    assert [o.fulfillment_id for o in resp.listed_orders] == [7, 8]
    assert resp.listed_orders[0].record_json == '{"a":"é","b":1.5,"fulfillment_id":7}'.encode()
    assert resp.orders == [{"a": "é", "b": 1.5, "fulfillment_id": 7}, {"fulfillment_id": 8}]
    with pytest.raises(BadResponse, match="not well-formed JSON"):
        client_answering(content=truncated).list_pending_orders()


@pytest.mark.parametrize(
    ("content", "encoding"),
    [
        # An integer beyond 64 bits (ijson's C parser refuses it): read whole, kept exact.
        (
            b'{"status": {"success": true}, "orders": [{"fulfillment_id": 7, "big": %d}]}' % 2**70,
            "utf-8",
        ),
        # A declared charset other than UTF-8, and a stray byte that is not UTF-8.
        (
            '{"status": {"success": true}, "orders": [{"fulfillment_id": 7, "big": "é"}]}'.encode(
                "latin-1"
            ),
            "ISO-8859-1",
        ),
    ],
)
def test_list_answers_the_streaming_reader_cannot_take_are_read_whole(content, encoding):
    resp = client_answering(content=content, encoding=encoding).list_pending_orders()
    [order] = resp.listed_orders
    assert order.fulfillment_id == 7
    assert resp.orders[0]["big"] in (2**70, "é")


def test_a_list_answer_without_status_keeps_its_message_for_the_audit():
    client = client_answering(content=b'{"Message": "An error has occurred.", "orders": []}')
    with pytest.raises(BadResponse) as caught:
        client.list_pending_orders()
    assert caught.value.status_message == "An error has occurred."


# ---------------------------------------------------------------- complete answers only


@pytest.mark.parametrize(
    "orders", [b"", b', "orders": null', b', "orders": {"fulfillment_id": 1}', b', "orders": "x"']
)
def test_a_success_without_a_list_of_orders_is_unreadable_not_empty(orders):
    content = b'{"status": {"success": true}' + orders + b"}"
    with pytest.raises(BadResponse, match="missing, null or not a list"):
        client_answering(content=content).list_pending_orders()


def test_records_without_a_usable_id_are_named_and_the_rest_are_kept():
    records = [
        {"fulfillment_id": 7},
        {"fulfillment_id": True},
        {"fulfillment_id": 1.5},
        {"fulfillment_id": " 100502 "},
        {"fulfillment_id": 0},
        {"fulfillment_id": -7},
        {"fulfillment_id": 2**63},
        "not a dict",
        {"fulfillment_id": 8, "recipient": "not a dict"},
        {"fulfillment_id": 9, "order_items": [{"product_qty": 2**31}]},
        {"fulfillment_id": 10, "order_po": "A\u0000B"},
        {"fulfillment_id": 7},
    ]
    content = json.dumps({"status": {"success": True}, "orders": records}).encode()

    resp = client_answering(content=content).list_pending_orders()

    assert [(o.fulfillment_id, bool(o.problem)) for o in resp.listed_orders] == [
        (7, False),
        (8, True),
        (9, True),
        (10, True),
        (7, True),  # listed twice
    ]
    assert len(resp.unreadable_records) == 7
    assert "7 listed records skipped" not in resp.skipped_note
    assert resp.skipped_note.startswith("11 listed records skipped")
    assert "recipient is not an object" in resp.skipped_note


def test_an_answer_about_given_ids_with_an_unreadable_record_proves_nothing():
    content = b'{"status": {"success": true}, "orders": [{"fulfillment_id": "7"}]}'
    with pytest.raises(BadResponse, match="cannot show which orders are gone"):
        client_answering(content=content).list_pending_orders(ids=[7])


def test_deep_nesting_is_refused_before_parsing_in_bounded_time():
    deep = b'{"status": {"success": true}, "orders": [{"x": ' + b"[" * 200_000
    deep += b"]" * 200_000 + b"}]}"
    started = time.monotonic()
    with pytest.raises(BadResponse, match="nests deeper than 64 levels"):
        client_answering(content=deep).list_pending_orders()
    with pytest.raises(BadResponse, match="nests deeper than 64 levels"):
        client_answering(content=b'{"status": ' + deep[11:]).delete_pending_orders([1])
    assert time.monotonic() - started < 2


def test_brackets_inside_strings_do_not_count_as_nesting():
    record = {"fulfillment_id": 7, "order_po": "[[[[" * 40 + '\\"]' + "}" * 70}
    content = json.dumps({"status": {"success": True}, "orders": [record]}).encode()
    [order] = client_answering(content=content).list_pending_orders().listed_orders
    assert order.fulfillment_id == 7 and not order.problem


def test_an_answer_over_the_size_cap_is_not_read(sandbox):
    sandbox.seed(3)
    sandbox.huge_body_bytes = 3_000_000
    sandbox.add_fault("list_pending_orders", "huge_body")
    client = FinerWorksClient(
        base_url=sandbox.base_url,
        web_api_key=sandbox.web_api_key,
        app_key=sandbox.app_key,
        max_response_bytes=1024 * 1024,
    )
    with pytest.raises(BadResponse, match="over 1 MB"):
        client.list_pending_orders()
    assert len(client.list_pending_orders().listed_orders) == 3  # the next answer is small


@pytest.mark.parametrize("mode", ["429", "503_retry", "deleted_but_429"])
def test_a_rate_limited_delete_is_never_resent(sandbox, fw_client, mode):
    ids = [r["fulfillment_id"] for r in sandbox.seed(2)]
    sandbox.add_fault("delete_pending_orders", mode, times=5)
    with pytest.raises(RateLimited):
        fw_client.delete_pending_orders(ids)
    assert len(sandbox.requests_for("delete_pending_orders")) == 1


def test_a_rate_limited_list_is_retried(sandbox, fw_client):
    sandbox.seed(2)
    sandbox.add_fault("list_pending_orders", "429")
    assert fw_client.list_pending_orders().attempt == 2


def test_a_broken_body_after_the_answer_began_is_an_unknown_outcome_never_resent():
    """TLS or chunking errors while the body is read: FinerWorks answered, so the delete
    may have been processed; neither "not sent" nor retried."""

    class Broken(FakeResponse):
        def iter_content(self, chunk_size=1):
            raise requests.exceptions.SSLError("bad record mac")
            yield b""

    session = FakeSession()
    session.request = lambda *args, **kwargs: (session.calls.append(args), Broken())[1]
    client = FinerWorksClient(
        base_url="https://x.test", web_api_key="w", app_key="a", session=session
    )
    with pytest.raises(OutcomeUnknown):
        client.delete_pending_orders([1, 2])
    assert len(session.calls) == 1


def test_nesting_that_alternates_lists_and_objects_counts_every_level():
    from orders.finerworks.responses import nesting_within

    assert nesting_within(b"[{" * 32 + b"}]" * 32)  # 64 levels
    assert not nesting_within(b"[{" * 33 + b"}]" * 33)  # 66 levels


def test_a_record_with_a_lone_surrogate_is_skipped_not_a_crash():
    content = (
        b'{"status": {"success": true}, "orders": [{"fulfillment_id": 5, "x": "\\ud800",'
        b' "big": %d}, {"fulfillment_id": 6}]}' % 2**70
    )
    resp = client_answering(content=content).list_pending_orders()
    assert [(o.fulfillment_id, bool(o.problem)) for o in resp.listed_orders] == [
        (5, True),
        (6, False),
    ]


def test_a_hook_runs_before_every_attempt_and_can_stop_a_retry(closed_port_url):
    calls = []

    def hook():
        calls.append(len(calls))
        if len(calls) == 2:
            raise RuntimeError("superseded")

    client = FinerWorksClient(
        base_url=closed_port_url,
        web_api_key="w",
        app_key="a",
        before_attempt=hook,
        sleep=lambda seconds: None,
    )
    with pytest.raises(RuntimeError, match="superseded"):
        client.delete_pending_orders([1])
    assert calls == [0, 1]  # the first attempt, then the retry it stopped
