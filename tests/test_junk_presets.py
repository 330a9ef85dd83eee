"""The junk finder's presets find exactly the seeded junk: duplicate POs and re-imports
(within one account only), test orders, incomplete orders and stale ones; "the extra
copies" keep one order per group."""

from datetime import timedelta
from itertools import count

import pytest
from django.utils import timezone

from orders.junk_presets import extra_copies, junk_filter
from orders.models import FinerWorksAccount, PendingOrder
from orders.services.facets import account_facets_refresh
from orders.services.sync_snapshot import mirrored_fields, record_hash

pytestmark = pytest.mark.django_db
_ids = count(1)


def _record(po, *, last="Lee", sku="AP1", image=True, shipping="SD", test=False, source="web"):
    item = {"product_sku": sku, "product_qty": 1}
    if image:
        item["product_image"] = {"product_url_file": "https://img.test/a.jpg"}
    return {
        "order_po": po,
        "source": source,
        "shipping_code": shipping,
        "test_mode": test,
        "recipient": {"first_name": "Ann", "last_name": last, "address_1": "1 Main St"},
        "order_items": [item],
    }


def _order(account, record, *, age_days=0, state="pending"):
    fid = next(_ids)
    seen = timezone.now() - timedelta(days=age_days, seconds=fid)
    return PendingOrder.objects.create(
        account=account,
        fulfillment_id=fid,
        raw={**record, "fulfillment_id": fid},
        raw_hash=record_hash(record),
        first_seen_at=seen,
        last_seen_at=seen,
        state=state,
        **mirrored_fields(record),
    )


@pytest.fixture
def corpus(owner_account):
    other = FinerWorksAccount.objects.create(name="Other", account_key="k-other")
    a = owner_account
    junk = {
        "duplicate_po": [_order(a, _record("DUP-1", last=f"L{i}")) for i in range(3)],
        "same_recipient": [_order(a, _record(f"RE-{i}", last="Twin")) for i in range(2)],
        "test": [_order(a, _record("T-1", last="T1", test=True))],
        "incomplete": [
            _order(a, _record("I-1", last="I1", sku="")),
            _order(a, _record("I-2", last="I2", image=False)),
            _order(a, _record("I-3", last="I3", shipping="")),
        ],
        "stale": [_order(a, _record("S-1", last="S1"), age_days=45)],
    }
    clean = [_order(a, _record(f"OK-{i}", last=f"Ok{i}")) for i in range(4)]
    # Not junk: a copy in another account, a copy no longer pending.
    clean.append(_order(other, _record("DUP-1", last="Twin")))
    _order(a, _record("OK-0", last="Gone"), state="deleted")
    account_facets_refresh([a.pk, other.pk])  # as the sync does: flags and counts
    return junk, clean, other


@pytest.mark.parametrize(
    "preset", ["duplicate_po", "same_recipient", "test", "incomplete", "stale"]
)
def test_each_preset_finds_exactly_the_seeded_junk(corpus, preset):
    junk, _clean, _other = corpus

    found = set(junk_filter(PendingOrder.objects.all(), preset))

    assert found == set(junk[preset])


def test_the_extra_copies_keep_the_oldest_of_each_group_or_the_newest(corpus):
    junk, _clean, _other = corpus
    copies = sorted(junk["duplicate_po"], key=lambda o: (o.first_seen_at, o.fulfillment_id))

    oldest_kept = set(extra_copies(PendingOrder.objects.all(), "duplicate_po"))
    newest_kept = set(extra_copies(PendingOrder.objects.all(), "duplicate_po", keep="newest"))

    assert oldest_kept == set(copies[1:])
    assert newest_kept == set(copies[:-1])
    twins = set(extra_copies(PendingOrder.objects.all(), "same_recipient"))
    assert len(twins) == 1 and twins < set(junk["same_recipient"])


def test_duplicates_in_different_accounts_are_not_grouped(corpus):
    _junk, _clean, other = corpus

    assert not junk_filter(PendingOrder.objects.filter(account=other), "duplicate_po").exists()
    assert not junk_filter(PendingOrder.objects.filter(account=other), "same_recipient").exists()


def test_the_accounts_facets_count_each_preset_and_each_source(corpus, owner_account):
    junk, _clean, _other = corpus

    account_facets_refresh([owner_account.pk])

    owner_account.refresh_from_db()
    counts = owner_account.facets["junk"]
    assert counts == {
        "duplicate_po": 3,
        "same_recipient": 2,
        "test": 1,
        "incomplete": 3,
        "stale": 1,
    }
    assert owner_account.facets["source"] == {"web": 14}
