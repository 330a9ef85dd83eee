"""A local HTTP server that stands in for the FinerWorks v3 pending-order API.

Used by the test suite (``tests/sandbox_plugin.py``) and by the ``finerworks_sandbox``
management command (``serve()``). Pure Python/stdlib; no Django imports.

Fault modes (``add_fault(endpoint, mode, times=1)``; endpoint ``"*"`` matches every endpoint):
``500``, ``502_html``, ``read_timeout``, ``drop``, ``success_false``, ``malformed_json``,
``429``, ``503_retry``, ``400_modelstate``, ``deleted_but_500``, ``sticky``.

HTTP control surface (no auth): ``POST /_sandbox/fault`` ``{"endpoint", "mode", "times"}``,
``POST /_sandbox/reset_faults``, ``POST /_sandbox/latency`` ``{"ms"}``, ``GET /_sandbox/state``.
"""

from __future__ import annotations

import argparse
import json
import socket
import threading
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from orders.finerworks.demo_data import make_records

FAULT_MODES = (
    "500",
    "502_html",
    "read_timeout",
    "drop",
    "success_false",
    "malformed_json",
    "429",
    "503_retry",
    "400_modelstate",
    "deleted_but_500",
    "sticky",
)
ENDPOINTS = ("list_pending_orders", "delete_pending_orders", "test_my_credentials")
DEMO_NAMESPACE = uuid.UUID("6f9c3a52-52d4-4c1e-9a52-0f1a3b7c9d11")
DEFAULT_WEB_API_KEY = "sandbox-web-key"
DEFAULT_APP_KEY = "sandbox-app-key"
CREDENTIALS_BODY = {
    "Message": "The request is invalid.",
    "ModelState": {
        "ApiC.Models.authorization_credentials": ["Missing or unauthorized api credentials"]
    },
}
BAD_GATEWAY_HTML = (
    "<html><head><title>502 Bad Gateway</title></head>"
    "<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"
)
IDS_REQUIRED_BODY = {
    "Message": "The request is invalid.",
    "ModelState": {"request.ids": ["The ids field is required."]},
}


def demo_account_keys(k: int) -> list[str]:
    """Deterministic account keys for the K delegated demo accounts."""
    return [str(uuid.uuid5(DEMO_NAMESPACE, f"fwadmin-demo-{i}")) for i in range(1, k + 1)]


def _valid_ids(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    )


class Sandbox:
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
        self.web_api_key = web_api_key
        self.app_key = app_key
        self.account_keys_allowed = account_keys_allowed
        self.host = host
        self.port = port
        self.timeout_sleep = timeout_sleep
        self.latency_ms = 0
        self.requests: list[dict] = []
        self._lock = threading.RLock()
        self._orders: dict[str | None, dict[int, dict]] = {None: {}}
        self._encoded: dict[int, bytes] = {}
        self._deleted: dict[int, tuple[str | None, dict]] = {}
        self._next_id = 100001
        self._faults: list[list] = []
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle

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

    # ------------------------------------------------------------------ state helpers

    def add_account(self, account_key: str) -> str:
        with self._lock:
            self._orders.setdefault(account_key, {})
        return account_key

    def _store(self, record: dict, account_key: str | None) -> None:
        fid = record["fulfillment_id"]
        self._orders.setdefault(account_key, {})[fid] = record
        self._encoded[fid] = json.dumps(record).encode("ascii")
        self._next_id = max(self._next_id, fid + 1)

    def add_order(self, record: dict, account_key: str | None = None) -> dict:
        record = dict(record)
        with self._lock:
            fid = record.get("fulfillment_id")
            if fid is None:
                fid = record["fulfillment_id"] = self._next_id
            if not isinstance(fid, int) or isinstance(fid, bool) or fid <= 0:
                raise ValueError(f"fulfillment_id must be a positive int, got {fid!r}")
            if fid in self._encoded or fid in self._deleted:
                raise ValueError(f"fulfillment_id {fid} already exists in the sandbox")
            self._store(record, account_key)
        return record

    def seed(self, n: int, *, account_key: str | None = None, seed: int = 0) -> list[dict]:
        with self._lock:
            records = make_records(n, seed=seed, start_id=self._next_id)
            for record in records:
                self._store(record, account_key)
        return records

    def listed_ids(self, account_key: str | None = None) -> set[int]:
        with self._lock:
            return set(self._orders.get(account_key, {}))

    def orders(self, account_key: str | None = None) -> list[dict]:
        with self._lock:
            return list(self._orders.get(account_key, {}).values())

    @property
    def deleted_ids(self) -> set[int]:
        with self._lock:
            return set(self._deleted)

    @property
    def accounts(self) -> list[str | None]:
        with self._lock:
            return list(self._orders)

    def reset_requests(self) -> None:
        with self._lock:
            self.requests.clear()

    def requests_for(self, endpoint: str) -> list[dict]:
        with self._lock:
            return [r for r in self.requests if r["endpoint"] == endpoint]

    def set_latency(self, ms: int) -> None:
        self.latency_ms = max(0, int(ms))

    def add_fault(self, endpoint: str, mode: str, times: int = 1) -> None:
        if mode not in FAULT_MODES:
            raise ValueError(f"unknown fault mode {mode!r}; known: {', '.join(FAULT_MODES)}")
        if endpoint != "*" and endpoint not in ENDPOINTS:
            raise ValueError(f"unknown endpoint {endpoint!r}; use one of {ENDPOINTS} or '*'")
        with self._lock:
            self._faults.append([endpoint, mode, max(1, int(times))])

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def _pop_fault(self, endpoint: str) -> str | None:
        with self._lock:
            for fault in self._faults:
                if fault[0] in ("*", endpoint):
                    fault[2] -= 1
                    if fault[2] <= 0:
                        self._faults.remove(fault)
                    return fault[1]
        return None

    def state(self) -> dict:
        with self._lock:
            return {
                "base_url": self.base_url,
                "account_keys_allowed": self.account_keys_allowed,
                "accounts": {
                    ("owner" if key is None else key): len(orders)
                    for key, orders in self._orders.items()
                },
                "deleted": len(self._deleted),
                "requests": len(self.requests),
                "latency_ms": self.latency_ms,
                "faults": [{"endpoint": e, "mode": m, "times": t} for e, m, t in self._faults],
            }

    def _effective_account(self, account_key: Any) -> str | None:
        if not self.account_keys_allowed or not isinstance(account_key, str):
            return None
        with self._lock:
            return account_key if account_key in self._orders else None

    def _soft_delete(self, ids: list[int], account: str | None) -> None:
        with self._lock:
            orders = self._orders.get(account, {})
            for fid in ids:
                record = orders.pop(fid, None)
                if record is not None:
                    self._encoded.pop(fid, None)
                    self._deleted[fid] = (account, record)

    def _list_body(self, account: str | None, ids: list[int] | None) -> bytes:
        with self._lock:
            orders = self._orders.get(account, {})
            if ids:
                chunks = [self._encoded[fid] for fid in dict.fromkeys(ids) if fid in orders]
            else:
                chunks = [self._encoded[fid] for fid in orders]
        head = json.dumps({"status": _status()})[:-1].encode("ascii")
        return head + b', "orders": [' + b", ".join(chunks) + b"]}"


