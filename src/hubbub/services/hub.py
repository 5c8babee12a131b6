"""What every use case needs: the ports, and one way to commit a unit of work with its events."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import orjson

from hubbub.bus.port import Bus
from hubbub.domain.ts import from_micros
from hubbub.presence.port import Presence
from hubbub.store.port import Store
from hubbub.store.tx import Tx

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Published:
    stream: str
    seq: int
    payload: bytes
    outbox_id: int


class EventLog:
    """Allocates positions in channel and team streams and logs events, inside one transaction."""

    def __init__(self, tx: Tx) -> None:
        self.tx = tx
        self.published: list[Published] = []

    def message_position(self, team_id: str, channel_id: str) -> tuple[int, str]:
        """The next seq of the channel and a ts strictly greater than any before it."""
        return self.tx.next_message_position(team_id, channel_id)

    def tx_ts(self) -> str:
        """The time of this unit of work in ts form, for fields such as `edited.ts`."""
        return from_micros(self.tx.now_us)

    def emit(self, team_id: str, stream: str, seq: int, event: dict[str, Any]) -> None:
        payload = orjson.dumps(event)
        outbox_id = self.tx.append_event(team_id, stream, seq, event["type"], payload)
        self.published.append(Published(stream, seq, payload, outbox_id))

    def channel_event(self, team_id: str, channel_id: str, event: dict[str, Any]) -> None:
        seq = self.tx.next_seq(team_id, channel_id)
        event.setdefault("event_ts", from_micros(self.tx.now_us))
        self.emit(team_id, channel_id, seq, event)

    def team_event(self, team_id: str, event: dict[str, Any]) -> None:
        seq = self.tx.next_team_seq(team_id)
        event.setdefault("event_ts", from_micros(self.tx.now_us))
        self.emit(team_id, team_id, seq, event)


@dataclass
class Hub:
    store: Store
    bus: Bus
    presence: Presence
    base_url: str = "http://127.0.0.1:8080"
    # Outbox rows this process has published; the relay deletes them (jobs/relay.py).
    published_outbox: list[int] = field(default_factory=list)

    async def commit(self, fn: Callable[[Tx, EventLog], T]) -> T:
        """Runs fn in one write transaction; publishes its events only after the commit."""

        def unit(tx: Tx) -> tuple[T, list[Published]]:
            log = EventLog(tx)
            return fn(tx, log), log.published

        result, published = await self.store.write(unit)
        for event in published:
            await self.bus.publish(event.stream, event.seq, event.payload)
            self.published_outbox.append(event.outbox_id)
        return result

    async def read(self, fn: Callable[[Tx], T], *, snapshot: bool = True) -> T:
        return await self.store.read(fn, snapshot=snapshot)
