"""FinerWorksClient.save_pending_orders, faked at the requests boundary (and a refused loopback
port): the body sent, the checks before sending, the saved ids read defensively, a 400's
ModelState mapped to the orders it names, and a save never resent once it may have arrived."""

from __future__ import annotations

import json
from http import HTTPStatus

import pytest
from requests.exceptions import ConnectionError as Dropped
from requests.exceptions import ReadTimeout

from orders.finerworks import SavedOrder as PackageSavedOrder
from orders.finerworks.answers import SavedOrder
from orders.finerworks.client import FinerWorksClient
from orders.finerworks.errors import (
    BadResponse,
    ConnectionFailed,
    FinerWorksError,
    OutcomeUnknown,
    RateLimited,
    RequestRejected,
    ServerError,
)
from tests.client_helpers import APP_KEY, WEB_KEY, FakeResponse, FakeSession, Recorder

ORDERS = [{"order_po": "PO-1", "recipient": {"first_name": "Ada"}}, {"order_po": "PO-2"}]
SOURCE = "fwadmin restore"
SENT = {"orders": ORDERS, "source": SOURCE}
STATUS = {"success": True, "status_code": 200, "message": "", "reference_id": "r1"}


def saved_body(*entries, key: str = "imports") -> dict:
    return {key: list(entries), "status": STATUS}


def answer(status=HTTPStatus.OK, body=None, headers=None) -> FakeResponse:
    response = FakeResponse()
    response.status_code = int(status)
    response.headers = dict(headers or {})
    body = saved_body({"id": 101, "order_po": "PO-1"}, {"id": 102}) if body is None else body
    response.content = json.dumps(body).encode()
    return response


class AnsweringSession(FakeSession):
    """Gives the answers in turn, the last one again and again (an exception is raised)."""

    def __init__(self, *answers) -> None:
        super().__init__()
        self.answers = list(answers or [answer()])

    def request(self, *args, **kwargs):
        self.calls.append((args, kwargs))
        given = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(given, Exception):
            raise given
        return given


def client_for(session=None, base_url="https://fw.test", **kwargs) -> FinerWorksClient:
    kwargs.update(web_api_key=WEB_KEY, app_key=APP_KEY, sleep=lambda seconds: None)
    return FinerWorksClient(base_url=base_url, session=session, **kwargs)


def save(*answers, orders=ORDERS, source=SOURCE, **kwargs):
    """(the response or error, the session, the on_attempt recorder) of one save."""
    session, rec = AnsweringSession(*answers), Recorder()
    client = client_for(session, on_attempt=rec)
    try:
        return client.save_pending_orders(orders, source=source, **kwargs), session, rec
    except FinerWorksError as err:
        return err, session, rec


def sent_body(session: FakeSession) -> dict:
    return json.loads(session.calls[0][1]["data"])


def test_a_save_posts_the_orders_and_source_with_the_account_key():
    resp, session, rec = save(account_key="acct-1")
    ((args, kwargs),) = session.calls
    assert args == ("POST", "https://fw.test/v3/save_pending_orders")
    assert kwargs["headers"]["web_api_key"] == WEB_KEY
    assert sent_body(session) == resp.payload == {**SENT, "account_key": "acct-1"}
    assert resp.endpoint == FinerWorksClient.ENDPOINT_SAVE == "save_pending_orders"
    assert rec.seen == [resp]


@pytest.mark.parametrize("account_key", [None, ""])
def test_a_save_for_the_key_owner_sends_no_account_key(account_key):
    assert sent_body(save(account_key=account_key)[1]) == SENT


def test_a_tuple_of_orders_is_sent_and_reported_as_a_copy_and_a_50_character_source_is_taken():
    orders = [dict(order) for order in ORDERS]
    resp, session, _ = save(orders=tuple(orders), source="s" * 50)
    orders[0]["order_po"] = "changed later"
    assert resp.payload["orders"] == ORDERS and sent_body(session)["source"] == "s" * 50


