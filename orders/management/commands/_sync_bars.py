"""Progress bars for `sync_pending_orders` on a terminal: one per account (tqdm)."""

from tqdm import tqdm


class SyncBars:
    """Hears a sync's progress (pending_orders_sync's `progress`) and draws it; draws
    nothing when disabled (not a terminal, or -v0)."""

    def __init__(self, stream, enabled: bool) -> None:
        self.stream, self.enabled = stream, enabled
        self.bar = None

    def __call__(
        self, account, *, listing=False, listed=None, to_write=None, written=None, **_
    ) -> None:
        if not self.enabled:
            return
        if listing:
            self.close()
            self.bar = tqdm(
                desc=f"{account}: listing", unit=" orders", file=self.stream, leave=True
            )
        elif listed is not None:
            self.bar.set_description(f"{account}: {listed:,} listed, comparing")
        elif to_write is not None:
            self.bar.set_description(f"{account}: writing")
            self.bar.reset(total=to_write)
        elif written is not None:
            self.bar.update(written - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
