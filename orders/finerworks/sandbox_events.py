"""What happens at FinerWorks behind fwadmin's back: orders edited, submitted or deleted
elsewhere, a delete that did not hold. The public hooks tests and demos use instead of the
sandbox's internals (SandboxState mixes this in; it owns _lock, _orders and the rest)."""

from __future__ import annotations

import copy


class OrderEvents:
    def record(self, fulfillment_id: int, account_key: str | None = None) -> dict:
        """A copy of an order as FinerWorks lists it now."""
        with self._lock:
            return copy.deepcopy(self._orders[account_key][fulfillment_id])

    def deleted_record(self, fulfillment_id: int) -> dict:
        """The record of an order deleted through the API, as it was listed before."""
        with self._lock:
            return copy.deepcopy(self._deleted[fulfillment_id][1])

    def edit_order(self, record: dict, account_key: str | None = None) -> dict:
        """Change an existing order in place, as an edit at FinerWorks would."""
        with self._lock:
            if record["fulfillment_id"] not in self._orders.get(account_key, {}):
                raise ValueError(f"no order {record['fulfillment_id']} in that account")
            self._store(dict(record), account_key)
        return record

    def submit_order(self, fulfillment_id: int, account_key: str | None = None) -> None:
        """Take an order off the pending list, as submitting it at FinerWorks would."""
        with self._lock:
            self._orders.get(account_key, {}).pop(fulfillment_id)
            self._encoded.pop(fulfillment_id, None)

    def clear_orders(self, account_key: str | None = None) -> None:
        """Empty an account's pending list (every order submitted elsewhere)."""
        with self._lock:
            for fid in self._orders.get(account_key, {}):
                self._encoded.pop(fid, None)
            self._orders[account_key] = {}

    def delete_orders(self, ids: list[int], account_key: str | None = None) -> None:
        """Delete orders as delete_pending_orders does (e.g. a request that got through
        although its caller never saw the answer)."""
        self._soft_delete(ids, account_key)

    def undelete_order(self, fulfillment_id: int) -> None:
        """List a deleted order again, in its account: the delete did not hold."""
        with self._lock:
            account_key, record = self._deleted.pop(fulfillment_id)
            self._store(record, account_key)
