"""Socket Mode: apps' own WebSockets (`apps.connections.open`), and the envelopes sent on them.

An app may hold several connections; this process subscribes to the app's bus topic while it holds
any of them, and gives each envelope published there to one of them, in turn. Every process holding
connections of the app hears the envelope, so each claims it first (the tickets port: in memory
when embedded, SET NX in Redis when scaled) and only the one whose claim wins sends it: the app
gets each envelope once, whatever the number of processes. The app's ack (`{"envelope_id": …,
"payload": …}`) goes back on the envelope's reply topic to whoever waits for it
(services/app_sockets.py socket_send), in this process or another. A connection lives for
`socket_lifetime_s`: a `disconnect` of reason `warning` comes `socket_warning_s` before its end,
then `refresh_requested`, and the client opens a new one, as Slack's do. From the warning on, new
envelopes go to the app's other connections if it has any; and when a connection closes (a refresh,
or the client going), what was sent on it and not acked is sent again at once on another of the
app's connections here (`retry_attempt` one more, `retry_reason` `connection_closed`), instead of
waiting for the sender's ack timeout and its delivery's next try.

An app that stops reading its sockets must not cost this process a task per envelope: at most
`in_flight` envelopes of an app are being claimed or sent here at once, and a send waits for a
paused socket no longer than the sender waits for the ack. An envelope past the bound is left
unclaimed: another process holding the app's sockets may send it, else no ack comes and its
`deliver` job tries again after Slack's delays, as for an app that does not ack.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, replace
from typing import Any

import orjson
import structlog
from starlette.websockets import WebSocket, WebSocketDisconnect

from hubbub.bus.port import Subscription
from hubbub.domain.model import Identity
from hubbub.realtime.frames import EXPIRED, MAX_CLIENT_FRAME
from hubbub.services import app_sockets
from hubbub.services.hub import Hub

log = structlog.get_logger()

MAX_CONNECTIONS = 10
# Envelopes not acked after this long are forgotten here: the sender has given up on them.
PENDING_S = 120.0
# Claims of envelopes, in the tickets port's keys (each envelope's id is new: no reuse). A
# claim need only outlast the moments between the processes hearing one publish.
CLAIM_PREFIX = "envelope:"
CLAIM_S = 30.0
DEBUG_HOST = "hubbub"
# Envelopes of one app claimed or sent at once (a setting: socket_mode_in_flight, config.py).
IN_FLIGHT = 100


# An envelope sent again because the connection it was sent on closed before its ack.
RETRY_REASON = "connection_closed"


class Connection:
    __slots__ = ("app_id", "closed", "opened", "retiring", "ws")

    def __init__(self, ws: WebSocket, app_id: str) -> None:
        self.ws, self.app_id = ws, app_id
        self.opened = time.monotonic()
        self.closed = False
        # Warned of its refresh: new envelopes go to the app's other connections, if any.
        self.retiring = False

    async def send(self, body: dict[str, Any]) -> None:
        if self.closed:
            return
        try:
            await self.ws.send_text(orjson.dumps(body).decode())
        except (WebSocketDisconnect, RuntimeError, OSError):
            self.closed = True


@dataclass(slots=True)
class Sent:
    reply: str  # the topic the ack goes back on
    at: float
    envelope: dict[str, Any]
    connection: Connection


class SocketModeGateway:
    def __init__(self, hub: Hub, *, in_flight: int = IN_FLIGHT) -> None:
        self.hub = hub
        self.in_flight = in_flight
        # app_id -> envelopes of the app being claimed or sent now (no entry: none)
        self.busy: dict[str, int] = {}
        self.connections: dict[str, list[Connection]] = {}
        self.subscriptions: dict[str, Subscription] = {}
        self.turn: dict[str, int] = {}
        # envelope_id -> what was sent and not acked yet
        self.pending: dict[str, Sent] = {}
        self.tasks: set[asyncio.Task[None]] = set()

    # -- sockets ------------------------------------------------------------------------------

    async def endpoint(self, websocket: WebSocket) -> None:
        """/link/?ticket=…, as apps.connections.open handed out."""
        await websocket.accept()
        who = await app_sockets.consume_socket_ticket(
            self.hub, websocket.query_params.get("ticket", "")
        )
        if who is None or who.app_id is None:
            await websocket.send_text(EXPIRED.decode())
            await websocket.close(1008)
            return
        held = self.connections.get(who.app_id, [])
        if len(held) >= MAX_CONNECTIONS:
            await websocket.send_text(
                orjson.dumps({"type": "disconnect", "reason": "too_many_websockets"}).decode()
            )
            await websocket.close(1008)
            return
        connection = self._add(websocket, who)
        timings = self.hub.app_timings
        await connection.send(
            {
                "type": "hello",
                "num_connections": len(self.connections[who.app_id]),
                "debug_info": {
                    "host": DEBUG_HOST,
                    "build_number": 1,
                    "approximate_connection_time": int(timings.socket_lifetime_s),
                },
                "connection_info": {"app_id": who.app_id},
            }
        )
        refresh = asyncio.get_running_loop().create_task(self._refresh(connection))
        try:
            await self._read(connection)
        except Exception:
            log.exception("socket_mode_failed", app=who.app_id)
        finally:
            refresh.cancel()
            self._drop(connection)

    def _add(self, websocket: WebSocket, who: Identity) -> Connection:
        assert who.app_id is not None
        connection = Connection(websocket, who.app_id)
        held = self.connections.setdefault(who.app_id, [])
        held.append(connection)
        if who.app_id not in self.subscriptions:
            self.subscriptions[who.app_id] = self.hub.bus.subscribe(
                app_sockets.app_stream(who.app_id), self._on_bus
            )
        return connection

    def _drop(self, connection: Connection) -> None:
        connection.closed = True
        held = self.connections.get(connection.app_id, [])
        if connection in held:
            held.remove(connection)
        self._send_again(connection)
        if not held:
            self.connections.pop(connection.app_id, None)
            subscription = self.subscriptions.pop(connection.app_id, None)
            if subscription is not None:
                subscription.close()

    def _send_again(self, closed: Connection) -> None:
        """What was sent on a closed connection and not acked, sent at once on another of the
        app's connections; with none left here, the sender's ack timeout and its delivery's
        next try bring it again."""
        orphans = [(k, v) for k, v in self.pending.items() if v.connection is closed]
        for envelope_id, sent in orphans:
            others = self._held(closed.app_id)
            if not others:
                del self.pending[envelope_id]
                continue
            envelope = {
                **sent.envelope,
                "retry_attempt": int(sent.envelope.get("retry_attempt", 0)) + 1,
                "retry_reason": RETRY_REASON,
            }
            target = self._next(closed.app_id, others)
            self.pending[envelope_id] = replace(
                sent, at=time.monotonic(), envelope=envelope, connection=target
            )
            task = asyncio.get_running_loop().create_task(self._send(target, envelope))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def _read(self, connection: Connection) -> None:
        while True:
            message = await connection.ws.receive()
            if message["type"] == "websocket.disconnect":
                return
            text = message.get("text")
            if text is None and message.get("bytes") is not None:
                text = message["bytes"].decode(errors="replace")
            if not text or len(text) > MAX_CLIENT_FRAME * 4:
                continue
            try:
                body = orjson.loads(text)
            except orjson.JSONDecodeError:
                continue
            if isinstance(body, dict) and isinstance(body.get("envelope_id"), str):
                await self._acked(body["envelope_id"], body.get("payload"))

    async def _acked(self, envelope_id: str, payload: Any) -> None:
        found = self.pending.pop(envelope_id, None)
        if found is not None:
            await app_sockets.socket_ack(self.hub, found.reply, payload)

    async def _refresh(self, connection: Connection) -> None:
        """Slack refreshes its connections now and then; clients reconnect when told to."""
        timings = self.hub.app_timings
        await asyncio.sleep(max(0.0, timings.socket_lifetime_s - timings.socket_warning_s))
        connection.retiring = True
        await connection.send(self._disconnect("warning"))
        await asyncio.sleep(timings.socket_warning_s)
        await self._close(connection, "refresh_requested")

    def _disconnect(self, reason: str) -> dict[str, Any]:
        return {
            "type": "disconnect",
            "reason": reason,
            "debug_info": {"host": DEBUG_HOST},
        }

    async def _close(self, connection: Connection, reason: str) -> None:
        await connection.send(self._disconnect(reason))
        connection.closed = True
        self._drop(connection)
        with contextlib.suppress(Exception):
            await connection.ws.close(1000)

    # -- envelopes ----------------------------------------------------------------------------

    def _on_bus(self, stream: str, _seq: int, data: bytes) -> None:
        try:
            body = orjson.loads(data)
            envelope, reply = body["envelope"], body["reply"]
        except (orjson.JSONDecodeError, KeyError, TypeError):
            return
        if not self._held(stream):
            return  # no ack: the sender tries again later
        busy = self.busy.get(stream, 0)
        if busy >= self.in_flight:
            log.warning("socket_mode_busy", app=stream, in_flight=busy)
            return  # unclaimed: another process sends it, or the sender tries again later
        self.busy[stream] = busy + 1
        task = asyncio.get_running_loop().create_task(self._deliver(stream, envelope, reply))
        self.tasks.add(task)
        task.add_done_callback(lambda done: self._done(stream, done))

    def _done(self, app_id: str, task: asyncio.Task[None]) -> None:
        self.tasks.discard(task)
        busy = self.busy[app_id] - 1
        if busy:
            self.busy[app_id] = busy
        else:
            del self.busy[app_id]

    def _held(self, app_id: str) -> list[Connection]:
        """The app's open connections here; those not warned of their refresh, if any are."""
        held = [c for c in self.connections.get(app_id, []) if not c.closed]
        return [c for c in held if not c.retiring] or held

    def _next(self, app_id: str, held: list[Connection]) -> Connection:
        turn = self.turn.get(app_id, 0)
        self.turn[app_id] = turn + 1
        return held[turn % len(held)]

    async def _send(self, connection: Connection, envelope: dict[str, Any]) -> None:
        try:
            # A socket whose app does not read stays paused: past the ack timeout the sender
            # has given up, and the envelope (never written) goes again with its retry.
            await asyncio.wait_for(connection.send(envelope), self.hub.app_timings.ack_timeout_s)
        except TimeoutError:
            self.pending.pop(envelope["envelope_id"], None)
            log.warning("socket_mode_send_timeout", app=connection.app_id)

    async def _deliver(self, app_id: str, envelope: dict[str, Any], reply: str) -> None:
        envelope_id = envelope["envelope_id"]
        try:
            if not await self.hub.tickets.claim(CLAIM_PREFIX + envelope_id, CLAIM_S):
                return  # another process holding the app's sockets sends it
        except Exception as exc:  # Redis away: no ack comes, and the sender tries again
            log.warning("socket_mode_claim_failed", app=app_id, error=str(exc))
            return
        held = self._held(app_id)
        if not held:
            return  # closed while claiming: the ack times out and the envelope is sent again
        target = self._next(app_id, held)
        now = time.monotonic()
        if len(self.pending) > 1000:
            self.pending = {k: v for k, v in self.pending.items() if now - v.at < PENDING_S}
        self.pending[envelope_id] = Sent(reply, now, envelope, target)
        await self._send(target, envelope)

    async def stop(self) -> None:
        for held in list(self.connections.values()):
            for connection in list(held):
                await self._close(connection, "refresh_requested")
