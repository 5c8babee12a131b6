"""The in-process bus of the embedded deployment: a publish calls each subscriber directly."""

from __future__ import annotations

from hubbub.bus.port import Handler, Resume


class _Subscription:
    def __init__(self, bus: MemoryBus, stream: str, handler: Handler) -> None:
        self._bus, self._stream, self._handler = bus, stream, handler

    def close(self) -> None:
        handlers = self._bus.handlers.get(self._stream)
        if handlers is not None:
            handlers.discard(self._handler)
            if not handlers:
                del self._bus.handlers[self._stream]


class MemoryBus:
    def __init__(self) -> None:
        self.handlers: dict[str, set[Handler]] = {}

    async def publish(self, stream: str, seq: int, data: bytes) -> None:
        for handler in tuple(self.handlers.get(stream, ())):
            handler(stream, seq, data)

    def subscribe(
        self, stream: str, handler: Handler, *, on_resume: Resume | None = None
    ) -> _Subscription:
        # A publish here calls its handlers before it returns: nothing is ever missed, so
        # on_resume is never called.
        self.handlers.setdefault(stream, set()).add(handler)
        return _Subscription(self, stream, handler)

    async def close(self) -> None:
        self.handlers.clear()
