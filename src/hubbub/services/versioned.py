"""Answers remembered per process for as long as the store's identity version stays put.

What they remember rarely changes and is read on hot paths: who a token names (services/auth.py),
which shard hosts a channel a workspace's people name (services/access.py), a workspace's apps and
the workspaces a channel is shared with (services/app_events.py). Every write that could change one
of them (a token revoked, a person deactivated or made admin, an app or a share changed) bumps the
version after its commit, from whichever process made it (Store.identity_version), and any bump
empties every cache. So a revoked token stops working at the first request after the revocation
answered, here or in `hubbub admin`, exactly as without the cache; and a stale route costs a
channel_not_found, never a leak, since the host's own record read by the unit decides access.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")

# Past this many entries a cache starts over rather than track which to evict: it costs one
# store read per key after that, and bounds memory whatever callers send.
MAX_ENTRIES = 100_000


class VersionedCache(Generic[K, V]):
    def __init__(self, version: Callable[[], int], *, max_entries: int = MAX_ENTRIES) -> None:
        self._version = version
        self._seen = version()
        self._max = max_entries
        self._values: dict[K, V] = {}

    def version(self) -> int:
        """The version to pass to `put` for a read that starts now."""
        return self._version()

    def get(self, key: K) -> V | None:
        now = self._version()
        if now != self._seen:
            self._values.clear()
            self._seen = now
            return None
        return self._values.get(key)

    def put(self, key: K, value: V, read_at: int) -> None:
        """Remembers what a read begun at version read_at found, unless the version moved since:
        that read may have seen the state from before the change."""
        if read_at != self._seen or self._version() != read_at:
            return
        if len(self._values) >= self._max:
            self._values.clear()
        self._values[key] = value
