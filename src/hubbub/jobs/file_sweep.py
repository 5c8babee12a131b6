"""Every process sweeps what files leave behind now and then (docs/files.md, "The sweep"):

1. Uploads never completed: a file whose upload URL was never used, or whose bytes came but
   which nobody completed, `upload_url_ttl_s + grace_s` after it was made. Such a file was
   shown to nobody and no message names it: its rows are deleted, and its blob becomes an
   orphan (2).
2. Orphan blobs: a blob that no file (not deleted) and no thumbnail names, last stored more
   than `grace_s` ago. A crash between storing the bytes and writing the row that names them
   leaves one; so does a delete whose clean-up failed, and (1).

Why the grace period: blobs are per content, and a `put` of bytes already there keeps the blob
and moves its modified time (blobs/port.py), then writes the row that names it. So a blob
being named right now is never old, and a blob is checked once more, row and time, just before
it goes. What is left is a put of the same bytes landing between that check and the delete:
microseconds, against a blob nobody had named for the whole grace period.

Several processes sweeping at once is harmless (a delete of a blob already gone is no error),
and costs one listing of the store each. A workspace is read where the directory says it is
(hub.read), not from the shard its listing came from: a workspace moved meanwhile is found on
its new shard, and one whose rows are gone (deleted, or half-way through a move) is skipped.
"""

from __future__ import annotations

import time

import structlog

from hubbub.blobs.port import BlobNotFound
from hubbub.domain.errors import SlackError
from hubbub.jobs.background import Sweep
from hubbub.services.hub import Hub
from hubbub.store.port import Store
from hubbub.store.tx import Tx

log = structlog.get_logger()

BATCH = 500  # abandoned uploads deleted per write
PAGE = 1000  # blob keys checked per read


class FileSweeper(Sweep):
    name = "files"

    def __init__(
        self,
        hub: Hub,
        *,
        interval_s: float,
        grace_s: float,
        batch: int = BATCH,
        page: int = PAGE,
    ) -> None:
        self.hub, self.interval_s, self.grace_s = hub, interval_s, grace_s
        self.batch, self.page = batch, page

    async def run_once(self) -> int:
        """One pass over every shard: abandoned uploads, then orphan blobs; how many of both
        it deleted."""
        swept = 0
        for store in self.hub.shards.stores().values():
            swept += await self._abandoned(store)
            teams = await store.read(lambda tx: [t.id for t in tx.list_teams()])
            for team_id in teams:
                swept += await self._orphans(team_id)
        return swept

    async def _abandoned(self, store: Store) -> int:
        after_s = self.hub.file_limits.upload_url_ttl_s + int(self.grace_s)
        deleted = 0
        while True:

            def sweep(tx: Tx) -> int:
                return tx.drop_abandoned_uploads(tx.now - after_s, self.batch)

            n = await store.write(sweep)
            deleted += n
            if n < self.batch:
                return deleted

    async def _orphans(self, team_id: str) -> int:
        deleted = 0
        page: list[str] = []
        async for key in self.hub.blobs.keys(team_id):
            page.append(key)
            if len(page) >= self.page:
                deleted += await self._check(team_id, page)
                page = []
        if page:
            deleted += await self._check(team_id, page)
        return deleted

    async def _check(self, team_id: str, keys: list[str]) -> int:
        def named(tx: Tx) -> set[str] | None:
            if tx.get_team(team_id) is None:
                return None  # not here (moved, or mid-move): nothing can be told of its blobs
            return tx.named_blobs(team_id, keys)

        try:
            found = await self.hub.read(team_id, named, snapshot=False)
        except SlackError:  # no such workspace any more
            return 0
        if found is None:
            return 0
        deleted = 0
        for key in keys:
            if key not in found and await self._still_orphan(team_id, key):
                await self.hub.blobs.delete(key)
                log.info("file_orphan_deleted", team=team_id, key=key)
                deleted += 1
        return deleted

    async def _still_orphan(self, team_id: str, key: str) -> bool:
        """Old enough, and still named by nothing, just before it goes."""
        try:
            if await self.hub.blobs.modified(key) > time.time() - self.grace_s:
                return False
        except BlobNotFound:
            return False

        def used(tx: Tx) -> bool:
            return tx.get_team(team_id) is None or tx.blob_in_use(team_id, key, besides="")

        return not await self.hub.read(team_id, used, snapshot=False)
