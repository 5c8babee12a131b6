"""The sockets of the workload: RTM receivers, one per person, that never stop (they reconnect
with jitter after any disconnect and resume from their own cursor), and a Socket Mode app that
acks every envelope. What they get is recorded as it arrives."""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import Sequence
from typing import Any

import httpx
import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from hubbub_chaos import api
from hubbub_chaos.history import Recv, Resync, Session
from hubbub_chaos.journal import Journal
from hubbub_chaos.sinks import ref_of

# A stopped server answers no ping: past this the socket is taken for dead and opened again.
PING_INTERVAL_S = 1.0
PING_TIMEOUT_S = 3.0
_DROPPED = (OSError, ConnectionClosed, InvalidHandshake, TimeoutError, httpx.HTTPError)


def parse_cursor(cursor: str) -> dict[str, int]:
    """ "T1:17,C2:42" -> {"T1": 17, "C2": 42}."""
    out: dict[str, int] = {}
    for part in cursor.split(","):
        stream, _, seq = part.rpartition(":")
        if stream:
            out[stream] = int(seq)
    return out


def join_cursor(positions: dict[str, int]) -> str:
    return ",".join(f"{stream}:{seq}" for stream, seq in positions.items())


async def open_socket(url: str) -> ClientConnection:
    return await connect(
        url,
        open_timeout=api.TIMEOUT_S,
        ping_interval=PING_INTERVAL_S,
        ping_timeout=PING_TIMEOUT_S,
        close_timeout=1,
        max_size=None,
    )


class Receiver:
    """An RTM client of one person: a Session on each hello, a Recv for each event with a
    position, a Resync on resync_required or a goodbye saying so."""

    def __init__(
        self,
        name: str,
        user: str,
        token: str,
        base: str | Sequence[str],
        journal: Journal,
        rng: random.Random,
        start: int = 0,
    ) -> None:
        """base: the Web API's URL, or several to spread over (from `start`) and fail over."""
        self.name, self.token, self.journal, self.rng = name, token, journal, rng
        self.bases = api.Bases(base, start)
        self.user = user
        self.positions: dict[str, int] = {}
        self.sessions = 0
        self.connected = False
        self.last_frame = time.monotonic()

    async def run(self) -> None:
        async with api.client() as http:
            while True:
                before = self.sessions
                with contextlib.suppress(*_DROPPED):
                    await self._session(http)
                if self.sessions == before:  # no hello: that serve (or its gateway) is away
                    self.bases.failed()
                self.connected = False
                await asyncio.sleep(self.rng.uniform(0.05, 0.5))

    async def _session(self, http: httpx.AsyncClient) -> None:
        resume = join_cursor(self.positions) if self.positions else None
        answer = await api.call(http, self.bases.url, self.token, "rtm.connect", resume=resume)
        if not answer.ok:
            return
        async with await open_socket(str(answer.body["url"])) as ws:
            hello = orjson.loads(await asyncio.wait_for(ws.recv(), api.TIMEOUT_S))
            if hello.get("type") != "hello":
                return
            cursor = parse_cursor(str(hello.get("hubbub_cursor", "")))
            self.sessions += 1
            self.connected = True
            self.positions.update(cursor)
            self.journal.add(
                Session(
                    self.name,
                    self.sessions,
                    resume is not None,
                    cursor,
                    time.monotonic(),
                    user=self.user,
                )
            )
            async for raw in ws:
                self.last_frame = time.monotonic()
                self._frame(orjson.loads(raw))

    def _frame(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        cursor = event.get("hubbub_cursor")
        if kind == "resync_required" or (
            kind == "goodbye" and event.get("reason") == "resync_required"
        ):
            fresh = parse_cursor(str(cursor or ""))
            self.journal.add(Resync(self.name, self.sessions, fresh, time.monotonic()))
            self.positions = fresh
            return
        if kind == "goodbye":
            self.positions.update(parse_cursor(str(cursor or "")))
            return
        if not cursor or "," in str(cursor):
            return
        stream, _, seq = str(cursor).rpartition(":")
        if int(seq) <= 0:
            return
        body = {k: v for k, v in event.items() if k not in ("hubbub_cursor", "event_ts")}
        self.journal.add(Recv(self.name, self.sessions, stream, int(seq), body, time.monotonic()))
        self.positions[stream] = int(seq)


class SocketModeApp:
    """A Socket Mode app that acks every envelope once it has recorded it."""

    def __init__(
        self,
        app_token: str,
        base: str | Sequence[str],
        journal: Journal,
        rng: random.Random,
        start: int = 0,
    ) -> None:
        self.app_token, self.journal, self.rng = app_token, journal, rng
        self.bases = api.Bases(base, start)
        self.connections = 0
        self.envelopes = 0

    async def run(self) -> None:
        async with api.client() as http:
            while True:
                before = self.connections
                with contextlib.suppress(*_DROPPED):
                    await self._connection(http)
                if self.connections == before:
                    self.bases.failed()
                await asyncio.sleep(self.rng.uniform(0.05, 0.5))

    async def _connection(self, http: httpx.AsyncClient) -> None:
        answer = await api.call(http, self.bases.url, self.app_token, "apps.connections.open")
        if not answer.ok:
            return
        async with await open_socket(str(answer.body["url"])) as ws:
            self.connections += 1
            async for raw in ws:
                frame = orjson.loads(raw)
                envelope = frame.get("envelope_id")
                if envelope is None:
                    continue
                payload = frame.get("payload") or {}
                if frame.get("type") == "events_api":
                    self.envelopes += 1
                    event = payload.get("event") or {}
                    self.journal.effect("socket_mode", str(payload.get("event_id")), ref_of(event))
                await ws.send(orjson.dumps({"envelope_id": envelope}).decode())
