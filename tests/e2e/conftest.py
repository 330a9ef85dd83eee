"""Browser fixtures: Debian's Chromium driven by Playwright against pytest-django's live server.

The browser is a separate process, so the loopback guard does not see it; it is launched
with background networking off and only ever pointed at the live server on localhost.
Pages arrive with the site's own strict Content-Security-Policy (no inline scripts, styles
or handlers): any console error or uncaught exception, CSP violations included, and any
failed script, stylesheet or fetch fails the test.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from orders.models import PendingOrder
from orders.services import pending_orders_sync

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LAPTOP = {"width": 1280, "height": 800}
TABLET = {"width": 768, "height": 1024}


@pytest.fixture(scope="package")
def chromium() -> Iterator:
    """One headless Chromium for the whole e2e package, closed before other tests run."""
    if not CHROMIUM.exists():
        pytest.skip(f"e2e tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    # Playwright's sync API marks its event loop as running in this thread between calls,
    # which makes Django refuse ORM calls from the test code (SynchronousOnlyOperation).
    # Only the e2e package runs under it; the previous value is restored afterwards.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _console(message, problems: list[str]) -> None:
    # A page answered 400 (an invalid form, on purpose) is logged as "Failed to load
    # resource"; failed subresources are caught by _response instead.
    if message.type == "error" and not message.text.startswith("Failed to load resource"):
        problems.append(f"console error: {message.text}")


def _response(response, problems: list[str]) -> None:
    if response.request.resource_type != "document":
        if response.status >= 400:
            problems.append(f"{response.status} for {response.url}")
        return
    policy = response.headers.get("content-security-policy", "")
    if "script-src 'self'" not in policy or "unsafe-inline" in policy:
        problems.append(f"{response.url} came without the strict CSP: {policy!r}")


@pytest.fixture
def open_page(chromium, live_server) -> Iterator[Callable]:
    """open_page(user=None, viewport=LAPTOP, javascript=True) -> a new Playwright page.

    With a user, the page starts logged in (a real session cookie, no login form).
    """
    contexts = []
    problems: list[str] = []

    def _open(user=None, *, viewport: dict | None = None, javascript: bool = True):
        context = chromium.new_context(
            base_url=live_server.url,
            viewport=viewport or LAPTOP,
            java_script_enabled=javascript,
            locale="en-US",
            timezone_id="UTC",
        )
        contexts.append(context)
        context.set_default_timeout(10_000)
        if user is not None:
            client = Client()
            client.force_login(user)
            cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
            context.add_cookies(
                [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
            )
        page = context.new_page()
        page.on("console", lambda msg: _console(msg, problems))
        page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
        page.on("response", lambda response: _response(response, problems))
        return page

    yield _open
    for context in contexts:
        context.close()
    assert not problems, "the browser reported errors:\n" + "\n".join(problems)


@pytest.fixture
def mirrored(fw, owner_account) -> list[PendingOrder]:
    """30 realistic pending orders at the sandbox, mirrored; the sync traffic forgotten."""
    fw.seed(30, seed=7)
    pending_orders_sync()
    fw.reset_requests()
    return list(PendingOrder.objects.order_by("fulfillment_id"))
