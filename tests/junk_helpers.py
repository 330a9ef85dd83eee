"""Orders for the junk finder's tests: records with the fields the presets read, mirrored
as a sync would mirror them (the flags and counts kept afterwards by the caller)."""

from datetime import timedelta
from itertools import count

from django.utils import timezone

from orders.models import PendingOrder
from orders.services.sync_snapshot import mirrored_fields, record_hash

_ids = count(1)


def junk_record(po, *, last="Lee", sku="AP1", image=True, shipping="SD", test=False, source="web"):
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


def junk_order(account, record, *, age_days=0, state="pending"):
    """One mirrored order; a lower id is older (first seen earlier)."""
    fid = next(_ids)
    seen = timezone.now() - timedelta(days=age_days + 1) + timedelta(seconds=fid)
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