def _model_state(key: str, message: str) -> dict:
    return {"Message": "The request is invalid.", "ModelState": {key: [message]}}


def _status(success: bool = True, message: str = "", code: int = 200) -> dict:
    return {
        "success": success,
        "status_code": code,
        "message": message,
        "debug": {},
        "reference_id": str(uuid.uuid4()),
        "domain": None,
    }


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # the default backlog of 5 resets bursts of parallel clients

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that time out / hang up are expected here; stay quiet


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

    # ------------------------------------------------------------------ control surface

    def _control(self, method: str, name: str, raw: bytes) -> None:
        sb = self.sandbox
        try:
            data = json.loads(raw) if raw else {}
            if name == "state" and method == "GET":
                self._send(200, sb.state())
            elif name == "fault" and method == "POST":
                sb.add_fault(data.get("endpoint", "*"), str(data.get("mode")), data.get("times", 1))
                self._send(200, {"ok": True, "state": sb.state()})
            elif name == "reset_faults" and method == "POST":
                sb.clear_faults()
                self._send(200, {"ok": True, "state": sb.state()})
            elif name == "latency" and method == "POST":
                sb.set_latency(int(data.get("ms", 0)))
                self._send(200, {"ok": True, "state": sb.state()})
            elif name == "reset_requests" and method == "POST":
                sb.reset_requests()
                self._send(200, {"ok": True})
            else:
                self._send(404, {"ok": False, "error": f"unknown control {method} {name}"})
        except (ValueError, TypeError, AttributeError) as exc:
            self._send(400, {"ok": False, "error": str(exc)})

    # ------------------------------------------------------------------ fake API

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
        with sb._lock:
            sb.requests.append(entry)
        fault = sb._pop_fault(endpoint) if endpoint in ENDPOINTS else None
        entry["fault"] = fault
        self._wait(sb.latency_ms / 1000)

        if fault == "drop":
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        if fault == "read_timeout":
            self._wait(sb.timeout_sleep)
            self._send(504, {"Message": "read_timeout fault: answered too late, nothing done"})
            return
        if fault == "500":
            self._send(
                500,
                {
                    "Message": "An error has occurred.",
                    "ExceptionMessage": "Transaction (Process ID 71) was deadlocked.",
                    "ExceptionType": "System.Data.SqlClient.SqlException",
                },
            )
            return
        if fault == "502_html":
            self._send(502, BAD_GATEWAY_HTML)
            return
        if fault == "429":
            self._send(429, {"Message": "Too many requests."}, {"Retry-After": "1"})
            return
        if fault == "503_retry":
            self._send(503, {"Message": "Service unavailable."}, {"Retry-After": "1"})
            return
        if fault == "success_false":
            status = _status(False, "Order ids could not be processed")
            self._send(200, {"status": status})
            return
        if fault == "malformed_json":
            self._send(200, b'{"status": {"success": tru')
            return
        if fault == "400_modelstate":
            self._send(400, IDS_REQUIRED_BODY)
            return

        if endpoint not in ENDPOINTS:
            self._send(404, {"Message": f"No HTTP resource was found for /v3/{endpoint}."})
            return
        expected = "GET" if endpoint == "test_my_credentials" else "POST"
        if method != expected:
            self._send(405, {"Message": f"The requested resource does not support {method}."})
            return
        if not valid_keys:
            self._send(400, CREDENTIALS_BODY)
            return
        if endpoint == "test_my_credentials":
            account = sb._effective_account((qs.get("account_key") or [None])[0])
            user = {"account_id": 4242, "username": "sandbox", "account_key": account}
            self._send(200, {"status": _status(), "user_account": user})
            return
        if body is ... or (body is not None and not isinstance(body, dict)):
            self._send(400, _model_state("request", "Invalid JSON body."))
            return
        body = body or {}
        account = sb._effective_account(body.get("account_key"))
        entry["effective_account"] = account
        ids = body.get("ids")

        if endpoint == "list_pending_orders":
            if ids is not None and ids != [] and not _valid_ids(ids):
                self._send(400, _model_state("request.ids", "ids must be integers."))
                return
            payload = sb._list_body(account, ids or None)
            code = 500 if fault == "deleted_but_500" else 200
            self._send(code, payload)
            return

        # delete_pending_orders
        if not _valid_ids(ids):
            self._send(400, IDS_REQUIRED_BODY)
            return
        if fault != "sticky":
            sb._soft_delete(ids, account)
        if fault == "deleted_but_500":
            self._send(500, {"Message": "An error has occurred.", "ExceptionMessage": "Timeout."})
            return
        self._send(200, {"status": _status()})


