"""Tickets in this process's memory: the embedded deployment, one process issues and consumes."""

from __future__ import annotations

import secrets
import time

from hubbub.tickets.port import Ticket

# Expired tickets are swept when this many are held, so unused ones cannot pile up.
SWEEP_AT = 1000


class MemoryTickets:
    def __init__(self, ttl_s: float) -> None:
        self.ttl_s = ttl_s
        self._issued: dict[str, tuple[Ticket, float]] = {}
        self._claimed: dict[str, float] = {}  # key -> when the claim ends

    async def issue(self, ticket: Ticket) -> str:
        now = time.monotonic()
        if len(self._issued) > SWEEP_AT:
            for key in [k for k, (_, expires) in self._issued.items() if expires < now]:
                del self._issued[key]
        key = secrets.token_urlsafe(24)
        self._issued[key] = (ticket, now + self.ttl_s)
        return key

    async def consume(self, key: str) -> Ticket | None:
        found = self._issued.pop(key, None)
        if found is None or found[1] < time.monotonic():
            return None
        return found[0]

    async def claim(self, key: str, ttl_s: float) -> bool:
        now = time.monotonic()
        if len(self._claimed) > SWEEP_AT:
            self._claimed = {k: ends for k, ends in self._claimed.items() if ends >= now}
        ends = self._claimed.get(key)
        if ends is not None and ends >= now:
            return False
        self._claimed[key] = now + ttl_s
        return True

    async def close(self) -> None:
        self._issued.clear()
        self._claimed.clear()
