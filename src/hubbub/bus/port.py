"""The Bus port: publish a committed event of a stream; subscribers get (stream, seq, bytes).

Delivery is at least once and in publish order per publisher, but a bus that crosses processes can
lose messages while its connection is down. What makes delivery exactly once and never lost is the
log (docs/architecture.md §3): receivers drop a seq they have seen and read gaps from the log, the
outbox relay republishes what a publisher could not, and `on_resume` tells a subscriber when to
re-read the log because the bus itself may have dropped something.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

Handler = Callable[[str, int, bytes], None]
Resume = Callable[[], None]


class BusUnavailable(Exception):
    """The bus could not take a publish: its server is unreachable.

    Raised by `publish` only, never for a handler's failure. The event it was given is
    committed and logged: the caller must not report the write as failed, and must not mark
    its outbox row as published, so that the relay publishes it once the bus is back.
    """


class Subscription(Protocol):
    def close(self) -> None:
        """Stops delivery to this handler at once; closing twice does nothing."""
        ...


class Bus(Protocol):
    async def publish(self, stream: str, seq: int, data: bytes) -> None:
        """Delivery is at least once and may repeat; receivers drop seq they have seen.

        seq 0 marks an ephemeral event (typing, notices): never logged, best effort, so a
        receiver passes each one on and never reads the log for it. Raises `BusUnavailable`
        when the bus cannot take the event; nobody received it then.
        """
        ...

    def subscribe(
        self, stream: str, handler: Handler, *, on_resume: Resume | None = None
    ) -> Subscription:
        """Calls handler(stream, seq, data) on the event loop for each event of the stream,
        in the order they arrive, until the subscription is closed. Call it from the loop.

        on_resume is called, on the loop, whenever handler may have missed events of the
        stream, once the subscription is live: when it first takes effect on a bus that
        confirms subscriptions later than subscribe() returns, and after the bus lost its
        connection. Events published from then on reach handler; the owner reads the log for
        the ones before. A bus that delivers from the moment of subscribe() and cannot lose
        events (the in-process one) never calls it.
        """
        ...

    async def close(self) -> None: ...
