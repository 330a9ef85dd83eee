"""FinerWorksClient errors, exercised over real HTTP against the local sandbox (and a fake
session for answers the sandbox does not give): missing and rejected credentials, and each
fault mode mapped to its typed error, audited once and never retried."""

import json

import pytest
import requests

from orders.finerworks.client import FinerWorksClient
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
from tests.client_helpers import FakeResponse, FakeSession, Recorder, make_client

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
