"""The FinerWorks sandbox's HTTP side: the fake ``/v3/`` API and its faults.

``/_sandbox/<name>`` requests are answered by ``sandbox_control.CONTROLS``.
The bound handler class gets its :class:`~orders.finerworks.sandbox_server.Sandbox` as the
``sandbox`` class attribute (see ``Sandbox._make_server``).
"""

from __future__ import annotations

import json
import socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from orders.finerworks import sandbox_wire as wire
from orders.finerworks.sandbox_control import CONTROLS
from orders.finerworks.sandbox_save import save_answer
from orders.finerworks.sandbox_wire import ENDPOINTS

if TYPE_CHECKING:
    from orders.finerworks.sandbox_server import Sandbox


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # the default backlog of 5 resets bursts of parallel clients

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that time out / hang up are expected here; stay quiet


# ---------------------------------------------------------------------- handler


class _Handler(BaseHTTPRequestHandler):
    sandbox: Sandbox
    protocol_version = "HTTP/1.1"
    server_version = "FinerWorksSandbox/1.0"

    timeout = 60  # idle keep-alive connections are dropped after this many seconds

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def setup(self) -> None:
        super().setup()
        try:  # answer headers+body without Nagle/delayed-ACK stalls
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        with self.sandbox._lock:
            self.sandbox._connections.add(self.connection)

    def finish(self) -> None:
        with self.sandbox._lock:
            self.sandbox._connections.discard(self.connection)
        try:
            super().finish()
        except OSError:
            pass

    # ------------------------------------------------------------------ plumbing

    def _send(self, code: int, body: bytes | dict | str, headers: dict | None = None) -> None:
        if isinstance(body, dict):
            body = json.dumps(body).encode("utf-8")
            ctype = "application/json; charset=utf-8"
        elif isinstance(body, str):
            body = body.encode("utf-8")
            ctype = "text/html; charset=utf-8"
        else:
            ctype = "application/json; charset=utf-8"
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        try:
            self.wfile.write(body)
        except OSError:
            self.close_connection = True

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _wait(self, seconds: float) -> None:
        if seconds > 0:
            self.sandbox._stopping.wait(seconds)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        parts = urlsplit(self.path)
        raw = self._read_body()
        if parts.path.startswith("/_sandbox/"):
            self._control(method, parts.path[len("/_sandbox/") :], raw)
            return
        if not parts.path.startswith("/v3/"):
            self._send(404, {"Message": f"No HTTP resource was found for {parts.path}."})
            return
        self._api(method, parts.path[len("/v3/") :], parts.query, raw)

    def _control(self, method: str, name: str, raw: bytes) -> None:
        try:
            data = json.loads(raw) if raw else {}
            action = CONTROLS.get((method, name))
            if action is None:
                self._send(404, {"ok": False, "error": f"unknown control {method} {name}"})
            else:
                self._send(200, action(self.sandbox, data))
        except (ValueError, TypeError, AttributeError) as exc:
            self._send(400, {"ok": False, "error": str(exc)})

    # ------------------------------------------------------------------ fake API

    def _drop(self) -> None:
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _api(self, method: str, endpoint: str, query: str, raw: bytes) -> None:
        sb = self.sandbox
        qs = parse_qs(query)
        web_key = self.headers.get("web_api_key") or (qs.get("web_api_key") or [""])[0]
        app_key = self.headers.get("app_key") or (qs.get("app_key") or [""])[0]
        valid_keys = web_key == sb.web_api_key and app_key == sb.app_key
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = ...
        entry = self._log_entry(endpoint, method, qs, raw, body, valid_keys)
        fault = entry["fault"]
        self._wait(sb.latency_ms / 1000)
        if self._answered_by_fault(fault) or self._refused(endpoint, method, valid_keys):
            return
        if endpoint == "test_my_credentials":
            account = sb._effective_account((qs.get("account_key") or [None])[0])
            user = {"account_id": 4242, "username": "sandbox", "account_key": account}
            self._send(200, {"status": wire._status(), "user_account": user})
            return
        if body is ... or (body is not None and not isinstance(body, dict)):
            self._send(400, wire._model_state("request", "Invalid JSON body."))
            return
        body = body or {}
        account = sb._effective_account(body.get("account_key"))
        entry["effective_account"] = account
        if endpoint == "list_pending_orders":
            self._list(account, body.get("ids"), fault)
        elif endpoint == "save_pending_orders":
            self._send(*save_answer(sb, account, body, fault))
        else:
            self._delete(account, body.get("ids"), fault)

    def _log_entry(self, endpoint, method, qs, raw: bytes, body, valid_keys: bool) -> dict:
        """The request as the sandbox's log keeps it (names only of headers and query)."""
        entry = {
            "endpoint": endpoint,
            "method": method,
            "path": self.path.split("?")[0],
            "body": None if body is ... else body,
            "raw_body": raw.decode("utf-8", "replace"),
            "header_names": list(self.headers.keys()),
            "query_names": sorted(qs),
            "had_valid_keys": valid_keys,
            "fault": None,
        }
        self.sandbox._log_request(entry)
        entry["fault"] = self.sandbox._pop_fault(endpoint) if endpoint in ENDPOINTS else None
        if self.sandbox.on_request is not None:
            self.sandbox.on_request(entry)
        return entry

    def _answered_by_fault(self, fault: str | None) -> bool:
        """Faults that answer before anything is looked at (or never answer)."""
        if fault == "drop":
            self._drop()
            return True
        if fault == "read_timeout":
            self._wait(self.sandbox.timeout_sleep)
            self._send(504, {"Message": "read_timeout fault: answered too late, nothing done"})
            return True
        canned = wire.canned_answer(fault)
        if canned is not None:
            self._send(*canned)
            return True
        return False

    def _refused(self, endpoint: str, method: str, valid_keys: bool) -> bool:
        """FinerWorks' own refusals: unknown endpoint, wrong method, bad keys."""
        if endpoint not in ENDPOINTS:
            self._send(404, {"Message": f"No HTTP resource was found for /v3/{endpoint}."})
            return True
        expected = "GET" if endpoint == "test_my_credentials" else "POST"
        if method != expected:
            self._send(405, {"Message": f"The requested resource does not support {method}."})
            return True
        if not valid_keys:
            self._send(400, wire.CREDENTIALS_BODY)
            return True
        return False

    def _list(self, account, ids, fault: str | None) -> None:
        sb = self.sandbox
        if ids is not None and ids != [] and not wire._valid_ids(ids):
            self._send(400, wire._model_state("request.ids", "ids must be integers."))
            return
        ids = None if sb.list_ignores_ids else ids or None
        if fault in wire.LIST_BODY_FAULTS:
            payload = sb._fault_list_body(fault, account, ids)
        else:
            payload = sb._list_body(account, ids)
        code, _, headers = wire.DELETED_BUT_ANSWERS.get(fault or "") or (200, None, {})
        self._send(code, payload, headers)

    def _delete(self, account, ids, fault: str | None) -> None:
        if not wire._valid_ids(ids):
            self._send(400, wire.IDS_REQUIRED_BODY)
            return
        if fault != "sticky":
            self.sandbox._soft_delete(ids, account)
        deleted_but = wire.DELETED_BUT_ANSWERS.get(fault or "")
        if deleted_but is not None:
            self._send(*deleted_but)
            return
        self._send(200, {"status": wire._status()})
