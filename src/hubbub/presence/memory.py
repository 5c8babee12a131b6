"""Presence kept in process memory, for the embedded deployment.

Each update runs without yielding to the event loop, so it is atomic for the process.
"""

from __future__ import annotations

import time

from hubbub.presence.port import ACTIVE, AWAY, Change

Key = tuple[str, str]


class MemoryPresence:
    def __init__(self) -> None:
        self._count: dict[Key, int] = {}
        self._last: dict[Key, int] = {}
        # The manual-away setting last told, per person who ever connected or set it.
        self._manual: dict[Key, bool] = {}

    def _state(self, key: Key) -> str:
        online = self._count.get(key, 0) > 0
        return ACTIVE if online and not self._manual.get(key, False) else AWAY

    async def connections(self, team_id: str, user_id: str) -> tuple[int, int]:
        key = (team_id, user_id)
        return self._count.get(key, 0), self._last.get(key, 0)

    async def connected(self, team_id: str, user_id: str, *, manual_away: bool = False) -> Change:
        key = (team_id, user_id)
        before = self._state(key)
        self._manual.setdefault(key, manual_away)
        self._count[key] = self._count.get(key, 0) + 1
        self._last[key] = int(time.time())
        return Change(before, self._state(key))

    async def disconnected(self, team_id: str, user_id: str) -> Change:
        key = (team_id, user_id)
        before = self._state(key)
        left = self._count.get(key, 0) - 1
        if left > 0:
            self._count[key] = left
        else:
            self._count.pop(key, None)
        self._last[key] = int(time.time())
        return Change(before, self._state(key))

    async def set_manual_away(self, team_id: str, user_id: str, away: bool) -> Change:
        key = (team_id, user_id)
        before = self._state(key)
        self._manual[key] = away
        return Change(before, self._state(key))

    async def sweep(self) -> list[tuple[str, str, Change]]:
        return []  # one process: its sockets die with it, and so does this

    async def close(self) -> None:
        pass  # nothing held outside this object
