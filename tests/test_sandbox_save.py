"""The FinerWorks sandbox's save_pending_orders, over real HTTP: saved orders become new
pending orders listed as sent, in the account the account_key rules pick; a request failing
validation saves nothing; FinerWorks' apostrophe bug, the reply shapes and the faults."""

from __future__ import annotations

from http import HTTPStatus
from uuid import uuid4

import pytest
import requests

from orders.finerworks.sandbox import CREDENTIALS_BODY, Sandbox
from orders.finerworks.sandbox_save import APOSTROPHE_BODY
from tests.sandbox_helpers import control, post

SOURCE = "fwadmin-restore:" + "x" * 34  # 50 characters: the longest source FinerWorks takes
RECIPIENT = ("first_name", "last_name", "address_1", "city", "zip_postal_code", "country_code")
ADDRESS = dict(zip(RECIPIENT, ("Ada", "Lovelace", "1 Row", "London", "N1", "gb"), strict=True))
DROP = object()  # in BAD_VALUES: the field is left out


def an_order(po: str = "WC_1") -> dict:
    return {
        "order_po": po,
        "order_key": None,
        "recipient": dict(ADDRESS),
        "order_items": [
            {"product_sku": "AP1234P1234", "product_qty": 1, "product_title": "Print"},
            {"product_sku": "AP5678P5678", "product_qty": 2},
        ],
        "custom_data_1": {"nested": ["kept", 1]},
    }


def save(sb: Sandbox, orders, source=SOURCE, **body) -> requests.Response:
    return post(sb, "save_pending_orders", {"orders": orders, "source": source, **body})


def listed(sb: Sandbox, ids: list[int], account_key=None) -> list[dict]:
    resp = post(sb, "list_pending_orders", {"ids": ids, "account_key": account_key})
    return resp.json()["orders"]


def new_ids(resp: requests.Response) -> list[int]:
    assert resp.status_code == HTTPStatus.OK and resp.json()["status"]["success"] is True
    return [row["id"] for row in resp.json()["imports"]]


def nothing_saved(sb: Sandbox, before: set[int] = frozenset()) -> bool:
    return all(sb.listed_ids(key) == (before if key is None else set()) for key in sb.accounts)


# ---------------------------------------------------------------- saving


def test_a_save_creates_new_ids_that_list_pending_orders_then_lists_as_sent(sandbox):
    seeded = {r["fulfillment_id"] for r in sandbox.seed(2)}
    refused = post(sandbox, "save_pending_orders", {"orders": [an_order()], "source": "x"}, {})
    assert refused.status_code == HTTPStatus.BAD_REQUEST and refused.json() == CREDENTIALS_BODY
    sent = [an_order("WC_1"), {**an_order("WC_2"), "source": "excel", "order_key": str(uuid4())}]
    resp = save(sandbox, sent)
    ids = new_ids(resp)
    assert [row["order_po"] for row in resp.json()["imports"]] == ["WC_1", "WC_2"]
    assert len(set(ids)) == 2 and not set(ids) & seeded
    assert listed(sandbox, ids) == [
        {**sent[0], "fulfillment_id": ids[0], "source": SOURCE},
        {**sent[1], "fulfillment_id": ids[1]},  # an order's own source is kept
    ]
    assert sandbox.listed_ids() == seeded | set(ids)


def test_every_save_is_a_new_order_even_with_a_known_fulfillment_id_or_order_po(sandbox):
    (old,) = sandbox.seed(1)
    again = {**an_order(old["order_po"]), "fulfillment_id": old["fulfillment_id"]}
    first, second = (new_ids(save(sandbox, [again]))[0] for _ in range(2))
    assert sandbox.listed_ids() == {old["fulfillment_id"], first, second} and first != second
    assert sandbox.record(old["fulfillment_id"]) == old  # not overwritten