BAD_ORDERS = [[], None, ORDERS[0], [ORDERS[0], "PO-2"], [{"po": float("nan")}], [{"po": object()}]]
BAD_SOURCES = ["", "   ", None, 7, "s" * 51]
BAD_CALLS = [{"orders": o} for o in BAD_ORDERS] + [{"source": s} for s in BAD_SOURCES]


@pytest.mark.parametrize("bad", [*BAD_CALLS, {"account_key": 42}])
def test_a_save_that_fails_its_checks_sends_nothing(bad):
    session, rec = AnsweringSession(), Recorder()
    call = {"orders": ORDERS, "source": SOURCE, **bad}
    with pytest.raises(ValueError):
        client_for(session, on_attempt=rec).save_pending_orders(**call)
    assert session.calls == [] and rec.seen == []


def test_the_saved_ids_are_read_from_imports_in_the_reply_order():
    reply = saved_body({"id": 202, "order_po": "PO-2"}, {"id": 201, "order_po": "PO-1"})
    resp = save(answer(body=reply))[0]
    assert resp.success and resp.outcome == "ok"
    assert resp.saved == (SavedOrder(202, "PO-2"), SavedOrder(201, "PO-1"))
    assert SavedOrder is PackageSavedOrder


def test_the_saved_ids_are_read_from_orders_when_imports_is_no_list_by_either_id_name():
    entries = [{"fulfillment_id": 7, "id": 7, "order_po": "P1"}, {"fulfillment_id": 8, "id": None}]
    reply = {"imports": None, "orders": entries, "status": STATUS}
    assert save(answer(body=reply))[0].saved == (SavedOrder(7, "P1"), SavedOrder(8, ""))


@pytest.mark.parametrize(
    "reply,why",
    [
        ({"status": STATUS}, "no `imports` or `orders` list"),
        ({"imports": {"id": 1}, "orders": None, "status": STATUS}, "no `imports`"),
        (saved_body({"id": 101}), "1 saved order(s) for 2 sent"),
        (saved_body({"id": 1}, {"id": 2}, {"id": 3}), "3 saved order(s) for 2 sent"),
        (saved_body({"id": 101}, {"order_po": "PO-2"}), "entry 1 has no usable id"),
        (saved_body({"id": 101}, {"id": True}), "entry 1 has no usable id"),
        (saved_body({"id": "102"}, {"id": 101}), "entry 0 has no usable id"),
        (saved_body({"id": 0}, {"fulfillment_id": -4}), "entry 0 has no usable id"),
        (saved_body({"id": 1, "fulfillment_id": 2}, {"id": 3}), "entry 0 has no usable id"),
        (saved_body({"id": 101}, 102), "entry 1 is a int, not an object"),
        (saved_body({"id": 101}, {"id": 101}), "the same id"),
    ],
)
def test_a_reply_that_does_not_say_which_ids_were_saved_is_a_bad_response(reply, why):
    err, session, rec = save(answer(body=reply))
    assert type(err) is BadResponse and why in str(err)
    assert "may have saved the orders" in str(err) and "outcome is unknown" in str(err)
    assert err.payload == SENT and err.http_status == HTTPStatus.OK and err.reference_id == "r1"
    assert rec.seen == [err] and len(session.calls) == 1


def test_a_save_answered_with_success_false_is_rejected_naming_no_order():
    err = save(answer(body={"imports": [], "status": {**STATUS, "success": False}}))[0]
    assert type(err) is RequestRejected and err.rejected_orders == {}


# ---------------------------------------------------------------- a 400 naming orders


def rejected_by(model_state: dict) -> RequestRejected:
    body = {"Message": "The request is invalid.", "ModelState": model_state}
    err, session, _ = save(answer(HTTPStatus.BAD_REQUEST, body))
    assert type(err) is RequestRejected and err.http_status == HTTPStatus.BAD_REQUEST
    assert len(session.calls) == 1, "a rejected save is never resent"
    return err


