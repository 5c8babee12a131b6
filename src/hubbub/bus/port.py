"""The Bus port: publish a committed event of a stream; subscribers get (stream, seq, bytes)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

Handler = Callable[[str, int, bytes], None]


class Subscription(Protocol):
    def close(self) -> None: ...


class Bus(Protocol):
    async def publish(self, stream: str, seq: int, data: bytes) -> None:
        """Delivery is at least once and may repeat; receivers drop seq they have seen."""
        ...

    def subscribe(self, stream: str, handler: Handler) -> Subscription: ...

    async def close(self) -> None: ...
