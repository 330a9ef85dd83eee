"""Building test data: users with permissions, and mirrored orders written directly (no
sandbox), for tests of the list, its queries and its plans."""

from django.contrib.auth.models import Permission, User
from django.utils import timezone

from orders.models import PendingOrder
from orders.services.facets import account_facets_refresh
from orders.services.sync_snapshot import mirrored_fields, record_hash


def make_user(username, *perms, superuser=False):
    if superuser:
        return User.objects.create_superuser(username, f"{username}@example.com", "pw")
    user = User.objects.create_user(username, f"{username}@example.com", "pw", is_staff=True)
    for perm in perms:
        app, codename = perm.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app, codename=codename)
        )
    return User.objects.get(pk=user.pk)  # fresh: no stale permission cache


def add_orders(account, n, start=1, **overrides):
    now = timezone.now()
    rows = []
    for i in range(start, start + n):
        record = {
            "fulfillment_id": i,
            "order_po": overrides.get("order_po", f"PO-{i}"),
            "source": overrides.get("source", "web"),
            "shipping_code": overrides.get("shipping_code", "SD"),
            "test_mode": overrides.get("test_mode", False),
            "recipient": {"first_name": f"Ann{i}", "last_name": "Lee", "email": f"a{i}@x.test"},
            "order_items": [{"product_sku": "S", "product_qty": 1}],
        }
        rows.append(
            PendingOrder(
                account=account,
                fulfillment_id=i,
                raw=record,
                raw_hash=record_hash(record),
                first_seen_at=now,
                last_seen_at=now,
                state=overrides.get("state", "pending"),
                **mirrored_fields(record),
            )
        )
    PendingOrder.objects.bulk_create(rows)
    account_facets_refresh([account.pk])  # as a sync does
