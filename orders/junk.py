"""What marks a pending order as likely junk, computed from its record at sync time: a
fingerprint of who it goes to and what it holds (two imports of the same order share it),
what FinerWorks would refuse at submit, and the text the list's search reads.

Pure functions of one record (no model): the sync stores their results in columns, so
each junk preset and the search are one indexed query.
"""

import hashlib
import json
import unicodedata

# The recipient fields that say where an order goes (not phone or e-mail: a re-import
# may fill those differently).
ADDRESS_FIELDS = (
    "first_name",
    "last_name",
    "company_name",
    "address_1",
    "address_2",
    "address_3",
    "city",
    "state_code",
    "province",
    "zip_postal_code",
    "country_code",
)
# Fields between which a search term can never match: a separator no search box sends.
SEARCH_SEPARATOR = "\x1f"


def _normal(value) -> str:
    text = unicodedata.normalize("NFKC", str(value or ""))
    return " ".join(text.casefold().split())


def _items(record: dict) -> list[dict]:
    items = record.get("order_items")
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def order_fingerprint(record: dict) -> str:
    """Normalised recipient and address plus the sorted (SKU, quantity) lines: equal for
    the same order imported twice, whatever its PO or id."""
    recipient = record.get("recipient") if isinstance(record.get("recipient"), dict) else {}
    lines = sorted(
        (_normal(item.get("product_sku")), str(item.get("product_qty") or ""))
        for item in _items(record)
    )
    key = [[_normal(recipient.get(field)) for field in ADDRESS_FIELDS], lines]
    return hashlib.sha256(json.dumps(key, ensure_ascii=False).encode()).hexdigest()[:32]


def incomplete_reason(record: dict) -> str:
    """What FinerWorks would refuse at submit ("" when nothing): an item without a SKU
    or an image, no items at all, no shipping code."""
    problems = []
    items = _items(record)
    if not items:
        problems.append("no items")
    if any(not str(item.get("product_sku") or "").strip() for item in items):
        problems.append("an item has no SKU")
    if any(not _has_image(item) for item in items):
        problems.append("an item has no image")
    if not str(record.get("shipping_code") or "").strip():
        problems.append("no shipping code")
    return "; ".join(problems)


def _has_image(item: dict) -> bool:
    image = item.get("product_image")
    return isinstance(image, dict) and bool(str(image.get("product_url_file") or "").strip())


def search_text(record: dict, fields: dict) -> str:
    """PO, recipient name, company, e-mail, and every item's SKU and title, separated so
    that a term matches within one field only (the admin's icontains on each field)."""
    parts = [
        fields["order_po"],
        fields["recipient_name"],
        fields["recipient_company"],
        fields["recipient_email"],
    ]
    for item in _items(record):
        parts += [str(item.get("product_sku") or ""), str(item.get("product_title") or "")]
    return SEARCH_SEPARATOR.join(part.replace(SEARCH_SEPARATOR, " ") for part in parts if part)
