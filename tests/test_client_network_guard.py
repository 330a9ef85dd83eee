"""The tests' loopback-only network guard (tests/sandbox_plugin.py), as the FinerWorksClient
tests rely on it: public hosts are blocked, whether reached by socket, requests or a client,
while loopback and Unix sockets still connect."""

import socket

import pytest
import requests

from orders.finerworks.client import FinerWorksClient
from tests.sandbox_plugin import ExternalNetworkBlocked


def test_loopback_guard_blocks_public_connections():
    with pytest.raises(ExternalNetworkBlocked):
        socket.create_connection(("93.184.216.34", 80), timeout=0.1)
    with pytest.raises(ExternalNetworkBlocked):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.connect(("93.184.216.34", 80))
    with pytest.raises(ExternalNetworkBlocked):
        requests.get("http://example.com/", timeout=0.1)


def test_loopback_guard_blocks_client_pointed_at_public_host():
    client = FinerWorksClient(base_url="http://93.184.216.34", web_api_key="w", app_key="a")
    with pytest.raises(ExternalNetworkBlocked):
        client.list_pending_orders()


def test_loopback_guard_allows_loopback_and_unix_sockets(sandbox):
    host, port = sandbox.base_url.removeprefix("http://").split(":")
    for name in (host, "localhost"):
        with socket.create_connection((name, int(port)), timeout=1) as sock:
            assert sock.getpeername()[1] == int(port)  # connected, not blocked
    a, b = socket.socketpair(socket.AF_UNIX)
    with a, b:
        a.sendall(b"ping")
        assert b.recv(4) == b"ping"
