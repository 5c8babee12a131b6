"""Every process sweeps the link previews' cache now and then: a row past its expiry is never
read again (services/previews.py reads only live ones), so it is deleted rather than left to
pile up, one row per URL ever previewed.

Several processes sweeping the same shard at once is harmless: a row goes once. Each write
deletes a bounded batch, so on SQLite the one writer is never held long.
"""

from __future__ import annotations

from hubbub.jobs.background import Sweep
from hubbub.services.hub import Hub
from hubbub.store.tx import Tx

BATCH = 1000


class PreviewSweeper(Sweep):
    name = "preview"

    def __init__(self, hub: Hub, *, interval_s: float, batch: int = BATCH) -> None:
        self.hub, self.interval_s, self.batch = hub, interval_s, batch

    async def run_once(self) -> int:
        """One pass over every shard; how many expired rows it deleted."""
        deleted = 0
        for store in self.hub.shards.stores().values():
            while True:

                def sweep(tx: Tx) -> int:
                    return tx.delete_expired_previews(self.batch)

                n = await store.write(sweep)
                deleted += n
                if n < self.batch:
                    break
        return deleted
