"""A local HTTP server that stands in for the FinerWorks v3 pending-order API.

Used by the test suite (``tests/sandbox_plugin.py``) and by the ``finerworks_sandbox``
management command (``serve()``). Pure Python/stdlib; no Django imports. This module is the
public face; the parts: ``sandbox_wire`` (constants, bodies), ``sandbox_state`` (orders, raw
records, faults), ``sandbox_http`` (handler, faults), ``sandbox_control`` (controls),
``sandbox_server`` (:class:`Sandbox`: state + server) and ``sandbox_demo`` (demo, CLI).

Fault modes (``add_fault(endpoint, mode, times=1)``; endpoint ``"*"`` matches every endpoint;
a mode does nothing special on an endpoint it is not meant for):

- nothing done, whatever the request: ``500``, ``502_html``, ``read_timeout``, ``drop``,
  ``success_false``, ``malformed_json``, ``429`` and ``503_retry`` (``Retry-After: 1``),
  ``400_modelstate``;
- delete really done, answer lost: ``deleted_but_500``, ``deleted_but_429`` and
  ``deleted_but_503`` (both ``Retry-After: 1``); on list_pending_orders: the normal listing
  with that HTTP status. ``sticky``: delete answers success but deletes nothing;
- save_pending_orders really saves, answer lost: ``saved_but_500`` (the ``deleted_but_*``
  modes too); its validation (400 ModelState naming ``orders[i]...``) is in ``sandbox_save``;
- list_pending_orders answers 200 with a success ``status``, but: ``orders_missing`` (no
  ``orders`` key), ``orders_null``, ``orders_not_list`` (an object), ``deep_nesting`` (one
  record whose ``x`` nests ``sandbox.deep_nesting_depth`` lists, default 20000), ``huge_body``
  (the listing plus one record padded to ``sandbox.huge_body_bytes``, default 3 000 000).

Raw (poison) records: ``add_raw_record(value, account_key=None)`` lists any JSON value
verbatim after an account's orders (id listings: only if its ``fulfillment_id`` loosely
matches an asked id); never deleted; ``clear_raw_records()``.
``set_apostrophe_quirk(True)``: a save with a ``'`` in any text answers 500 (FinerWorks' SQL
bug), saving nothing. ``set_save_reply("imports" | "orders" | "none")``: the save reply's shape.
``account_keys_allowed = False`` (at runtime too): every account_key is ignored (the owner's).
``list_cap = N``: every list answer silently cut to its first N orders (None: no cap).

HTTP control surface (no auth): ``POST /_sandbox/fault`` ``{"endpoint", "mode", "times"}``,
``POST /_sandbox/reset_faults``, ``POST /_sandbox/latency`` ``{"ms"}``,
``POST /_sandbox/reset_requests``, ``POST /_sandbox/raw_record`` ``{"account_key", "record"}``,
``POST /_sandbox/reset_raw_records``, ``POST /_sandbox/account_keys`` ``{"allowed": bool}``,
``POST /_sandbox/apostrophe_quirk`` ``{"on": bool}``, ``POST /_sandbox/save_reply``
``{"shape"}``, ``GET /_sandbox/state``.
"""

from __future__ import annotations

from orders.finerworks.sandbox_demo import (
    DEMO_NAMESPACE,
    build_demo_sandbox,
    demo_account_keys,
    main,
    serve,
)
from orders.finerworks.sandbox_server import Sandbox
from orders.finerworks.sandbox_state import SandboxState
from orders.finerworks.sandbox_wire import (
    BAD_GATEWAY_HTML,
    CREDENTIALS_BODY,
    DEFAULT_APP_KEY,
    DEFAULT_WEB_API_KEY,
    ENDPOINTS,
    FAULT_MODES,
    IDS_REQUIRED_BODY,
)

__all__ = [
    "BAD_GATEWAY_HTML",
    "CREDENTIALS_BODY",
    "DEFAULT_APP_KEY",
    "DEFAULT_WEB_API_KEY",
    "DEMO_NAMESPACE",
    "ENDPOINTS",
    "FAULT_MODES",
    "IDS_REQUIRED_BODY",
    "Sandbox",
    "SandboxState",
    "build_demo_sandbox",
    "demo_account_keys",
    "main",
    "serve",
]

if __name__ == "__main__":
    raise SystemExit(main())
