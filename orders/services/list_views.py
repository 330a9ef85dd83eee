"""Saved views of the order list and the table's density: per user, the URL the source
of truth (a view is a query string, applied by following it)."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import QueryDict

from orders.models import ListPreference, SavedView
from orders.parsing import whole_number

# The list's own parameters: nothing else is kept in a view (no cursor, no page).
VIEW_PARAMS = (
    "q",
    "account",
    "state",
    "source",
    "shipping_code",
    "test_mode",
    "junk",
    "sort",
    "page_size",
)


def view_query(params: QueryDict) -> str:
    """The list parameters of `params` as a query string (empty values dropped)."""
    kept = QueryDict(mutable=True)
    for name in VIEW_PARAMS:
        if value := params.get(name, "").strip():
            kept[name] = value[:200]
    return kept.urlencode()


def saved_view_create(*, user, name: str, params: QueryDict, shared: bool) -> SavedView:
    """Name the list's current search, filters and sort; ValidationError for a bad name."""
    # No control characters (PostgreSQL refuses a NUL in text; none belongs in a name).
    name = " ".join("".join(c for c in name if c.isprintable() or c == " ").split())[:80]
    if not name:
        raise ValidationError("Give the view a name.")
    query = view_query(params)
    if not query:
        raise ValidationError("Search or filter first: there is nothing to save.")
    if len(query) > SavedView._meta.get_field("query").max_length:
        raise ValidationError("This search is too long to save as a view; shorten it.")
    try:
        with transaction.atomic():
            return SavedView.objects.create(owner=user, name=name, query=query, shared=shared)
    except IntegrityError:
        raise ValidationError(f"You already have a view named “{name}”.") from None


def saved_views_for(user, accounts) -> list[SavedView]:
    """The user's views and the shared ones, less shared views naming an account the
    user may not see (they would show something else than their name says)."""
    visible = {str(account.pk) for account in accounts}
    views = SavedView.objects.filter(Q(owner=user) | Q(shared=True)).select_related("owner")
    kept = []
    for view in views:
        account = QueryDict(view.query).get("account", "")
        if view.owner_id == user.pk or not account or account in visible:
            kept.append(view)
    return kept


def saved_view_delete(*, user, pk) -> bool:
    number = whole_number(str(pk))
    return bool(number and SavedView.objects.filter(owner=user, pk=number).delete()[0])


DENSITY_KEY = "list_density"


def list_density(user) -> str:
    pref = ListPreference.objects.filter(user=user).values_list("density", flat=True).first()
    return pref or ListPreference.Density.COMPACT


def list_density_set(*, user, density: str) -> None:
    if density not in ListPreference.Density.values:
        raise ValidationError("Unknown density.")
    ListPreference.objects.update_or_create(user=user, defaults={"density": density})


def density_into_session(sender, request, user, **kwargs) -> None:
    """At log-in: the user's density into the session, where the list reads it."""
    if request is not None and hasattr(request, "session"):
        request.session[DENSITY_KEY] = list_density(user)
