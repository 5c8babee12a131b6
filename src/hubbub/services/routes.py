"""Where a workspace's people find each channel they name: on their own shard, or on the shard
of the workspace that shares it with them (services/shares.py), remembered between requests.

Routing only picks the shard; the host's own record, read in the same transaction as the work,
decides access (services/access.py). A stale route therefore costs a channel_not_found, never a
leak. Every change of a share bumps the identity version after its commit, as a revoked token
does, so every process forgets its routes at once (services/identities.py).
"""

from __future__ import annotations

from collections.abc import Callable

# Past this many (workspace, channel) pairs the cache starts over, as the identity cache does.
MAX_ENTRIES = 100_000


class RouteCache:
    def __init__(self, version: Callable[[], int], *, max_entries: int = MAX_ENTRIES) -> None:
        self._version = version
        self._seen = version()
        self._max = max_entries
        # (team, channel) -> the host's team id, or "" for a channel of the team's own.
        self._hosts: dict[tuple[str, str], str] = {}

    def version(self) -> int:
        return self._version()

    def get(self, team_id: str, channel_id: str) -> str | None:
        now = self._version()
        if now != self._seen:
            self._hosts.clear()
            self._seen = now
            return None
        return self._hosts.get((team_id, channel_id))

    def put(self, team_id: str, channel_id: str, host: str, read_at: int) -> None:
        """Remembers what a read begun at version read_at found, unless the version moved."""
        if read_at != self._seen or self._version() != read_at:
            return
        if len(self._hosts) >= self._max:
            self._hosts.clear()
        self._hosts[(team_id, channel_id)] = host
