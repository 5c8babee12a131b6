"""The Store port (run a unit of work in one transaction, for writing or for reading) and the
Shards port over it (which Store holds a workspace)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

from hubbub.store.tx import Tx

T = TypeVar("T")


class Store(Protocol):
    async def write(self, fn: Callable[[Tx], T]) -> T:
        """Runs fn in a write transaction and returns only after its commit is durable.

        If fn raises, none of its writes are kept and the error reaches the caller.
        """
        ...

    async def read(self, fn: Callable[[Tx], T], *, snapshot: bool = True) -> T:
        """Runs fn against one consistent snapshot. fn must not write.

        snapshot=False is for fn that runs a single statement, which is consistent on its own.
        """
        ...

    def identity_version(self) -> int:
        """A number that changes after every commit, by any process, that may change who a
        token names (a token revoked, a person deactivated or made admin). Cheap enough to
        check on every request: callers cache identities for as long as it stays put."""
        ...

    async def close(self) -> None: ...


class Shards(Protocol):
    """Where each workspace's rows live: one Store per shard, and the map from workspace to shard
    (docs/architecture.md §2). Every unit of work names its workspace, and runs on that
    workspace's shard."""

    async def write(self, team_id: str, fn: Callable[[Tx], T]) -> tuple[T, str]:
        """Store.write on the team's shard; also returns the shard's name."""
        ...

    async def read(self, team_id: str, fn: Callable[[Tx], T], *, snapshot: bool = True) -> T: ...

    async def create(self, team_id: str, domain: str, fn: Callable[[Tx], T]) -> tuple[T, str]:
        """Places a new workspace on a shard and runs its first unit of work there. A domain
        already taken raises SlackError("domain_taken") and writes nothing."""
        ...

    async def team_for_domain(self, domain: str) -> str | None: ...

    def stores(self) -> dict[str, Store]:
        """Every shard by name: for work that covers them all (the outbox relay)."""
        ...

    async def record_base_url(self, url: str) -> None:
        """Notes where the server is reached, where every process on the same data reads it:
        the one store, or the directory of shards (services/served.py)."""
        ...

    async def recorded_base_url(self) -> str | None: ...

    async def shared_settings(self) -> dict[str, str]:
        """The shared settings stored (domain/shared_settings.py): name -> value as JSON, in
        the one store or the directory of shards, where every process reads them."""
        ...

    async def set_shared_setting(self, name: str, value: str | None) -> None:
        """Stores a shared setting's value (JSON), or forgets it for None."""
        ...

    def identity_version(self) -> int:
        """Moves whenever any shard's Store.identity_version moves."""
        ...

    async def close(self) -> None: ...
