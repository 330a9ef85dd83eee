"""The running FinerWorks sandbox: :class:`Sandbox` = its state plus a threaded HTTP server."""

from __future__ import annotations

import socket
import threading
from http.server import ThreadingHTTPServer

from orders.finerworks.sandbox_http import _Handler, _Server
from orders.finerworks.sandbox_state import SandboxState
from orders.finerworks.sandbox_wire import DEFAULT_APP_KEY, DEFAULT_WEB_API_KEY


class Sandbox(SandboxState):
    def __init__(
        self,
        web_api_key: str = DEFAULT_WEB_API_KEY,
        app_key: str = DEFAULT_APP_KEY,
        account_keys_allowed: bool = True,
        port: int = 0,
        *,
        host: str = "127.0.0.1",
        timeout_sleep: float = 2.0,
    ) -> None:
        super().__init__(web_api_key, app_key, account_keys_allowed, timeout_sleep=timeout_sleep)
        self.host = host
        self.port = port
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def _make_server(self) -> ThreadingHTTPServer:
        handler = type("BoundHandler", (_Handler,), {"sandbox": self})
        server = _Server((self.host, self.port), handler)
        self.port = server.server_address[1]
        self._server = server
        return server

    def start(self) -> Sandbox:
        if self._server is not None:
            return self
        self._stopping.clear()
        server = self._make_server()
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Blocking variant (foreground): Ctrl-C stops it."""
        server = self._server or self._make_server()
        try:
            server.serve_forever(poll_interval=0.2)
        finally:
            self._stopping.set()
            server.server_close()
            self._server = None

    def stop(self) -> None:
        self._stopping.set()
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        with self._lock:
            connections, self._connections = list(self._connections), set()
        for conn in connections:  # close idle keep-alive connections still held by handlers
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def state(self) -> dict:
        return {"base_url": self.base_url, **super().state()}
