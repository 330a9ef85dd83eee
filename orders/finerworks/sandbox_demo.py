"""The seeded demo sandbox: ``build_demo_sandbox()``, the foreground ``serve()`` and its CLI."""

from __future__ import annotations

import argparse
import sys
import uuid
from collections.abc import Callable
from typing import Any

from orders.finerworks.sandbox_server import Sandbox
from orders.finerworks.sandbox_wire import DEFAULT_APP_KEY, DEFAULT_WEB_API_KEY, FAULT_MODES

DEMO_NAMESPACE = uuid.UUID("6f9c3a52-52d4-4c1e-9a52-0f1a3b7c9d11")


def demo_account_keys(k: int) -> list[str]:
    """Deterministic account keys for the K delegated demo accounts."""
    return [str(uuid.uuid5(DEMO_NAMESPACE, f"fwadmin-demo-{i}")) for i in range(1, k + 1)]


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
    latency_ms: int = 0,
    out: Any = None,
    on_ready: Callable[[Sandbox], Any] | None = None,
) -> None:
    """Run a seeded sandbox in the foreground until Ctrl-C (or ``sandbox.stop()``).

    ``on_ready(sandbox)`` is called once the socket is bound, before serving.
    """
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
    sb.set_latency(latency_ms)
    sb._make_server()
    lines = [
        f"FinerWorks sandbox listening on {sb.base_url}",
        f"  FINERWORKS_BASE_URL={sb.base_url}",
        f"  FINERWORKS_WEB_API_KEY={web_api_key}",
        f"  FINERWORKS_APP_KEY={app_key}",
        f"  owner account: {orders_per_account} pending orders",
        *([f"  latency: {latency_ms} ms per call"] if latency_ms else []),
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
