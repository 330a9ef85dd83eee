"""How FinerWorksClient reads list and delete answers (from a fake session, and over real
HTTP against the local sandbox for the size cap): order by order whatever the key order, only
complete answers with a list of orders, records without a usable id named and skipped, and
bodies and nesting capped before parsing."""

from __future__ import annotations

import json
import time

import pytest

from orders.finerworks.client import FinerWorksClient
from orders.finerworks.errors import BadResponse
from tests.client_helpers import FakeResponse, FakeSession


def client_answering(**answer) -> FinerWorksClient:
    """A client whose every call gets a FakeResponse with these attributes."""
    response = type("Answer", (FakeResponse,), answer)()

    class Session(FakeSession):
        def request(self, *args, **kwargs):
            return response

    return FinerWorksClient(
        base_url="https://x.test", web_api_key="w", app_key="a", session=Session()
    )


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


def test_nesting_that_alternates_lists_and_objects_counts_every_level():
    from orders.finerworks.nesting import nesting_within

    assert nesting_within(b"[{" * 32 + b"}]" * 32)  # 64 levels
    assert not nesting_within(b"[{" * 33 + b"}]" * 33)  # 66 levels


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
