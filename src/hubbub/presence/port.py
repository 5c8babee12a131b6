"""The Presence port: connections and effective presence per user, never written to the database.

A person is `active` while at least one of their sockets is open and they have not set
themselves away (`users.setPresence away`), else `away`. The port keeps, per person, the open
connection count, the manual-away setting it was last told and the effective presence, and
changes them in one step, so each change of effective presence is reported exactly once however
sockets and setPresence calls interleave. The store keeps the manual-away setting durably; the
port's copy is the one presence events are worked out from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

ACTIVE = "active"
AWAY = "away"


@dataclass(frozen=True, slots=True)
class Change:
    """Effective presence before and after one update of the port."""

    before: str
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


class Presence(Protocol):
    async def connections(self, team_id: str, user_id: str) -> tuple[int, int]:
        """(open connections, unix time of last activity or 0)."""
        ...

    async def connected(self, team_id: str, user_id: str, *, manual_away: bool = False) -> Change:
        """One more socket; manual_away is the stored setting, used if the port has none yet."""
        ...

    async def disconnected(self, team_id: str, user_id: str) -> Change: ...

    async def set_manual_away(self, team_id: str, user_id: str, away: bool) -> Change: ...

    async def sweep(self) -> list[tuple[str, str, Change]]:
        """Drops the connections of processes that died: (team, user, change) of each person
        whose count that touched, each reported by one caller only."""
        ...

    async def close(self) -> None: ...
