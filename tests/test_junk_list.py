"""The junk finder through the list page and the deletion door.

The presets' links show their counts; a preset lists exactly its orders with a "Why"
column; "Select the extra copies" freezes every copy of each duplicate group but the one
kept (never another account's order) into a draft confirmed on the usual page, sending
nothing; it needs a duplicate preset and the delete permission. A bogus preset is ignored
with the form's error; the Source and Shipping selects offer the mirror's values with
counts; active filters are chips removing just themselves; the count is exact; the Gone
and Deleted views offer nothing to delete.
"""

from http import HTTPStatus

import pytest
from django.http import QueryDict
from django.urls import reverse

from orders.models import BulkDeletion, FinerWorksAccount, FinerWorksCall
from orders.services.facets import account_facets_refresh
from tests.junk_helpers import junk_order, junk_record
from tests.order_list_helpers import ids_in

LIST = reverse("orders:list")
CREATE = reverse("orders:deletion_create")
DELETE_BUTTON = "Delete at FinerWorks…"
EXTRAS_BUTTON = "Select the extra copies (keep the oldest)…"


@pytest.fixture
def corpus(owner_account, deleter, grant):
    """Two duplicate-PO groups (3 and 2), a same-recipient pair, a test order, an
    incomplete one, clean ones, another account's order with a duplicated PO, history."""
    other = FinerWorksAccount.objects.create(name="Other", account_key="k-other")
    grant(deleter, other)
    a = owner_account
    dup = [junk_order(a, junk_record("DUP-1", last=f"D{i}")) for i in range(3)]
    dup += [junk_order(a, junk_record("DUP-2", last=f"E{i}", source="excel")) for i in range(2)]
    junk = {
        "duplicate_po": dup,
        "same_recipient": [junk_order(a, junk_record(f"RE-{i}", last="Twin")) for i in range(2)],
        "test": [junk_order(a, junk_record("T-1", last="T1", test=True))],
        "incomplete": [junk_order(a, junk_record("I-1", last="I1", shipping=""))],
    }
    clean = [junk_order(a, junk_record(f"OK-{i}", last=f"Ok{i}", shipping="FS")) for i in range(3)]
    clean.append(junk_order(other, junk_record("DUP-1", last="Far")))
    junk_order(a, junk_record("DUP-1", last="Gone1"), state="gone")
    junk_order(a, junk_record("DUP-1", last="Del1"), state="deleted")
    account_facets_refresh([a.pk, other.pk])
    return junk, clean


def _fids(orders) -> list[int]:
    return sorted(o.fulfillment_id for o in orders)


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_each_preset_link_shows_its_count(client, deleter, corpus):
    client.force_login(deleter)

    response = client.get(LIST)

    counts = {p["preset"]: p["count"] for p in response.context["presets"][1:]}
    assert counts == dict(duplicate_po=5, same_recipient=2, test=1, incomplete=1, stale=0)
    html = response.content.decode()
    dup = '<a href="?junk=duplicate_po">Duplicate PO <span class="preset-count">5</span></a>'
    assert dup in html
    assert '<a href="?junk=test">Test orders <span class="preset-count">1</span></a>' in html


def test_the_duplicate_preset_lists_exactly_its_orders_and_why(client, deleter, corpus):
    junk, _clean = corpus
    client.force_login(deleter)

    response = client.get(LIST, {"junk": "duplicate_po"})

    assert sorted(ids_in(response)) == _fids(junk["duplicate_po"])
    html = response.content.decode()
    assert '<th scope="col">Why</th>' in html
    reasons = {row["order_po"]: row["junk"] for row in response.context["page"].object_list}
    assert reasons == {"DUP-1": "PO pending 3×", "DUP-2": "PO pending 2×"}
    assert html.count('<td class="why"><bdi>PO pending 3×</bdi></td>') == 3
    assert EXTRAS_BUTTON in html and "…or keep the newest" in html
    assert "Why" not in client.get(LIST).content.decode()


@pytest.mark.parametrize(("keep", "dropped"), [("oldest", 0), ("newest", -1)])
def test_the_extra_copies_are_a_draft_of_all_but_one_per_group_sending_nothing(
    client, deleter, corpus, keep, dropped
):
    junk, _clean = corpus
    groups = [junk["duplicate_po"][:3], junk["duplicate_po"][3:]]
    expected = sorted(fid for g in groups for fid in _fids(g) if fid != _fids(g)[dropped])
    client.force_login(deleter)
    calls = FinerWorksCall.objects.count()

    response = client.post(CREATE, {"junk": "duplicate_po", "extras": keep})

    deletion = BulkDeletion.objects.get()
    assert response.status_code == HTTPStatus.FOUND
    assert response.url == reverse("orders:deletion_confirm", args=[deletion.pk])
    assert deletion.state == BulkDeletion.State.AWAITING
    assert sorted(deletion.items.values_list("fulfillment_id", flat=True)) == expected
    assert not deletion.items.exclude(account__account_key=None).exists()
    assert client.get(response.url).status_code == HTTPStatus.OK
    assert FinerWorksCall.objects.count() == calls == 0


