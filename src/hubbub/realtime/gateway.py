"""The gateway: one bus subscription per stream any local session follows, fanned out to them.

A `Feed` is the gateway's view of one stream. Logged events (seq > 0) go through its
`Sequencer`, so each reaches the sessions once and in order however the bus delivers them, and
get their position spliced in and their WebSocket framing once, the same bytes for every
session; ephemeral ones (seq 0: typing, ephemeral messages, join notices) pass straight through,
framed once too. Sessions keep their own sequencer per stream too, because a session may start
behind or ahead of the feed (resume, a join) and catches up from the log.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import structlog
from starlette.websockets import WebSocket

from hubbub.bus.port import Subscription
from hubbub.realtime.frames import EXPIRED, logged_frame
from hubbub.realtime.sequencer import HELD_MAX, PAGE, Sequencer
from hubbub.realtime.socket import EXTENSION, RtmProtocol, text_frame
from hubbub.services import realtime
from hubbub.services.hub import Hub

if TYPE_CHECKING:
    from hubbub.realtime.session import Session

log = structlog.get_logger()


class Feed:
    def __init__(self, gateway: Gateway, team_id: str, stream: str, head: int) -> None:
        self.gateway, self.team_id, self.stream = gateway, team_id, stream
        self.sessions: set[Session] = set()
        self.sequencer = Sequencer(
            stream, head, self._read, self._fan, held_max=gateway.held_events
        )
        # After a bus outage the feed reads what it missed from the log, like after a gap.
        self.subscription: Subscription = gateway.hub.bus.subscribe(
            stream, self._on_bus, on_resume=self._resumed
        )

    def _resumed(self) -> None:
        self.sequencer.catch_up()
        # Notices are in no log: each session finds out itself what it may have missed.
        for session in tuple(self.sessions):
            session.resumed(self.stream)

    def _on_bus(self, stream: str, seq: int, data: bytes) -> None:
        if seq == 0:
            wire = text_frame(data)
            for session in tuple(self.sessions):
                session.ephemeral(stream, data, wire)
        else:
            self.sequencer.push(seq, data)

    async def _read(self, stream: str, after: int) -> list[tuple[int, bytes]]:
        return await self.gateway.read_log(self.team_id, stream, after)

    def _fan(self, stream: str, seq: int, data: bytes) -> None:
        wire = logged_frame(stream, seq, data)
        for session in tuple(self.sessions):
            session.push(stream, seq, wire)

    def close(self) -> None:
        self.subscription.close()
        self.sequencer.close()


class Gateway:
    def __init__(
        self,
        hub: Hub,
        *,
        send_queue: int,
        resume_max_events: int,
        held_events: int = HELD_MAX,
    ) -> None:
        self.hub = hub
        self.send_queue = send_queue
        self.resume_max_events = resume_max_events
        self.held_events = held_events
        self.feeds: dict[str, Feed] = {}
        self.sessions: set[Session] = set()
        # Sessions with frames queued since the last flush: written once per loop turn, so a
        # socket gets everything that arrived meanwhile in one write.
        self._due: list[Session] = []
        # Closing handshakes (too slow, shutdown) and membership reads under way: kept so they
        # are not collected.
        self.tasks: set[asyncio.Future[object]] = set()

    def flush_soon(self, session: Session) -> None:
        if not self._due:
            asyncio.get_running_loop().call_soon(self._flush)
        self._due.append(session)

    def _flush(self) -> None:
        due, self._due = self._due, []
        for session in due:
            session.flush()

    async def read_log(
        self, team_id: str, stream: str, after: int, limit: int = PAGE
    ) -> list[tuple[int, bytes]]:
        return await realtime.events_after(self.hub, team_id, stream, after, limit)

    def attach(self, session: Session, stream: str, head: int) -> None:
        feed = self.feeds.get(stream)
        if feed is None:
            feed = self.feeds[stream] = Feed(self, session.log_team(stream), stream, head)
        feed.sessions.add(session)

    def detach(self, session: Session, stream: str) -> None:
        feed = self.feeds.get(stream)
        if feed is None:
            return
        feed.sessions.discard(session)
        if not feed.sessions:
            feed.close()
            del self.feeds[stream]

    async def endpoint(self, websocket: WebSocket) -> None:
        """The RTM WebSocket: /rtm?ticket=... as rtm.connect handed out."""
        from hubbub.realtime.session import Session

        socket = websocket.scope.get("extensions", {}).get(EXTENSION)
        if not isinstance(socket, RtmProtocol):
            # Served without app.SERVER_OPTIONS: there is no way to write frames in batches.
            log.error("rtm_needs_hubbub_socket_protocol")
            await websocket.close(1011)
            return
        await websocket.accept()
        ticket = await realtime.consume_ticket(self.hub, websocket.query_params.get("ticket", ""))
        if ticket is None:
            await websocket.send_text(EXPIRED.decode())
            await websocket.close(1008)
            return
        start = await realtime.start(self.hub, ticket.who, ticket.resume, self.resume_max_events)
        session = Session(self, websocket, socket, ticket.who, batch_presence=ticket.batch_presence)
        self.sessions.add(session)
        await realtime.connected(self.hub, ticket.who)
        try:
            await session.run(start)
        except Exception:
            log.exception("rtm_session_failed", user=ticket.who.user_id)
        finally:
            session.close()
            self.sessions.discard(session)
            await realtime.disconnected(self.hub, ticket.who)

    async def stop(self) -> None:
        for session in tuple(self.sessions):
            session.finish()
