"""Helpers shared by the FinerWorksClient tests (tests/test_client_*.py): the sandbox's
distinctive keys, a client pointed at a sandbox, an on_attempt recorder and a fake requests
session whose answers a test chooses."""

from __future__ import annotations

import json

from orders.finerworks.client import FinerWorksClient, FinerWorksResponse
from orders.finerworks.errors import FinerWorksError
from orders.finerworks.sandbox import Sandbox

WEB_KEY = "WEBKEY-7f3e9a-distinctive"
APP_KEY = "APPKEY-c41d22-distinctive"


def make_client(sandbox: Sandbox, **kwargs) -> FinerWorksClient:
    kwargs.setdefault("timeout", 1.0)
    kwargs.setdefault("sleep", lambda seconds: None)
    return FinerWorksClient(
        base_url=sandbox.base_url,
        web_api_key=kwargs.pop("web_api_key", sandbox.web_api_key),
        app_key=kwargs.pop("app_key", sandbox.app_key),
        **kwargs,
    )


class Recorder:
    def __init__(self) -> None:
        self.seen: list[FinerWorksResponse | FinerWorksError] = []

    def __call__(self, result) -> None:
        self.seen.append(result)


class FakeResponse:
    status_code = 200
    headers: dict = {}
    encoding = "utf-8"
    content = json.dumps(
        {"status": {"success": True, "status_code": 200, "reference_id": "r1"}, "orders": []}
    ).encode()

    def iter_content(self, chunk_size=1):
        yield self.content

    def close(self):
        pass


class FakeSession:
    def __init__(self) -> None:
        self.calls: list[tuple[tuple, dict]] = []

    def request(self, *args, **kwargs):
        self.calls.append((args, kwargs))
        return FakeResponse()
