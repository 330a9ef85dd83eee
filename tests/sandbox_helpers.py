"""Helpers shared by the FinerWorks sandbox tests (tests/test_sandbox_*.py): the sandbox's
default keys, a POST to one of its API endpoints or its /_sandbox control surface, and the ids
a list answer holds."""

from __future__ import annotations

import requests

from orders.finerworks.sandbox import Sandbox

KEYS = {"web_api_key": "sandbox-web-key", "app_key": "sandbox-app-key"}


def post(sb: Sandbox, endpoint: str, body, headers=KEYS, timeout=5, **kw) -> requests.Response:
    return requests.post(
        f"{sb.base_url}/v3/{endpoint}", json=body, headers=headers, timeout=timeout, **kw
    )


def fids(resp: requests.Response) -> set[int]:
    return {o["fulfillment_id"] for o in resp.json()["orders"]}


def control(sb: Sandbox, name: str, body: dict | None = None) -> requests.Response:
    return requests.post(f"{sb.base_url}/_sandbox/{name}", json=body, timeout=5)
