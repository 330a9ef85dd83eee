"""What every dashboard view shares: the permission gates."""

from django.contrib import auth, messages
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.mixins import UserPassesTestMixin
from django.contrib.auth.models import Permission
from django.core.paginator import Paginator
from django.db.models import Q

from orders import permissions, services


class CanViewOrders(UserPassesTestMixin):
    raise_exception = True

    def test_func(self):
        return permissions.user_can_view_orders(self.request.user)


class CanDelete(UserPassesTestMixin):
    raise_exception = True

    def test_func(self):
        return permissions.user_can_delete_at_finerworks(self.request.user)


class CanRestore(UserPassesTestMixin):
    raise_exception = True

    def test_func(self):
        return permissions.user_can_restore_at_finerworks(self.request.user)


class CanRequeue(UserPassesTestMixin):
    raise_exception = True

    def test_func(self):
        return permissions.user_can_requeue_deletion(self.request.user)


class CanViewAudit(UserPassesTestMixin):
    raise_exception = True

    def test_func(self):
        return permissions.user_can_view_audit(self.request.user)


def load_permissions(user) -> None:
    """Fill ModelBackend's per-request permission cache with one query instead of its two
    (user permissions, then group permissions). Only when ModelBackend alone answers
    has_perm; anything else keeps Django's own lookups."""
    if not user.is_authenticated or not user.is_active or user.is_superuser:
        return
    if hasattr(user, "_perm_cache"):
        return
    deciders = [b for b in auth.get_backends() if hasattr(b, "has_perm")]
    if [type(b) for b in deciders] != [ModelBackend]:
        return
    rows = (
        Permission.objects.filter(Q(user=user) | Q(group__user=user))
        .values_list("content_type__app_label", "codename")
        .order_by()
        .distinct()
    )
    user._perm_cache = {f"{app}.{codename}" for app, codename in rows}


def numbered_page(request, items, per_page: int):
    """A Django page of `items` carrying the links templates/orders/_pagination.html uses
    (the order list's cursor pages carry the same names), other query parameters kept."""
    page = Paginator(items, per_page).get_page(request.GET.get("page"))
    query = request.GET.copy()

    def to(number) -> str:
        query["page"] = number
        return query.urlencode()

    page.first_query = to(1)
    page.last_query = to(page.paginator.num_pages)
    page.previous_query = to(page.previous_page_number()) if page.has_previous() else ""
    page.next_query = to(page.next_page_number()) if page.has_next() else ""
    return page


TONE_LEVELS = {
    "success": messages.SUCCESS,
    "info": messages.INFO,
    "warning": messages.WARNING,
    "error": messages.ERROR,
}


def report_messages(request, deletion) -> None:
    """How a deletion ended, as messages on the next page."""
    for tone, text in services.bulk_deletion_report(deletion):
        messages.add_message(request, TONE_LEVELS[tone], text)
