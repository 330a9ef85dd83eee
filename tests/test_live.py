"""Smoke test against the real FinerWorks API. Skipped unless credentials are given:

    FINERWORKS_LIVE_WEB_API_KEY=... FINERWORKS_LIVE_APP_KEY=... make live-test

FINERWORKS_LIVE_BASE_URL defaults to the test host. The save-then-delete round trip also
needs FINERWORKS_LIVE_ALLOW_WRITE=1: it creates one test-mode pending order and deletes it.
"""

import os
import uuid

import pytest
import requests

from orders.finerworks.client import FinerWorksClient

WEB_KEY = os.environ.get("FINERWORKS_LIVE_WEB_API_KEY", "")
APP_KEY = os.environ.get("FINERWORKS_LIVE_APP_KEY", "")
BASE_URL = os.environ.get("FINERWORKS_LIVE_BASE_URL", "https://test-api.finerworks.com")

pytestmark = [
    pytest.mark.finerworks_live,
    pytest.mark.skipif(not (WEB_KEY and APP_KEY), reason="no live FinerWorks credentials"),
]


@pytest.fixture
def live():
    return FinerWorksClient(base_url=BASE_URL, web_api_key=WEB_KEY, app_key=APP_KEY, timeout=30)


def test_credentials_are_accepted(live):
    assert live.test_my_credentials().success


def test_pending_orders_can_be_listed(live):
    response = live.list_pending_orders()
    assert response.success
    assert all("fulfillment_id" in order for order in response.orders)


@pytest.mark.skipif(
    os.environ.get("FINERWORKS_LIVE_ALLOW_WRITE") != "1", reason="writes not allowed"
)
def test_saved_order_can_be_deleted_and_is_gone_afterwards(live):
    po = f"FWADMIN-SMOKE-{uuid.uuid4().hex[:8]}"
    order = {
        "order_po": po,
        "test_mode": True,
        "shipping_code": "SD",
        "recipient": {"first_name": "Smoke", "last_name": "Test", "country_code": "US"},
        "order_items": [],
    }
    saved = requests.post(
        f"{BASE_URL}/v3/save_pending_orders",
        json={"orders": [order], "source": "fwadmin-smoke"},
        headers={"web_api_key": WEB_KEY, "app_key": APP_KEY},
        timeout=30,
    )
    saved.raise_for_status()
    listed = [o for o in live.list_pending_orders().orders if o.get("order_po") == po]
    assert listed, "the saved order is not listed"
    fid = int(listed[0]["fulfillment_id"])
    assert live.delete_pending_orders([fid]).success
    assert live.list_pending_orders(ids=[fid]).orders == []
