"""Deployment security, CSP, login throttling, CSRF and friendly error pages."""

import os
import re
import secrets
import subprocess
import sys
from http import HTTPStatus
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from orders.models import BulkDeletion, PendingOrder
from orders.services import pending_orders_sync

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.django_db(transaction=True)


def test_deploy_check_passes_with_production_settings():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "FINERWORKS_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="fwadmin.settings",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(60),
        DJANGO_ALLOWED_HOSTS="fwadmin.example.com",
        DJANGO_SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO",
        DATABASE_URL="sqlite:///:memory:",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=\"", re.I)
INLINE_HANDLER = re.compile(r"\son[a-z]+=\"", re.I)


@pytest.fixture
def some_pages(client, fw, deleter, owner_account):
    fw.seed(3, seed=1)
    pending_orders_sync()
    client.force_login(deleter)
    order = PendingOrder.objects.first()
    response = client.post(reverse("orders:deletion_create"), {"orders": [order.pk]})
    return [
        reverse("orders:list"),
        reverse("orders:detail", args=[order.pk]),
        response.url,
        reverse("orders:call_list"),
        reverse("orders:deletion_list"),
    ]


def test_pages_carry_a_strict_csp_and_no_inline_code(client, some_pages):
    for url in some_pages:
        response = client.get(url)
        assert response.status_code == HTTPStatus.OK, url
        policy = response.headers["Content-Security-Policy"]
        assert "unsafe-inline" not in policy and "script-src 'self'" in policy
        html = response.content.decode()
        assert not INLINE_SCRIPT.search(html), url
        assert not INLINE_STYLE.search(html), url
        assert not INLINE_HANDLER.search(html), url


def test_login_page_has_no_inline_code(client, db):
    html = client.get(reverse("login")).content.decode()
    assert not INLINE_SCRIPT.search(html) and not INLINE_STYLE.search(html)


def test_repeated_failed_logins_lock_the_account(client, deleter):
    url = reverse("login")
    for _ in range(5):
        client.post(url, {"username": "deleter", "password": "wrong"})
    locked = client.post(url, {"username": "deleter", "password": "pw"})
    assert locked.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "Too many failed log-ins" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_correct_login_works(client, deleter):
    response = client.post(reverse("login"), {"username": "deleter", "password": "pw"})
    assert response.status_code == HTTPStatus.FOUND
    assert client.session["_auth_user_id"] == str(deleter.pk)


def test_posts_without_a_csrf_token_are_refused_and_change_nothing(fw, deleter, owner_account):
    fw.seed(2, seed=1)
    pending_orders_sync()
    client = Client(enforce_csrf_checks=True)
    client.force_login(deleter)
    order = PendingOrder.objects.first()
    response = client.post(reverse("orders:deletion_create"), {"orders": [order.pk]})
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert BulkDeletion.objects.count() == 0
    assert client.post(reverse("orders:refresh")).status_code == HTTPStatus.FORBIDDEN


@pytest.mark.parametrize("name", ["orders:refresh", "orders:deletion_create"])
def test_get_on_post_only_urls_changes_nothing(client, deleter, name):
    client.force_login(deleter)
    assert client.get(reverse(name)).status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert BulkDeletion.objects.count() == 0


def test_friendly_403_and_404_pages(client, viewer):
    client.force_login(viewer)
    forbidden = client.post(reverse("orders:deletion_create"), {"orders": ["1"]})
    assert forbidden.status_code == HTTPStatus.FORBIDDEN
    assert "You may not do that" in forbidden.content.decode()
    missing = client.get(reverse("orders:detail", args=[999999]))
    assert missing.status_code == HTTPStatus.NOT_FOUND
    assert "Back to pending orders" in missing.content.decode()


def test_responses_forbid_framing_and_sniffing(client, viewer):
    client.force_login(viewer)
    response = client.get(reverse("orders:list"))
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