def test_the_extra_copies_keep_to_the_lists_other_filters(client, deleter, corpus):
    junk, _clean = corpus
    client.force_login(deleter)

    client.post(CREATE, {"junk": "duplicate_po", "source": "excel", "extras": "oldest"})

    excel = junk["duplicate_po"][3:]
    assert _fids(BulkDeletion.objects.get().items.all()) == _fids(excel)[1:]


@pytest.mark.parametrize("junk", ["", "test", "incomplete", "bogus"])
def test_extras_without_a_duplicate_preset_are_refused_and_create_nothing(
    client, deleter, corpus, junk
):
    client.force_login(deleter)

    response = client.post(CREATE, {"junk": junk, "extras": "oldest"}, follow=True)

    assert response.status_code == HTTPStatus.OK
    assert "Choose a duplicate preset first; nothing was selected." in _messages(response)
    assert not BulkDeletion.objects.exists()


def test_a_user_without_the_delete_permission_gets_403_and_no_buttons(client, viewer, corpus):
    client.force_login(viewer)

    for extras in ("oldest", "newest"):
        response = client.post(CREATE, {"junk": "duplicate_po", "extras": extras})
        assert response.status_code == HTTPStatus.FORBIDDEN
    html = client.get(LIST, {"junk": "duplicate_po"}).content.decode()
    assert EXTRAS_BUTTON not in html and DELETE_BUTTON not in html
    assert 'class="row-check"' not in html
    assert not BulkDeletion.objects.exists()


def test_a_bogus_preset_is_ignored_with_the_form_error_shown(client, deleter, corpus):
    client.force_login(deleter)

    response = client.get(LIST, {"junk": "bogus"})

    assert response.status_code == HTTPStatus.OK
    assert "junk" in response.context["form"].errors
    assert 'class="msg msg-error filters-errors"' in response.content.decode()
    assert sorted(ids_in(response)) == sorted(ids_in(client.get(LIST, {"page_size": 25})))
    assert '<th scope="col">Why</th>' not in response.content.decode()


def test_the_source_and_shipping_selects_offer_the_mirrors_values_with_counts(
    client, deleter, corpus
):
    client.force_login(deleter)

    response = client.get(LIST, {"source": "excel"})

    assert response.context["source_options"] == [
        ("", "Any", False),
        ("web", "web (11)", False),
        ("excel", "excel (2)", True),
    ]
    assert response.context["shipping_options"] == [
        ("", "Any", True),
        ("SD", "SD (9)", False),
        ("FS", "FS (3)", False),
    ]
    html = response.content.decode()
    assert '<select name="source"><option value="">Any</option>' in html
    assert '<option value="excel" selected>excel (2)</option>' in html
    assert '<option value="FS">FS (3)</option></select>' in html


def test_each_chip_removes_exactly_its_filter(client, deleter, corpus):
    params = {"source": "web", "junk": "duplicate_po", "test_mode": "no", "sort": "order_po"}
    client.force_login(deleter)

    chips = client.get(LIST, params).context["chips"]

    assert [c["label"] for c in chips] == ["Source: web", "Live only", "Junk: Duplicate PO"]
    for chip, removed in zip(chips, ("source", "test_mode", "junk"), strict=True):
        left = QueryDict(chip["href"].lstrip("?"))
        assert left.dict() == {k: v for k, v in params.items() if k != removed}
        assert client.get(LIST + chip["href"]).status_code == HTTPStatus.OK


def test_the_count_endpoint_gives_the_exact_count(client, deleter, corpus):
    client.force_login(deleter)
    url = reverse("orders:count")

    assert client.get(url, {"junk": "duplicate_po"}).json() == {"count": 5}
    assert client.get(url, {"junk": "duplicate_po", "source": "excel"}).json() == {"count": 2}
    assert client.get(url, {"junk": "bogus"}).json() == {"count": 13}


@pytest.mark.parametrize("state", ["gone", "deleted"])
def test_the_gone_and_deleted_views_offer_nothing_to_delete(client, deleter, corpus, state):
    client.force_login(deleter)
    assert DELETE_BUTTON in client.get(LIST).content.decode()

    response = client.get(LIST, {"state": state})

    assert len(ids_in(response)) == 1
    html = response.content.decode()
    assert DELETE_BUTTON not in html and EXTRAS_BUTTON not in html
    assert 'name="orders"' not in html and 'id="toggle-page"' not in html
    assert 'name="select_all"' not in html