@pytest.mark.parametrize(
    "allowed, account_key, saved_to",
    [(True, "acct-A", "acct-A"), (False, "acct-A", None), (True, "unknown-key", None)],
)
def test_a_save_goes_to_the_account_key_only_when_it_is_honoured(allowed, account_key, saved_to):
    with Sandbox(account_keys_allowed=allowed) as sb:
        sb.add_account("acct-A")
        ids = new_ids(save(sb, [an_order()], account_key=account_key))
        other = "acct-A" if saved_to is None else None
        assert (sb.listed_ids(saved_to), sb.listed_ids(other)) == (set(ids), set())
        assert [o["fulfillment_id"] for o in listed(sb, ids, account_key)] == ids
        (entry,) = sb.requests_for("save_pending_orders")
        assert entry["effective_account"] == saved_to and entry["had_valid_keys"] is True


# ---------------------------------------------------------------- validation

BAD_VALUES = {  # a dotted path into the second order sent (a digit indexes a list): values
    "order_po": ["", DROP, 17],
    "recipient": [DROP, "Ada Lovelace"],
    **{f"recipient.{name}": ["", DROP] for name in RECIPIENT},
    "order_items": [[], DROP],
    "order_items.1": ["AP5678P5678"],
    "order_items.1.product_sku": ["", DROP],
    "order_items.0.product_qty": [0, -1, True, "2", 1.5, None],
    "order_key": ["not-a-guid", 12345],
}


@pytest.mark.parametrize(
    "path, value", [(path, value) for path, values in BAD_VALUES.items() for value in values]
)
def test_an_invalid_order_is_refused_with_a_model_state_naming_it_and_nothing_saved(
    sandbox, path, value
):
    seeded = {r["fulfillment_id"] for r in sandbox.seed(1)}
    orders = [an_order("WC_1"), an_order("WC_2")]
    *parents, last = [int(part) if part.isdigit() else part for part in path.split(".")]
    target = orders[1]
    for part in parents:
        target = target[part]
    if value is DROP:
        del target[last]
    else:
        target[last] = value
    answer = save(sandbox, orders)
    assert answer.status_code == HTTPStatus.BAD_REQUEST
    key = "orders[1]" + "".join(f"[{p}]" if p.isdigit() else f".{p}" for p in path.split("."))
    assert answer.json()["Message"] == "The request is invalid."
    ((got, (message,)),) = answer.json()["ModelState"].items()
    assert got == key and message.startswith("The ") and message.endswith(".")
    assert nothing_saved(sandbox, seeded)


@pytest.mark.parametrize(
    "body, key",
    [
        ({"source": "web"}, "request.orders"),
        ({"orders": [], "source": "web"}, "request.orders"),
        ({"orders": {"order_po": "WC_1"}, "source": "web"}, "request.orders"),
        ({"orders": [5], "source": "web"}, "request.orders"),
        ({"orders": [an_order()]}, "request.source"),
        ({"orders": [an_order()], "source": ""}, "request.source"),
        ({"orders": [an_order()], "source": 7}, "request.source"),
        ({"orders": [an_order()], "source": SOURCE + "x"}, "request.source"),
    ],
)
def test_a_request_without_orders_or_a_source_of_1_to_50_chars_is_refused(sandbox, body, key):
    resp = post(sandbox, "save_pending_orders", body)
    assert resp.status_code == HTTPStatus.BAD_REQUEST
    assert list(resp.json()["ModelState"]) == [key]
    assert nothing_saved(sandbox)


def test_every_problem_of_every_order_is_in_the_one_model_state(sandbox):
    broken = {**an_order("WC_3"), "order_key": "nope", "recipient": {**ADDRESS, "first_name": ""}}
    broken["order_items"][1]["product_sku"] = ""
    orders = [an_order(), {**an_order(), "order_items": []}, an_order(), broken]
    resp = save(sandbox, orders, source=SOURCE + "x")
    assert resp.status_code == HTTPStatus.BAD_REQUEST
    assert resp.json()["ModelState"] == {
        "orders[1].order_items": ["The order_items field is required."],
        "orders[3].recipient.first_name": ["The first_name field is required."],
        "orders[3].order_items[1].product_sku": ["The product_sku field is required."],
        "orders[3].order_key": ["The order_key field must be a GUID or null."],
        "request.source": ["The field source must be a string with a maximum length of 50."],
    }
    assert nothing_saved(sandbox)


