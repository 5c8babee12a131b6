"""Tickets in this process's memory: the embedded deployment, one process issues and consumes."""

from __future__ import annotations

import secrets
import time
from collections import deque

from hubbub.tickets.port import Ticket

# Expired tickets are swept when this many are held, so unused ones cannot pile up.
SWEEP_AT = 1000


class MemoryTickets:
    def __init__(self, ttl_s: float) -> None:
        self.ttl_s = ttl_s
        self._issued: dict[str, tuple[Ticket, float]] = {}
        self._claimed: dict[str, float] = {}  # key -> when the claim ends
        # The claims in the order made, so ended ones go from the front at a constant cost
        # per claim (an envelope each: this is on Socket Mode's path).
        self._claim_order: deque[tuple[float, str]] = deque()

    async def issue(self, ticket: Ticket, *, ttl_s: float | None = None) -> str:
        now = time.monotonic()
        if len(self._issued) > SWEEP_AT:
            for key in [k for k, (_, expires) in self._issued.items() if expires < now]:
                del self._issued[key]
        key = secrets.token_urlsafe(24)
        self._issued[key] = (ticket, now + (self.ttl_s if ttl_s is None else ttl_s))
        return key

    async def consume(self, key: str) -> Ticket | None:
        found = self._issued.pop(key, None)
        if found is None or found[1] < time.monotonic():
            return None
        return found[0]

    async def claim(self, key: str, ttl_s: float) -> bool:
        now = time.monotonic()
        order = self._claim_order
        while order and order[0][0] < now:
            ended, old = order.popleft()
            if self._claimed.get(old) == ended:
                del self._claimed[old]
        held = self._claimed.get(key)
        if held is not None and held >= now:
            return False
        self._claimed[key] = now + ttl_s
        order.append((now + ttl_s, key))
        return True

    async def close(self) -> None:
        self._issued.clear()
        self._claimed.clear()
        self._claim_order.clear()
