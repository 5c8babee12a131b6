"""Every process trims the event log now and then: each stream keeps its newest
`event_retention_per_stream` events (docs/limits.md, "The event log"), older ones are deleted.

Only resumes read that far back, and a resume more than `rtm_resume_max_events` behind is told to
resync anyway; a resume from before what a stream still holds is told the same
(services/realtime.py `start`). The newest events of a stream are never deleted, nor one the
outbox still names, so the relay always finds the event of its row.

Several processes sweeping one shard at once is harmless: a row goes once. Each write deletes a
bounded batch of one stream, so on SQLite the one writer is never held long; each read lists a
bounded page of streams.
"""

from __future__ import annotations

from hubbub.jobs.background import Sweep
from hubbub.services.hub import Hub
from hubbub.store.port import Store
from hubbub.store.tx import Tx

BATCH = 1000  # events deleted per write
PAGE = 200  # streams listed per read


class EventSweeper(Sweep):
    name = "event_log"

    def __init__(
        self, hub: Hub, *, keep: int, interval_s: float, batch: int = BATCH, page: int = PAGE
    ) -> None:
        self.hub, self.keep, self.interval_s = hub, keep, interval_s
        self.batch, self.page = batch, page

    async def run_once(self) -> int:
        """One pass over every shard; how many events it deleted."""
        deleted = 0
        for store in self.hub.shards.stores().values():
            deleted += await self._sweep(store)
        return deleted

    async def _sweep(self, store: Store) -> int:
        deleted, after = 0, ("", "")
        while True:

            def overfull(tx: Tx, after: tuple[str, str] = after) -> list[tuple[str, str]]:
                return tx.overfull_streams(self.keep, after, self.page)

            streams = await store.read(overfull)
            for team_id, stream in streams:
                while True:

                    def trim(tx: Tx, team_id: str = team_id, stream: str = stream) -> int:
                        return tx.trim_log(team_id, stream, self.keep, self.batch)

                    n = await store.write(trim)
                    deleted += n
                    if n < self.batch:
                        break
            if len(streams) < self.page:
                return deleted
            after = streams[-1]
