"""Every door into fwadmin keeps to the user's scope and fails safe: the login lockout.

Behind a proxy, failed logins lock out only that client: its address is read from
X-Forwarded-For, right to left, and only when the request came from a trusted proxy; a forged,
missing or unusable forwarded address falls back to the connecting address, and axes asks
fwadmin for that address.
"""

from http import HTTPStatus

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from fwadmin.client_ip import client_ip

pytestmark = pytest.mark.django_db

LOGIN = reverse("login")


PROXY = "10.0.0.1"


def log_in(client, password, *, remote, forwarded=None, username="boss"):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_failed_logins_via_a_trusted_proxy_lock_out_only_that_client(admin_user, settings):
    settings.FWADMIN_TRUSTED_PROXIES = [PROXY]
    attacker = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(attacker, "wrong", remote=PROXY, forwarded="203.0.113.5")

    locked = log_in(attacker, "pw", remote=PROXY, forwarded="203.0.113.5")
    colleague = Client()
    allowed = log_in(colleague, "pw", remote=PROXY, forwarded="198.51.100.7")

    assert locked.status_code == HTTPStatus.TOO_MANY_REQUESTS and not logged_in(attacker)
    assert allowed.status_code == HTTPStatus.FOUND and logged_in(colleague)


def test_a_client_behind_two_trusted_proxies_is_keyed_on_its_own_address(admin_user, settings):
    settings.FWADMIN_TRUSTED_PROXIES = [PROXY, "10.0.0.2"]
    attacker = Client()
    for i in range(settings.AXES_FAILURE_LIMIT):
        # Whatever the client writes on the left is ignored; the proxies' entries are right.
        log_in(attacker, "wrong", remote=PROXY, forwarded=f"1.2.3.{i}, 203.0.113.5, 10.0.0.2")

    locked = log_in(attacker, "pw", remote=PROXY, forwarded="9.9.9.9, 203.0.113.5, 10.0.0.2")
    allowed = log_in(Client(), "pw", remote=PROXY, forwarded="198.51.100.7, 10.0.0.2")

    assert locked.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert allowed.status_code == HTTPStatus.FOUND


def test_a_forged_forwarded_for_from_an_untrusted_address_is_ignored(admin_user, settings):
    from axes.models import AccessAttempt

    settings.FWADMIN_TRUSTED_PROXIES = [PROXY]
    attacker = Client()
    for i in range(settings.AXES_FAILURE_LIMIT):
        log_in(attacker, "wrong", remote="192.0.2.50", forwarded=f"203.0.113.{i}")

    locked = log_in(attacker, "pw", remote="192.0.2.50", forwarded="198.51.100.7")
    elsewhere = Client()
    allowed = log_in(elsewhere, "pw", remote="192.0.2.60", forwarded="203.0.113.0")

    assert locked.status_code == HTTPStatus.TOO_MANY_REQUESTS and not logged_in(attacker)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"192.0.2.50"}
    assert allowed.status_code == HTTPStatus.FOUND and logged_in(elsewhere)


def test_without_trusted_proxies_the_proxy_address_is_the_key(admin_user, settings):
    settings.FWADMIN_TRUSTED_PROXIES = []
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(Client(), "wrong", remote=PROXY, forwarded="203.0.113.5")
    locked = log_in(Client(), "pw", remote=PROXY, forwarded="198.51.100.7")
    assert locked.status_code == HTTPStatus.TOO_MANY_REQUESTS


@pytest.mark.parametrize(
    "remote, forwarded, trusted, expected",
    [
        ("192.0.2.1", None, [], "192.0.2.1"),
        ("192.0.2.1", "203.0.113.5", [], "192.0.2.1"),
        ("192.0.2.1", "203.0.113.5", [PROXY], "192.0.2.1"),
        (PROXY, "203.0.113.5", [PROXY], "203.0.113.5"),
        (PROXY, " 203.0.113.5 ", [PROXY], "203.0.113.5"),
        (PROXY, "6.6.6.6, 203.0.113.5", [PROXY], "203.0.113.5"),
        (PROXY, "6.6.6.6, 203.0.113.5, 10.0.0.2", [PROXY, "10.0.0.2"], "203.0.113.5"),
        (PROXY, "203.0.113.5,,", [PROXY], "203.0.113.5"),
        (PROXY, "10.0.0.2", [PROXY, "10.0.0.2"], PROXY),
        (PROXY, "", [PROXY], PROXY),
        (PROXY, None, [PROXY], PROXY),
        (PROXY, " , ", [PROXY], PROXY),
        ("", None, [], ""),
    ],
)
def test_client_ip_believes_forwarded_for_only_from_trusted_proxies_read_from_the_right(
    settings, remote, forwarded, trusted, expected
):
    settings.FWADMIN_TRUSTED_PROXIES = trusted
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    request = RequestFactory().get("/", **meta)
    assert client_ip(request) == expected


def test_client_ip_without_a_remote_address_is_empty(settings):
    settings.FWADMIN_TRUSTED_PROXIES = [PROXY]
    request = RequestFactory().get("/")
    del request.META["REMOTE_ADDR"]
    assert client_ip(request) == ""


def test_axes_asks_fwadmin_for_the_client_address(settings):
    assert settings.AXES_CLIENT_IP_CALLABLE == "fwadmin.client_ip.client_ip"
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]


@pytest.mark.parametrize("forwarded", ["unknown", "203.0.113.5:4711", "not-an-ip"])
def test_an_unusable_forwarded_address_falls_back_to_the_proxy_address(settings, forwarded):
    settings.FWADMIN_TRUSTED_PROXIES = [PROXY]
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == PROXY
