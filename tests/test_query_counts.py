"""Query-count guards: what a page, a sync or a deletion costs must not grow with the data.

Deterministic counts, no timings (the timings live in bench/, see bench/README.md).
"""

import re
from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from orders import selectors
from orders.models import FinerWorksCall, PendingOrder
from orders.services import (
    bulk_deletion_confirm,
    bulk_deletion_create,
    bulk_deletion_run,
    pending_orders_sync,
)
from tests.factories import add_orders

LIST = reverse("orders:list")
NEXT = re.compile(r'<a href="\?([^"]*)" rel="next">')
# session, user, permissions, accounts (with their facets), capped count, page, newest
# syncs, workers' beat, saved views
MAX_LIST_QUERIES = 9


def queries_for(client, url, params=None):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == HTTPStatus.OK
    return len(queries), response


def next_query(response) -> str:
    return NEXT.search(response.content.decode()).group(1).replace("&amp;", "&")


@pytest.mark.parametrize("who", ["deleter", "admin_user"])
def test_list_page_costs_the_same_at_any_size_and_depth(client, owner_account, who, request):
    add_orders(owner_account, 450)
    client.force_login(request.getfixturevalue(who))

    small, _ = queries_for(client, LIST, {"page_size": 25})
    large, _ = queries_for(client, LIST, {"page_size": 200})
    offset, page = queries_for(client, LIST, {"page_size": 25, "page": 10})
    cursor, _ = queries_for(client, f"{LIST}?{next_query(page)}")
    last, _ = queries_for(client, LIST, {"page_size": 25, "last": "1"})

    assert small == large == offset == cursor == last
    assert small <= MAX_LIST_QUERIES


def test_list_page_costs_the_same_when_the_count_is_capped(
    client, deleter, owner_account, monkeypatch
):
    add_orders(owner_account, 120)
    client.force_login(deleter)
    exact, _ = queries_for(client, LIST, {"page_size": 25})
    monkeypatch.setattr(selectors, "COUNT_CAP", 50)

    first, page = queries_for(client, LIST, {"page_size": 25})
    deep, _ = queries_for(client, f"{LIST}?{next_query(page)}")
    searched, _ = queries_for(client, LIST, {"q": "PO-1", "source": "web"})

    assert "50+ pending orders" in page.content.decode()
    assert exact == first == deep == searched <= MAX_LIST_QUERIES


def test_list_filters_do_not_add_queries(client, deleter, owner_account):
    add_orders(owner_account, 60)
    client.force_login(deleter)
    plain, _ = queries_for(client, LIST)
    filtered, _ = queries_for(
        client,
        LIST,
        {"account": owner_account.pk, "source": "web", "test_mode": "no", "sort": "account"},
    )
    assert filtered == plain


def add_calls(n):
    now = timezone.now()
    FinerWorksCall.objects.bulk_create(
        FinerWorksCall(
            created_at=now,
            endpoint="list_pending_orders",
            purpose="sync",
            outcome="ok",
            http_status=200,
            duration_ms=5,
        )
        for _ in range(n)
    )


def test_audit_page_costs_the_same_for_few_and_many_calls(client, admin_user, owner_account):
    client.force_login(admin_user)
    add_calls(3)
    few, _ = queries_for(client, reverse("orders:call_list"))
    add_calls(300)
    many, _ = queries_for(client, reverse("orders:call_list"))
    assert few == many <= 8


def sync_queries(fw, n, *, seed):
    """Queries of a sync whose snapshot holds n more orders than the last one."""
    fw.seed(n, seed=seed)
    with CaptureQueriesContext(connection) as queries:
        [summary] = pending_orders_sync()
    assert summary.ok
    return len(queries)


@pytest.mark.django_db(transaction=True)
def test_sync_queries_grow_per_batch_not_per_order(fw, owner_account):
    first_small = sync_queries(fw, 200, seed=1)
    resync_small = sync_queries(fw, 0, seed=0)
    first_large = sync_queries(fw, 2000, seed=2)  # 2000 new next to 200 unchanged
    resync_large = sync_queries(fw, 0, seed=0)

    assert PendingOrder.objects.filter(state="pending").count() == 2200
    # Two more batches of 1000, each one read and one upsert: not 1800 more rows.
    assert first_large - first_small <= 4
    assert resync_large - resync_small <= 2  # one read per batch of 1000, no write


def deletion_queries(fw, user, settings, *, orders, batch, seed):
    settings.FINERWORKS_DELETE_BATCH_SIZE = batch
    records = fw.seed(orders, seed=seed)
    pending_orders_sync()
    selected = PendingOrder.objects.filter(
        fulfillment_id__in=[r["fulfillment_id"] for r in records]
    )
    with CaptureQueriesContext(connection) as queries:
        deletion = bulk_deletion_create(user=user, orders=selected)
        bulk_deletion_confirm(deletion=deletion, user=user)
        bulk_deletion_run(deletion=deletion, acting_user=user)
    assert deletion.items.filter(outcome="deleted").count() == orders
    return len(queries)


@pytest.mark.django_db(transaction=True)
def test_deletion_queries_grow_per_chunk_not_per_order(fw, admin_user, owner_account, settings):
    four_small = deletion_queries(fw, admin_user, settings, orders=40, batch=10, seed=1)
    four_large = deletion_queries(fw, admin_user, settings, orders=160, batch=40, seed=2)
    eight = deletion_queries(fw, admin_user, settings, orders=80, batch=10, seed=3)

    assert four_large == four_small  # 4 chunks each: 4x the orders cost nothing more
    per_chunk = (eight - four_small) / 4
    # The user and their grant read fresh (2: a revoked grant stops the next chunk), then
    # two commits, BEGIN and COMMIT counted: the fenced heartbeat that is also the cancel
    # check with the chunk's items marked sending (4), the token checked again right before
    # the send (1), then the call's audit row (3).
    assert per_chunk == int(per_chunk) and 0 < per_chunk <= 10


def freeze_queries(user, account, n, *, start):
    add_orders(account, n, start=start)
    pending = PendingOrder.objects.filter(state="pending")
    with CaptureQueriesContext(connection) as queries:
        deletion = bulk_deletion_create(user=user, orders=pending)
    assert deletion.items.count() == n
    pending.update(state="gone")
    return len(queries)


def test_freezing_a_selection_costs_the_same_for_few_and_many_orders(admin_user, owner_account):
    few = freeze_queries(admin_user, owner_account, 5, start=1)
    many = freeze_queries(admin_user, owner_account, 1500, start=10)
    assert few == many
