"""Deleting at FinerWorks, up to the "yes": freeze a selection, show it for confirmation
(or discard it), confirm it and queue it for the worker."""

from http import HTTPStatus

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.views import View
from django.views.generic import TemplateView

from orders import permissions, selectors, services
from orders.forms import ConfirmDeletionForm, OrderFilterForm, SelectionForm
from orders.junk_presets import DUPLICATE_FIELDS, extra_copies
from orders.models import BulkDeletion, FinerWorksAccount
from orders.parsing import whole_number
from orders.tasks import bulk_deletion_enqueue
from orders.views.base import CanDelete, numbered_page
from orders.views.list_context import extras_offer


class DeletionCreateView(CanDelete, View):
    """Freeze the ticked orders (or all matching) into a deletion awaiting confirmation."""

    http_method_names = ["post"]

    def post(self, request):
        user = request.user
        if request.POST.get("extras") in ("oldest", "newest"):
            return self._extra_copies(request)
        selection = SelectionForm(request.POST)
        if not selection.is_valid():
            for error in selection.errors.values():
                messages.error(request, " ".join(error))
            return redirect(_list_url(request.POST))
        back = _list_url(request.POST)
        try:
            if selection.cleaned_data["select_all"]:
                filters = OrderFilterForm(request.POST, user=user)
                if not filters.is_valid():
                    if "account" in filters.errors:
                        _refuse_filter_account(user, request.POST.get("account"))
                        raise PermissionDenied("The filter names an account you may not act for.")
                    messages.error(request, "The filter is not valid; nothing was selected.")
                    return redirect(back)
                deletion = services.bulk_deletion_start(
                    user=user,
                    via="dashboard",
                    orders=filters.filter(selectors.pending_orders_for_user(user)),
                    by_filter=True,
                    scope_description=f"all orders matching {filters.describe()}",
                    return_url=back,
                )
            else:
                deletion = services.bulk_deletion_start(
                    user=user,
                    via="dashboard",
                    ids=selection.cleaned_data["orders"],
                    scope_description="orders ticked by hand",
                    return_url=back,
                )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(back)
        return redirect("orders:deletion_confirm", pk=deletion.pk)

    def _extra_copies(self, request):
        """ "Select the extra copies" of a duplicate preset: all but one order of each
        group, frozen as a draft like any selection (the same confirmation page)."""
        user, back = request.user, _list_url(request.POST)
        filters = OrderFilterForm(request.POST, user=user)
        keep = request.POST["extras"]
        if not filters.is_valid() or not extras_offer(filters.value("junk", "")):
            if "account" in filters.errors:
                _refuse_filter_account(user, request.POST.get("account"))
                raise PermissionDenied("The filter names an account you may not act for.")
            messages.error(request, "Choose a duplicate preset first; nothing was selected.")
            return redirect(back)
        matching = filters.filter(selectors.pending_orders_for_user(user))
        try:
            deletion = services.bulk_deletion_start(
                user=user,
                via="dashboard",
                orders=extra_copies(matching, filters.value("junk"), keep=keep),
                by_filter=True,
                scope_description=f"the extra copies (keeping the {keep} of each group) of "
                f"orders {filters.describe()}",
                return_url=back,
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(back)
        field = DUPLICATE_FIELDS[filters.value("junk")]
        BulkDeletion.objects.filter(pk=deletion.pk).update(keeps_one_per=field)
        return redirect("orders:deletion_confirm", pk=deletion.pk)


def _refuse_filter_account(user, account_id) -> None:
    account_pk = whole_number(account_id)
    if account_pk is None:
        return
    account = FinerWorksAccount.objects.filter(pk=account_pk).first()
    if account is not None:
        reason = f"{user} tried to select all orders of ungranted account {account}."
        services.delete_refusal_record(user=user, account=account, reason=reason)


def _list_url(data) -> str:
    keep = {k: data.get(k) for k in OrderFilterForm.base_fields if data.get(k)}
    return reverse("orders:list") + ("?" + urlencode(keep) if keep else "")


class DeletionConfirmView(CanDelete, TemplateView):
    """The draft's one "yes". Only its creator ever sees it (anyone else: 404)."""

    template_name = "orders/deletion_confirm.html"

    def get_draft(self, pk) -> BulkDeletion:
        deletion = services.draft_for_user(self.request.user, pk)
        if deletion is None:
            raise Http404("No such deletion.")
        return deletion

    def get(self, request, pk):
        deletion = self.get_draft(pk)
        lost = [
            a.name
            for a in services.bulk_deletion_accounts(deletion)
            if not permissions.user_may_act_for(request.user, a)
        ]
        if lost and deletion.state == BulkDeletion.State.AWAITING:
            # A grant revoked since the selection: its orders are not shown any more.
            raise PermissionDenied(f"You may no longer act for {', '.join(lost)}.")
        if services.bulk_deletion_draft_expire(deletion):
            messages.error(request, deletion.error_message + " Nothing was sent.")
        if deletion.state != BulkDeletion.State.AWAITING:
            return redirect("orders:deletion_detail", pk=pk)
        return self.render_to_response(self.context(deletion, self.form(deletion)))

    def form(self, deletion, data=None):
        count = services.bulk_deletion_still_pending(deletion)
        needs_typing = deletion.by_filter or count > settings.FWADMIN_CONFIRM_TYPED_ABOVE
        return ConfirmDeletionForm(data, count=count, needs_typing=needs_typing)

    def post(self, request, pk):
        # The user's own deletion, not looked up by account scope: a grant revoked since
        # the confirmation page is refused and audited by the service.
        deletion = self.get_draft(pk)
        if deletion.state != BulkDeletion.State.AWAITING:
            messages.info(request, _not_awaiting(deletion))
            return redirect("orders:deletion_detail", pk=pk)
        form = self.form(deletion, request.POST)
        if not form.is_valid():
            return self.render_to_response(
                self.context(deletion, form), status=HTTPStatus.BAD_REQUEST
            )
        try:
            started = services.bulk_deletion_confirm(
                deletion=deletion,
                user=request.user,
                unverified_accounts_acknowledged=form.cleaned_data.get("acknowledge_unverified"),
                reason=form.cleaned_data.get("reason", ""),
            )
        except ValidationError as exc:
            if deletion.state != BulkDeletion.State.AWAITING:  # it expired meanwhile
                messages.error(request, " ".join(exc.messages))
                return redirect("orders:deletion_detail", pk=pk)
            form.add_error(None, exc)
            return self.render_to_response(
                self.context(deletion, form), status=HTTPStatus.BAD_REQUEST
            )
        if not started:
            messages.info(request, "This deletion was already confirmed; it ran only once.")
            return redirect("orders:deletion_detail", pk=pk)
        bulk_deletion_enqueue(deletion)
        deletion.refresh_from_db()
        if not deletion.is_done:  # done already only where tasks run at once; the page reports
            messages.info(request, f"Deletion #{deletion.pk} is queued; progress shows below.")
        return redirect("orders:deletion_detail", pk=pk)

    def context(self, deletion, form):
        items = deletion.items.select_related("order", "account").order_by(
            "account__name", "fulfillment_id"
        )
        accounts = services.bulk_deletion_accounts(deletion)
        frozen = deletion.items.count()
        sendable = services.sendable_items(deletion)  # per account: what can still be sent
        counts = dict(sendable.values_list("account_id").annotate(n=Count("pk")).order_by())
        return self.get_context_data(
            deletion=deletion,
            form=form,
            accounts=services.mirror_staleness(accounts, counts),
            page=numbered_page(self.request, items, 500),
            item_count=form.count,
            frozen_count=frozen,
            left_out=frozen - form.count,
            needs_ack=any(a.needs_verification for a in accounts),
        )


def _not_awaiting(deletion) -> str:
    if deletion.state == BulkDeletion.State.CANCELLED and not deletion.confirmed_at:
        return "This selection was discarded or expired; nothing was sent."
    return "This deletion was already confirmed; it ran only once."


class DeletionDiscardView(CanDelete, View):
    """ "No, take me back": the draft is discarded and the list shown as it was left."""

    http_method_names = ["post"]

    def post(self, request, pk):
        deletion = services.draft_for_user(request.user, pk)
        if deletion is None:
            raise Http404("No such deletion.")
        if not services.bulk_deletion_discard(deletion=deletion, user=request.user):
            messages.warning(request, f"Deletion #{pk} was no longer a draft; see where it stands.")
            return redirect("orders:deletion_detail", pk=pk)
        messages.info(request, "Nothing was deleted; the selection was discarded.")
        return redirect(deletion.return_url or "orders:list")