def test_a_400_naming_orders_maps_their_messages_by_index_prefixed_keys_too():
    err = rejected_by(
        {
            "orders[1].recipient.first_name": ["The first_name field is required."],
            "request.orders[0].order_items[1].product_sku": ["The product_sku field is required."],
            "model.orders[1].order_key": ["Not a GUID.", "Too long."],
            "Orders[0]": "An order needs items.",
            "request.source": ["The source field is required."],
            "orders[5].recipient": ["Names an order that was not sent."],
        }
    )
    assert err.status_message == "The first_name field is required."
    assert err.rejected_orders == {
        0: "order_items[1].product_sku: The product_sku field is required.; An order needs items.",
        1: "recipient.first_name: The first_name field is required.; "
        "order_key: Not a GUID.; order_key: Too long.",
    }


def test_a_400_naming_no_order_rejects_the_whole_request_with_no_order_named():
    assert rejected_by({"request.orders": ["The orders field is required."]}).rejected_orders == {}


def test_every_error_has_its_own_empty_rejected_orders_by_default():
    err = ServerError("boom", endpoint="save_pending_orders")
    assert err.rejected_orders == {} and FinerWorksError("x", endpoint="e").rejected_orders == {}
    assert err.rejected_orders is not ServerError("b", endpoint="e").rejected_orders


# ---------------------------------------------------------------- never resent


LIMITING = (HTTPStatus.TOO_MANY_REQUESTS, HTTPStatus.SERVICE_UNAVAILABLE)


@pytest.mark.parametrize("status", [*LIMITING, HTTPStatus.INTERNAL_SERVER_ERROR])
def test_a_save_answered_with_an_error_is_attempted_exactly_once(status):
    err, session, rec = save(answer(status, {"Message": "Try later."}, {"Retry-After": "1"}))
    assert type(err) is (RateLimited if status in LIMITING else ServerError) and err.attempt == 1
    assert err.http_status == status and len(session.calls) == 1 and rec.seen == [err]


@pytest.mark.parametrize("failure", [ReadTimeout("Read timed out."), Dropped("aborted")])
def test_a_save_whose_answer_was_lost_is_an_unknown_outcome_attempted_once(failure):
    err, session, rec = save(failure, answer())
    assert type(err) is OutcomeUnknown and err.payload == SENT
    assert len(session.calls) == 1 and rec.seen == [err]


def test_a_save_refused_at_connect_is_retried_then_connection_failed(closed_port_url):
    rec = Recorder()
    client = client_for(base_url=closed_port_url, timeout=1.0, on_attempt=rec, max_retries=2)
    with pytest.raises(ConnectionFailed):
        client.save_pending_orders(ORDERS, source=SOURCE)
    assert [err.attempt for err in rec.seen] == [1, 2, 3]
    assert {type(err) for err in rec.seen} == {ConnectionFailed}


def test_a_rate_limited_credentials_check_is_still_retried():
    limited = answer(HTTPStatus.TOO_MANY_REQUESTS, {"Message": "Slow down."}, {"Retry-After": "0"})
    session = AnsweringSession(limited, answer(body={"status": STATUS}))
    assert client_for(session).test_my_credentials().attempt == 2 and len(session.calls) == 2


def test_keys_echoed_in_a_save_error_body_are_redacted():
    err = rejected_by(
        {f"orders[0].{WEB_KEY}": [f"bad key {APP_KEY}"], "orders[1]": [f"{WEB_KEY}/{APP_KEY}"]}
    )
    texts = [str(err), repr(err), err.status_message, err.body_excerpt]
    blob = "\n".join([*texts, *err.rejected_orders.values()])
    assert WEB_KEY not in blob and APP_KEY not in blob
    assert err.rejected_orders == {0: "[redacted]: bad key [redacted]", 1: "[redacted]/[redacted]"}


def test_keys_echoed_in_a_saved_order_po_are_redacted():
    reply = saved_body({"id": 1, "order_po": f"PO {WEB_KEY}"}, {"id": 2, "order_po": APP_KEY})
    resp = save(answer(body=reply))[0]
    assert resp.saved == (SavedOrder(1, "PO [redacted]"), SavedOrder(2, "[redacted]"))
    assert WEB_KEY not in resp.body_excerpt and APP_KEY not in resp.body_excerpt
