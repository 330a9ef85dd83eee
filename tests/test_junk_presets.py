"""The junk finder's presets find exactly the seeded junk: duplicate POs and re-imports
(within one account only), test orders, incomplete orders and stale ones; "the extra
copies" keep one order per group."""

import pytest

from orders.junk_presets import extra_copies, junk_filter
from orders.models import FinerWorksAccount, PendingOrder
from orders.services.facets import account_facets_refresh
from tests.junk_helpers import junk_order, junk_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus(owner_account):
    other = FinerWorksAccount.objects.create(name="Other", account_key="k-other")
    a = owner_account
    junk = {
        "duplicate_po": [junk_order(a, junk_record("DUP-1", last=f"L{i}")) for i in range(3)],
        "same_recipient": [junk_order(a, junk_record(f"RE-{i}", last="Twin")) for i in range(2)],
        "test": [junk_order(a, junk_record("T-1", last="T1", test=True))],
        "incomplete": [
            junk_order(a, junk_record("I-1", last="I1", sku="")),
            junk_order(a, junk_record("I-2", last="I2", image=False)),
            junk_order(a, junk_record("I-3", last="I3", shipping="")),
        ],
        "stale": [junk_order(a, junk_record("S-1", last="S1"), age_days=45)],
    }
    clean = [junk_order(a, junk_record(f"OK-{i}", last=f"Ok{i}")) for i in range(4)]
    # Not junk: a copy in another account, a copy no longer pending.
    clean.append(junk_order(other, junk_record("DUP-1", last="Twin")))
    junk_order(a, junk_record("OK-0", last="Gone"), state="deleted")
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
