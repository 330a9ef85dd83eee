"""Deterministic fake FinerWorks pending-order records for the sandbox and demos.

``make_records(n, seed=..., start_id=...)`` always returns the same records for the same
arguments. Records deliberately include awkward data: duplicate ``order_po`` values,
apostrophes, non-Latin names, an HTML/script payload and unknown extra fields.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

FIRST_NAMES = [
    "Alice", "Bob", "Carla", "Dmitri", "Emma", "Farid", "Grace", "Hiro", "Ines", "Jamal",
    "Kara", "Liam", "Maya", "Noah", "Olga", "Pedro", "Quinn", "Rosa", "Sam", "Tara",
]  # fmt: skip
LAST_NAMES = [
    "Anderson", "Baker", "Chen", "Dubois", "Evans", "Fischer", "Garcia", "Hughes", "Ivanova",
    "Jones", "Kim", "Lopez", "Miller", "Nguyen", "Okafor", "Patel", "Rossi", "Smith",
]  # fmt: skip
ODD_NAMES = [
    ("Siobhan", "O'Brien"),
    ("Zoë", "Łukasiewicz"),
    ("太郎", "山田"),
    ("D'Arcy", "N'Dour"),
    ("Ђорђе", "Петровић"),
    ("Søren", "Kierkegård"),
]
COMPANIES = ["", "", "", "Acme Prints", "Gallery 9", "Frame & Co", "Studio Nord", "Bright Walls"]
SCRIPT = "<script>alert(1)</script>"
CITIES = [
    ("Austin", "TX", "78701", "US"),
    ("Portland", "OR", "97205", "US"),
    ("Brooklyn", "NY", "11201", "US"),
    ("Toronto", "ON", "M5V 2T6", "CA"),
    ("London", "", "SW1A 1AA", "GB"),
    ("Berlin", "", "10115", "DE"),
    ("Kraków", "", "30-001", "PL"),
    ("Tokyo", "", "100-0001", "JP"),
]
STREETS = ["Main St", "Oak Ave", "Maple Rd", "King's Road", "Rue de l'Église", "Hauptstraße"]
PRODUCTS = [
    ("AP1000P", "Fine Art Print 8x10"),
    ("AP1100P", "Fine Art Print 11x14"),
    ("CV2000", "Canvas Gallery Wrap 16x20"),
    ("FR3000", "Framed Print 12x12 Black Frame"),
    ("MT4000", "Metal Print 20x30"),
    ("PC5000", "Photo Paper Print 5x7"),
]
SHIPPING_CODES = ["EC", "SD", "FS"]
SOURCES = ["web", "excel", "shopify", "woocommerce", "etsy"]
GIFT_MESSAGES = ["", "", "", "Happy birthday!", "Congrats on the new place", "For Mum ♥"]
BASE_TIME = datetime(2025, 1, 1, tzinfo=UTC)


def _order_po(rng: random.Random, source: str, index: int) -> str:
    number = 1000 + index
    if source == "shopify":
        return f"SHOPIFY_{number}"
    if source == "woocommerce":
        return f"WC_{number}"
    if source == "excel":
        return f"EXCEL-{index:05d}"
    if source == "etsy":
        return f"ETSY-{number}"
    return f"ORDER_PO_{rng.randrange(100000, 999999)}"


def _items(rng: random.Random, order_po: str, fid: int) -> list[dict]:
    items = []
    for j in range(rng.randint(1, 3)):
        sku, title = rng.choice(PRODUCTS)
        items.append(
            {
                "product_order_po": f"{order_po}-{j + 1}",
                "product_sku": sku,
                "product_title": title,
                "product_qty": rng.randint(1, 4),
                "product_image": {
                    "pixel_width": 2400,
                    "pixel_height": 3000,
                    "product_url_file": f"https://img.example.test/{fid}/{j}.jpg",
                    "product_url_thumbnail": f"https://img.example.test/{fid}/{j}_t.jpg",
                },
            }
        )
    return items


def make_records(n: int, *, seed: int = 0, start_id: int = 1) -> list[dict]:
    """Return ``n`` realistic pending-order records with fulfillment_id start_id.."""
    rng = random.Random(seed)
    rand = rng.random
    choice = rng.choice
    randint = rng.randint
    records: list[dict] = []
    previous_pos: list[str] = []
    for i in range(n):
        fid = start_id + i
        source = choice(SOURCES)
        if previous_pos and rand() < 0.03:
            order_po = choice(previous_pos)  # duplicate order_po (happens upstream too)
        else:
            order_po = _order_po(rng, source, i)
            if len(previous_pos) < 500:
                previous_pos.append(order_po)
        if i % 10 == 3:  # every 10th record, so small seeds still contain odd names
            first, last = ODD_NAMES[(i // 10) % len(ODD_NAMES)]
        elif rand() < 0.05:
            first, last = choice(ODD_NAMES)
        else:
            first, last = choice(FIRST_NAMES), choice(LAST_NAMES)
        company = choice(COMPANIES)
        gift = choice(GIFT_MESSAGES)
        if i % 50 == 7:
            company = f"{company or 'Evil Corp'} {SCRIPT}"
        elif i % 50 == 27:
            gift = f"Hi {SCRIPT}"
        city, state, zip_code, country = choice(CITIES)
        items = _items(rng, order_po, fid)
        record = {
            "fulfillment_id": fid,
            "order_po": order_po,
            "order_key": None,
            "recipient": {
                "first_name": first,
                "last_name": last,
                "company_name": company,
                "address_1": f"{randint(1, 9999)} {choice(STREETS)}",
                "city": city,
                "state_code": state,
                "zip_postal_code": zip_code,
                "country_code": country,
                "phone": f"+1-555-{randint(0, 9999):04d}",
                "email": f"customer{fid}@example.test",
            },
            "order_items": items,
            "shipping_code": choice(SHIPPING_CODES),
            "gift_message": gift,
            "test_mode": rand() < 0.2,
            "source": source,
        }
        if i % 3 == 0:
            stamp = BASE_TIME + timedelta(minutes=randint(0, 500_000))
            record["createdAt"] = stamp.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        records.append(record)
    return records