# ---------------------------------------------------------------- switches and faults


APOSTROPHES = {  # an order field, a value holding a ' (at some depth)
    "recipient": {**ADDRESS, "last_name": "O'Brien"},
    "custom_data_1": {"nested": [{"note": "Ada's print"}]},
}


@pytest.mark.parametrize("field", APOSTROPHES)
@pytest.mark.parametrize("on", [True, False])
def test_an_apostrophe_answers_sql_500_and_saves_nothing_only_while_the_quirk_is_on(
    sandbox, on, field
):
    assert control(sandbox, "apostrophe_quirk", {"on": on}).ok
    sent = [an_order("WC_1"), {**an_order("WC_2"), field: APOSTROPHES[field]}]
    resp = save(sandbox, sent)
    if on:
        assert resp.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
        assert resp.json() == APOSTROPHE_BODY and nothing_saved(sandbox)
    else:  # saved, the apostrophe intact
        ids = new_ids(resp)
        assert [order[field] for order in listed(sandbox, ids)] == [o[field] for o in sent]


@pytest.mark.parametrize(
    "shape, list_key, id_key",
    [("imports", "imports", "id"), ("orders", "orders", "fulfillment_id"), ("none", None, None)],
)
def test_the_save_reply_switch_picks_the_answers_shape(sandbox, shape, list_key, id_key):
    assert control(sandbox, "save_reply", {"shape": shape}).json()["state"]["save_reply"] == shape
    body = save(sandbox, [an_order("WC_1"), an_order("WC_2")]).json()
    first, second = sorted(sandbox.listed_ids())
    rows = [{id_key: first, "order_po": "WC_1"}, {id_key: second, "order_po": "WC_2"}]
    assert body == ({list_key: rows} if list_key else {}) | {"status": body["status"]}


def test_the_switches_default_to_imports_and_off_and_refuse_other_values(sandbox):
    state = sandbox.state()
    assert (state["save_reply"], state["apostrophe_quirk"]) == ("imports", False)
    for name, data in (("save_reply", {"shape": "rows"}), ("apostrophe_quirk", {"on": "yes"})):
        assert control(sandbox, name, data).status_code == HTTPStatus.BAD_REQUEST
    with pytest.raises(ValueError):
        sandbox.set_save_reply("rows")


@pytest.mark.parametrize(
    "mode, code",
    [
        ("500", HTTPStatus.INTERNAL_SERVER_ERROR),
        ("success_false", HTTPStatus.OK),
        ("429", HTTPStatus.TOO_MANY_REQUESTS),
        ("400_modelstate", HTTPStatus.BAD_REQUEST),
    ],
)
def test_a_canned_fault_answers_and_saves_nothing(sandbox, mode, code):
    assert control(sandbox, "fault", {"endpoint": "save_pending_orders", "mode": mode}).ok
    assert save(sandbox, [an_order()]).status_code == code
    assert nothing_saved(sandbox)
    assert save(sandbox, [an_order()]).status_code == HTTPStatus.OK  # one-shot


@pytest.mark.parametrize(
    "mode, code",
    [
        ("saved_but_500", HTTPStatus.INTERNAL_SERVER_ERROR),
        ("deleted_but_429", HTTPStatus.TOO_MANY_REQUESTS),
        ("deleted_but_503", HTTPStatus.SERVICE_UNAVAILABLE),
    ],
)
def test_a_saved_but_fault_saves_a_valid_save_then_answers_an_error(sandbox, mode, code):
    sandbox.add_fault("save_pending_orders", mode, times=2)
    assert save(sandbox, [{**an_order(), "order_items": []}]).status_code == HTTPStatus.BAD_REQUEST
    sent = an_order("WC_LOST")
    resp = save(sandbox, [sent])
    assert resp.status_code == code and "Message" in resp.json()
    assert not {"imports", "status"} & set(resp.json())
    (record,) = sandbox.orders()  # the invalid save saved nothing
    assert record == {**sent, "fulfillment_id": record["fulfillment_id"], "source": SOURCE}
    assert listed(sandbox, [record["fulfillment_id"]]) == [record]
