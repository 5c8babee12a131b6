"""The Presence port: connection counts per user, never written to the database."""

from __future__ import annotations

from typing import Protocol


class Presence(Protocol):
    async def connections(self, team_id: str, user_id: str) -> tuple[int, int]:
        """(open connections, unix time of last activity or 0)."""
        ...

    async def connected(self, team_id: str, user_id: str) -> None: ...

    async def disconnected(self, team_id: str, user_id: str) -> None: ...
