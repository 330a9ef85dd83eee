"""The FinerWorks sandbox's raw (poison) records and account keys switch, over real HTTP:
raw records are listed verbatim after the orders, matched loosely by id and kept through
deletes until cleared, and turning account keys off or on takes effect on the next request."""

from tests.sandbox_helpers import control, fids, post

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
