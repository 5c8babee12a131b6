"""Workspaces spread over PostgreSQL shards by a directory (docs/architecture.md §2).

Each process caches the directory's answers: a workspace's shard changes only when it is moved,
and then the directory's NOTIFY drops the entry everywhere at the flip's commit. A write that
meets the move fence on a shard (store/fence.py) asks the directory again and is run again,
on the new shard once the move is done: the writes of a moving workspace wait, for up to
MOVE_WAIT_S, and none is lost or run twice (a fenced unit wrote nothing). One shard down fails
only its own workspaces (Unavailable, HTTP 503), and they recover when it is back.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TypeVar

import structlog

from hubbub.domain.errors import SlackError, Unavailable
from hubbub.store import fence
from hubbub.store.directory import CHANNEL, Directory
from hubbub.store.listen import Listener
from hubbub.store.port import Store
from hubbub.store.postgres import PostgresStore, unavailable_when_unreachable
from hubbub.store.tx import Tx

T = TypeVar("T")

log = structlog.get_logger()

# Longer than a move's freeze of a workspace of a few hundred thousand rows here; a write kept
# waiting past it answers service_unavailable, for the client to retry.
MOVE_WAIT_S = 15.0
_RETRY_PAUSE_S = (0.01, 0.2)  # first pause, longest pause


class ShardedStores:
    def __init__(self, directory: Directory, stores: dict[str, PostgresStore]) -> None:
        self.directory = directory
        self._stores = stores
        self._where: dict[str, str] = {}
        # Counts the directory's notifications: an answer is cached only if none came while it
        # was being read, since it may be the one from before a flip.
        self._notified = 0
        self._listener = Listener(directory.dsn, CHANNEL, self._forget)
        self._listener.start()

    # -- the port --------------------------------------------------------------------------

    async def write(self, team_id: str, fn: Callable[[Tx], T]) -> tuple[T, str]:
        def fenced(tx: Tx) -> T:
            fence.hold(tx.run, team_id)
            return fn(tx)

        deadline = time.monotonic() + MOVE_WAIT_S
        pause = _RETRY_PAUSE_S[0]
        while True:
            shard = await self._shard(team_id)
            try:
                return await self._stores[shard].write(fenced), shard
            except fence.WorkspaceElsewhere:
                self._where.pop(team_id, None)
                if time.monotonic() + pause > deadline:
                    log.warning("workspace_move_wait_over", team_id=team_id, shard=shard)
                    raise Unavailable() from None
                await asyncio.sleep(pause)
                pause = min(pause * 2, _RETRY_PAUSE_S[1])

    async def read(self, team_id: str, fn: Callable[[Tx], T], *, snapshot: bool = True) -> T:
        shard = await self._shard(team_id)
        return await self._stores[shard].read(fn, snapshot=snapshot)

    async def create(self, team_id: str, domain: str, fn: Callable[[Tx], T]) -> tuple[T, str]:
        shard = await self._ask(self._least_loaded)
        if not await self._ask(self.directory.reserve, team_id, domain, shard):
            raise SlackError("domain_taken")
        try:
            result = await self._stores[shard].write(fn)
        except BaseException:
            await self._ask(self.directory.release, team_id)
            raise
        await self._ask(self.directory.activate, team_id)
        self._where[team_id] = shard
        return result, shard

    async def team_for_domain(self, domain: str) -> str | None:
        return await self._ask(self.directory.team_for_domain, domain)

    def stores(self) -> dict[str, Store]:
        return dict(self._stores)

    async def record_base_url(self, url: str) -> None:
        # The directory, which every process and admin command of the deployment opens; the
        # shards' own served_at tables stay empty.
        await self._ask(self.directory.record_base_url, url)

    async def recorded_base_url(self) -> str | None:
        return await self._ask(self.directory.recorded_base_url)

    async def shared_settings(self) -> dict[str, str]:
        return await self._ask(self.directory.shared_settings)

    async def set_shared_setting(self, name: str, value: str | None) -> None:
        await self._ask(self.directory.set_shared_setting, name, value)

    def identity_version(self) -> int:
        # Each shard's version only ever grows: their sum moves whenever one does.
        return sum(store.identity_version() for store in self._stores.values())

    async def close(self) -> None:
        await asyncio.to_thread(self._listener.stop)
        for store in self._stores.values():
            await store.close()
        self.directory.close()

    # -- internals -------------------------------------------------------------------------

    async def _shard(self, team_id: str) -> str:
        shard = self._where.get(team_id)
        if shard is None:
            notified = self._notified
            entry = await self._ask(self.directory.entry, team_id)
            if entry is None:
                raise SlackError("team_not_found")
            if entry.shard not in self._stores:
                # The directory names a shard this process was not configured with.
                log.error("shard_not_configured", team_id=team_id, shard=entry.shard)
                raise Unavailable()
            shard = entry.shard
            if notified == self._notified:
                self._where[team_id] = shard
        return shard

    async def _ask(self, fn: Callable[..., T], *args: str | None) -> T:
        """A directory call, on a worker thread; Unavailable while the directory is down."""

        def call() -> T:
            with unavailable_when_unreachable():
                return fn(*args)

        return await asyncio.to_thread(call)

    def _least_loaded(self) -> str:
        """New workspaces go to the shard that holds the fewest (`hubbub admin shards` shows
        rows and write rates, for moving the busy ones by hand)."""
        counts = self.directory.counts()
        return min(self._stores, key=lambda name: (counts.get(name, 0), name))

    def _forget(self, team_id: str | None) -> None:
        self._notified += 1
        if team_id is None:
            self._where.clear()
        else:
            self._where.pop(team_id, None)
