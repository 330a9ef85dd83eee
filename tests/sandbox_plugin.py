"""Pytest plugin: FinerWorks sandbox fixtures and a loopback-only network guard.

Load with ``pytest_plugins = ["tests.sandbox_plugin"]``.

Fixtures:
- ``sandbox``: a running :class:`Sandbox` on a free 127.0.0.1 port (function scope).
- ``fw_client``: a :class:`FinerWorksClient` pointed at ``sandbox`` (timeout 1s, no sleeping).
- ``closed_port_url``: a base URL on 127.0.0.1 where nothing listens (connection refused).
- ``_loopback_only`` (autouse): any connection to a non-loopback host fails the test.
"""

from __future__ import annotations

import ipaddress
import socket

import pytest

from orders.finerworks.client import FinerWorksClient
from orders.finerworks.sandbox import Sandbox

_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", ""}


class ExternalNetworkBlocked(AssertionError):
    """Raised when a test tries to reach a non-loopback host."""


def _host_str(host: object) -> str:
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    return str(host).strip("[]").lower()


def _is_loopback(host: object) -> bool:
    name = _host_str(host)
    if name in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name.split("%")[0]).is_loopback
    except ValueError:
        return False


def _is_ip_literal(host: object) -> bool:
    try:
        ipaddress.ip_address(_host_str(host).split("%")[0])
    except ValueError:
        return False
    return True


def _blocked(what: str, address: object) -> ExternalNetworkBlocked:
    return ExternalNetworkBlocked(
        f"test tried to reach a non-loopback address via {what}: {address!r}; "
        "tests must only talk to the local FinerWorks sandbox"
    )


@pytest.fixture(autouse=True)
def _loopback_only(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if request.node.get_closest_marker("finerworks_live"):
        return  # the opt-in live smoke test is the one place allowed to leave loopback
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_create_connection = socket.create_connection
    real_getaddrinfo = socket.getaddrinfo

    def check_socket(sock: socket.socket, address: object, what: str) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and isinstance(address, tuple):
            if not _is_loopback(address[0]):
                raise _blocked(what, address)

    def guarded_connect(self: socket.socket, address: object) -> None:
        check_socket(self, address, "socket.connect")
        return real_connect(self, address)

    def guarded_connect_ex(self: socket.socket, address: object) -> int:
        check_socket(self, address, "socket.connect_ex")
        return real_connect_ex(self, address)

    def guarded_create_connection(address: tuple, *args: object, **kwargs: object):
        if not _is_loopback(address[0]):
            raise _blocked("socket.create_connection", address)
        return real_create_connection(address, *args, **kwargs)

    def guarded_getaddrinfo(host: object, *args: object, **kwargs: object):
        # Resolving a public name would already leak a DNS query: refuse it too.
        if host is not None and not _is_loopback(host) and not _is_ip_literal(host):
            raise _blocked("socket.getaddrinfo", host)
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_connect_ex)
    monkeypatch.setattr(socket, "create_connection", guarded_create_connection)
    monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)


@pytest.fixture
def sandbox():
    with Sandbox() as sb:
        yield sb


@pytest.fixture
def fw_client(sandbox: Sandbox) -> FinerWorksClient:
    return FinerWorksClient(
        base_url=sandbox.base_url,
        web_api_key=sandbox.web_api_key,
        app_key=sandbox.app_key,
        timeout=1.0,
        sleep=lambda seconds: None,
    )


@pytest.fixture
def closed_port_url():
    """A loopback base URL where nothing listens (connections are refused). The port stays
    bound, never listening, for the whole test: no other test process can take it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
