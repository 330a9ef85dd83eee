"""The FinerWorks sandbox's state: accounts, orders, raw (poison) records, faults, request log.

Thread-safe (one re-entrant lock); the HTTP side lives in ``sandbox_http`` and the server
lifecycle in ``sandbox_server`` (:class:`Sandbox` extends :class:`SandboxState`).
"""

from __future__ import annotations

import json
import threading
from typing import Any

from orders.finerworks import sandbox_wire as wire
from orders.finerworks.demo_data import make_records
from orders.finerworks.sandbox_events import OrderEvents
from orders.finerworks.sandbox_save import SaveOrders
from orders.finerworks.sandbox_wire import ENDPOINTS, FAULT_MODES


class SandboxState(OrderEvents, SaveOrders):
    def __init__(
        self,
        web_api_key: str = wire.DEFAULT_WEB_API_KEY,
        app_key: str = wire.DEFAULT_APP_KEY,
        account_keys_allowed: bool = True,
        *,
        timeout_sleep: float = 2.0,
    ) -> None:
        self.web_api_key = web_api_key
        self.app_key = app_key
        # False: FinerWorks ignores every account_key and answers for the owner (read on
        # every request, so it can be switched at runtime).
        self.account_keys_allowed = account_keys_allowed
        self.timeout_sleep = timeout_sleep
        self.latency_ms = 0
        self.deep_nesting_depth = 20_000  # fault "deep_nesting"
        self.huge_body_bytes = 3_000_000  # fault "huge_body"
        # At most this many orders per list answer, cut silently (None: no cap). FinerWorks
        # documents no cap; this is the failure a verification must not be fooled by.
        self.list_cap: int | None = None
        self.list_ignores_ids = False  # True: an id listing answers with every order
        self.save_reply = "imports"  # a save's answer shape: see sandbox_save.SAVE_REPLY_SHAPES
        self.apostrophe_quirk = False  # True: a ' in saved orders answers FinerWorks' SQL 500
        self.on_request = None  # called with each request's log entry before it is served
        self.requests: list[dict] = []
        self._lock = threading.RLock()
        self._orders: dict[str | None, dict[int, dict]] = {None: {}}
        self._encoded: dict[int, bytes] = {}
        self._deleted: dict[int, tuple[str | None, dict]] = {}
        self._raw: dict[str | None, list[tuple[int | None, bytes]]] = {}
        self._next_id = 100001
        self._faults: list[list] = []

    # ------------------------------------------------------------------ orders

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

    # ------------------------------------------------------------------ raw (poison) records

    def add_raw_record(self, record: Any, account_key: str | None = None) -> Any:
        """List ANY JSON value verbatim among ``account_key``'s orders (no validation).

        Always in a full listing, after the orders, in insertion order; in an id listing only
        when its ``fulfillment_id`` loosely matches an asked id (see ``loose_id``). Never
        deleted by ``delete_pending_orders``; ``clear_raw_records()`` removes them.
        """
        if account_key is not None and not isinstance(account_key, str):
            raise TypeError(f"account_key must be a string or None, got {account_key!r}")
        encoded = json.dumps(record).encode("ascii")
        with self._lock:
            self._orders.setdefault(account_key, {})
            self._raw.setdefault(account_key, []).append((wire.raw_record_id(record), encoded))
        return record

    def raw_records(self, account_key: str | None = None) -> list[Any]:
        with self._lock:
            return [json.loads(encoded) for _, encoded in self._raw.get(account_key, ())]

    def clear_raw_records(self) -> None:
        with self._lock:
            self._raw.clear()

    # ------------------------------------------------------------------ request log, faults

    def _log_request(self, entry: dict) -> None:
        with self._lock:
            self.requests.append(entry)

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
                "account_keys_allowed": self.account_keys_allowed,
                "accounts": {
                    ("owner" if key is None else key): len(orders)
                    for key, orders in self._orders.items()
                },
                "raw_records": {
                    ("owner" if key is None else key): len(raw)
                    for key, raw in self._raw.items()
                    if raw
                },
                "deleted": len(self._deleted),
                "requests": len(self.requests),
                "latency_ms": self.latency_ms,
                "deep_nesting_depth": self.deep_nesting_depth,
                "huge_body_bytes": self.huge_body_bytes,
                "save_reply": self.save_reply,
                "apostrophe_quirk": self.apostrophe_quirk,
                "faults": [{"endpoint": e, "mode": m, "times": t} for e, m, t in self._faults],
            }

    # ------------------------------------------------------------------ what the API does

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

    def _list_chunks(self, account: str | None, ids: list[int] | None) -> list[bytes]:
        with self._lock:
            orders = self._orders.get(account, {})
            raw = self._raw.get(account, ())
            if not ids:
                return [self._encoded[fid] for fid in orders] + [enc for _, enc in raw]
            asked = set(ids)
            chunks = [self._encoded[fid] for fid in dict.fromkeys(ids) if fid in orders]
            return chunks + [enc for key, enc in raw if key is not None and key in asked]

    def _spare_id(self) -> int:
        """SPARE_ID, or the next id no order, deleted order or raw record uses."""
        with self._lock:
            raw_ids = {key for raw in self._raw.values() for key, _ in raw}
            fid = wire.SPARE_ID
            while fid in self._encoded or fid in self._deleted or fid in raw_ids:
                fid += 1
            return fid

    def _list_body(self, account: str | None, ids: list[int] | None) -> bytes:
        chunks = self._list_chunks(account, ids)
        return wire.list_body(chunks if self.list_cap is None else chunks[: self.list_cap])

    def _fault_list_body(self, fault: str, account: str | None, ids: list[int] | None) -> bytes:
        """The 200 success answer of a ``LIST_BODY_FAULTS`` mode."""
        if fault == "deep_nesting":
            return wire.deep_nesting_body(self._spare_id(), self.deep_nesting_depth)
        if fault == "huge_body":
            chunks = self._list_chunks(account, ids)
            return wire.padded_list_body(chunks, self._spare_id(), self.huge_body_bytes)
        return wire.shapeless_list_body(fault)
