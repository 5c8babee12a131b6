"""One shard holding every workspace: the embedded deployment (SQLite) and a cluster on one
PostgreSQL database. There is no directory: the shard's own `teams` table is the map."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from hubbub.store.port import Store
from hubbub.store.tx import Tx

T = TypeVar("T")

NAME = "main"


class SingleShard:
    def __init__(self, store: Store, name: str = NAME) -> None:
        self.store, self.name = store, name

    async def write(self, team_id: str, fn: Callable[[Tx], T]) -> tuple[T, str]:
        return await self.store.write(fn), self.name

    async def read(self, team_id: str, fn: Callable[[Tx], T], *, snapshot: bool = True) -> T:
        return await self.store.read(fn, snapshot=snapshot)

    async def create(self, team_id: str, domain: str, fn: Callable[[Tx], T]) -> tuple[T, str]:
        # The teams table's unique domain is the only check a single shard needs.
        return await self.store.write(fn), self.name

    async def team_for_domain(self, domain: str) -> str | None:
        team = await self.store.read(lambda tx: tx.get_team_by_domain(domain), snapshot=False)
        return team.id if team else None

    def stores(self) -> dict[str, Store]:
        return {self.name: self.store}

    async def record_base_url(self, url: str) -> None:
        await self.store.write(lambda tx: tx.record_base_url(url))

    async def recorded_base_url(self) -> str | None:
        return await self.store.read(lambda tx: tx.recorded_base_url(), snapshot=False)

    async def shared_settings(self) -> dict[str, str]:
        return await self.store.read(lambda tx: tx.shared_settings(), snapshot=False)

    async def set_shared_setting(self, name: str, value: str | None) -> None:
        await self.store.write(lambda tx: tx.set_shared_setting(name, value))

    def identity_version(self) -> int:
        return self.store.identity_version()

    async def close(self) -> None:
        await self.store.close()
