"""Answers remembered per process for as long as the store's identity version stays put: what
the apps' reactor reads for every logged event (services/apps.py), which changes only when an
app or a share does, and every such change bumps the version at its commit, in every process
(services/identities.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")

# Past this many entries the cache starts over, as the identity cache does.
MAX_ENTRIES = 100_000


class VersionedCache(Generic[K, V]):
    def __init__(self, version: Callable[[], int], *, max_entries: int = MAX_ENTRIES) -> None:
        self._version = version
        self._seen = version()
        self._max = max_entries
        self._values: dict[K, V] = {}

    def version(self) -> int:
        return self._version()

    def get(self, key: K) -> V | None:
        now = self._version()
        if now != self._seen:
            self._values.clear()
            self._seen = now
            return None
        return self._values.get(key)

    def put(self, key: K, value: V, read_at: int) -> None:
        """Remembers what a read begun at version read_at found, unless the version moved."""
        if read_at != self._seen or self._version() != read_at:
            return
        if len(self._values) >= self._max:
            self._values.clear()
        self._values[key] = value
