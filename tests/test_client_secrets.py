"""FinerWorksClient never leaks the keys, over real HTTP against the local sandbox: not into
its repr, its errors (even when the server echoes the keys) or its logs, which hold one line
per attempt."""

import json
import logging

import pytest

from orders.finerworks.client import FinerWorksClient
from orders.finerworks.errors import (
    ConnectionFailed,
    CredentialsRejected,
    FinerWorksError,
    ServerError,
)
from orders.finerworks.sandbox import Sandbox
from tests.client_helpers import APP_KEY, WEB_KEY, FakeResponse, FakeSession, make_client


@pytest.fixture
def secret_sandbox():
    with Sandbox(web_api_key=WEB_KEY, app_key=APP_KEY) as sb:
        yield sb


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
