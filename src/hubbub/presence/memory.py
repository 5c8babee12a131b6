"""Presence kept in process memory, for the embedded deployment."""

from __future__ import annotations

import time


class MemoryPresence:
    def __init__(self) -> None:
        self._count: dict[tuple[str, str], int] = {}
        self._last: dict[tuple[str, str], int] = {}

    async def connections(self, team_id: str, user_id: str) -> tuple[int, int]:
        key = (team_id, user_id)
        return self._count.get(key, 0), self._last.get(key, 0)

    async def connected(self, team_id: str, user_id: str) -> None:
        key = (team_id, user_id)
        self._count[key] = self._count.get(key, 0) + 1
        self._last[key] = int(time.time())

    async def disconnected(self, team_id: str, user_id: str) -> None:
        key = (team_id, user_id)
        left = self._count.get(key, 0) - 1
        if left > 0:
            self._count[key] = left
        else:
            self._count.pop(key, None)
        self._last[key] = int(time.time())
