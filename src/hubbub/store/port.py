"""The Store port: run a unit of work in one transaction, for writing or for reading."""

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
