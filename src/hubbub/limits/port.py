"""The Limiter port: take one token from a named bucket, or learn how long to wait."""

from __future__ import annotations

from typing import Protocol


class Limiter(Protocol):
    async def take(self, key: str, rate_per_s: float, burst: int) -> float:
        """0.0 if allowed (a token is taken), else the seconds until one is available."""
        ...