# ---------------------------------------------------------------------- demo server


def build_demo_sandbox(
    *,
    port: int = 8765,
    seed: int = 0,
    accounts: int = 2,
    orders_per_account: int = 50,
    host: str = "127.0.0.1",
    web_api_key: str = DEFAULT_WEB_API_KEY,
    app_key: str = DEFAULT_APP_KEY,
    account_keys_allowed: bool = True,
) -> Sandbox:
    sb = Sandbox(web_api_key, app_key, account_keys_allowed, port, host=host)
    sb.seed(orders_per_account, seed=seed)
    for i, key in enumerate(demo_account_keys(accounts), start=1):
        sb.add_account(key)
        sb.seed(orders_per_account, account_key=key, seed=seed + i)
    return sb


def serve(
    port: int = 8765,
    seed: int = 0,
    accounts: int = 2,
    orders_per_account: int = 50,
    *,
    host: str = "127.0.0.1",
    web_api_key: str = DEFAULT_WEB_API_KEY,
    app_key: str = DEFAULT_APP_KEY,
    account_keys_allowed: bool = True,
    out: Any = None,
    on_ready: Callable[[Sandbox], Any] | None = None,
) -> None:
    """Run a seeded sandbox in the foreground until Ctrl-C (or ``sandbox.stop()``).

    ``on_ready(sandbox)`` is called once the socket is bound, before serving.
    """
    import sys

    out = out or sys.stdout
    sb = build_demo_sandbox(
        port=port,
        seed=seed,
        accounts=accounts,
        orders_per_account=orders_per_account,
        host=host,
        web_api_key=web_api_key,
        app_key=app_key,
        account_keys_allowed=account_keys_allowed,
    )
    sb._make_server()
    lines = [
        f"FinerWorks sandbox listening on {sb.base_url}",
        f"  FINERWORKS_BASE_URL={sb.base_url}",
        f"  FINERWORKS_WEB_API_KEY={web_api_key}",
        f"  FINERWORKS_APP_KEY={app_key}",
        f"  owner account: {orders_per_account} pending orders",
    ]
    for key in demo_account_keys(accounts):
        lines.append(f"  account_key {key}: {orders_per_account} pending orders")
    lines.append(f"  fault modes: {', '.join(FAULT_MODES)} (POST /_sandbox/fault)")
    lines.append("Press Ctrl-C to stop.")
    print("\n".join(lines), file=out, flush=True)
    if on_ready is not None:
        on_ready(sb)
    try:
        sb.serve_forever()
    except KeyboardInterrupt:
        print("Sandbox stopped.", file=out, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run a local FinerWorks API sandbox.")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--accounts", type=int, default=2)
    parser.add_argument("--orders-per-account", type=int, default=50)
    parser.add_argument("--no-account-keys", action="store_true")
    args = parser.parse_args(argv)
    serve(
        args.port,
        args.seed,
        args.accounts,
        args.orders_per_account,
        host=args.host,
        account_keys_allowed=not args.no_account_keys,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
