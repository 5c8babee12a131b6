"""One RTM socket: what it follows, its bounded send queue, and the frames its client sends."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Coroutine
from collections.abc import Set as AbstractSet
from typing import TYPE_CHECKING, Any, TypeVar

import orjson
import structlog
from starlette.websockets import WebSocket, WebSocketDisconnect

from hubbub.domain.errors import SlackError
from hubbub.domain.model import Identity
from hubbub.realtime import client_frames
from hubbub.realtime.frames import (
    CURSOR_FIELD,
    HELLO,
    IM_CREATED,
    JOIN_NOTICE,
    MAX_CLIENT_FRAME,
    MEMBER_LEFT,
    PRESENCE_CHANGE,
    RESYNC,
    USER_TYPING,
    error_frame,
    event_field,
    frame,
    im_as_seen_by,
    logged_frame,
    presence_as_batch,
    presence_frames,
    reply_error,
)
from hubbub.realtime.sequencer import PAGE, Sequencer, retry_delay
from hubbub.realtime.socket import RtmProtocol, payload_at, text_frame
from hubbub.realtime.throttle import refusal
from hubbub.services import realtime

if TYPE_CHECKING:
    from hubbub.realtime.gateway import Gateway

log = structlog.get_logger()

T = TypeVar("T")

GOODBYE_TIMEOUT_S = 3.0

# Error codes of RTM replies (Slack's are not documented beyond their messages).
E_INVALID = 1
E_REQUEST = 2
E_UNSUPPORTED = 3
E_TOO_LARGE = 4


class Session:
    # Slots: one per socket, and every byte counts at 10,000 sockets.
    __slots__ = (
        "batch_presence",
        "closing",
        "ended",
        "flush_due",
        "following",
        "gateway",
        "hosts",
        "limit",
        "page",
        "presence_subs",
        "queue",
        "rejoined",
        "room",
        "sent",
        "socket",
        "who",
        "ws",
    )

    def __init__(
        self,
        gateway: Gateway,
        websocket: WebSocket,
        socket: RtmProtocol,
        who: Identity,
        *,
        batch_presence: bool = False,
    ) -> None:
        self.gateway = gateway
        self.ws = websocket
        self.socket = socket
        self.who = who
        self.batch_presence = batch_presence
        # The people whose presence streams this session follows (presence_sub).
        self.presence_subs: AbstractSet[str] = frozenset()  # shared empty: most never subscribe
        # (stream, seq or 0, frame as written): what waits for the next flush, in order; a
        # logged event's frame is the feed's, the same bytes for every socket. It only outlives
        # a loop turn while the socket's own buffer is over its high-water mark (the client is
        # not reading); then more than `limit` frames in it at a flush make the client too slow.
        self.queue: list[tuple[str, int, bytes]] = []
        self.limit = gateway.send_queue
        self.flush_due = False
        # Replays read the log a page at a time, and only while the queue has room for a page:
        # a resume far behind must not look like a slow consumer. Made when a replay waits.
        self.page = max(1, min(PAGE, self.limit // 2))
        self.room: asyncio.Event | None = None
        self.following: dict[str, Sequencer] = {}
        # The last seq of each stream written to the socket: the resume cursor of a goodbye.
        self.sent: dict[str, int] = {}
        self.rejoined: dict[str, int] = {}
        # Conversations this session saw the person leave: stream -> the leave's seq. A join
        # from before it, told late, is old news.
        self.ended: dict[str, int] = {}
        # Shared channels hosted by another workspace: stream -> the host, whose shard has the
        # log. Learnt only from the server (where the session starts, join notices).
        self.hosts: dict[str, str] = {}
        self.closing = False
        socket.on_writable = self._due

    # -- lifecycle ---------------------------------------------------------------------------

    async def run(self, start: realtime.Start) -> None:
        """Delivers from the start positions until the socket closes; reads the client's
        frames meanwhile."""
        self.sent.update(start.positions)
        self.hosts.update(start.hosts)
        hello = {"type": HELLO, CURSOR_FIELD: realtime.format_cursor(start.positions)}
        self._send(frame(hello))
        if start.resync:
            self._send(frame({"type": RESYNC, CURSOR_FIELD: hello[CURSOR_FIELD]}))
        self.gateway.attach(self, realtime_user_stream(self.who), 0)
        for stream, pos in start.positions.items():
            if stream in start.left:
                self.follow(stream, pos, start.left[stream], live=False)
            else:
                self.follow(stream, pos, start.heads.get(stream))
        # Events (and join notices) published between the snapshot and the subscriptions
        # reached nobody here: streams whose head moved read them from the log, and
        # conversations joined meanwhile are followed from the join.
        heads = await self._follow_memberships()
        for stream, head in heads.items():
            sequencer = self.following.get(stream)
            if sequencer is not None and head > sequencer.pos:
                sequencer.catch_up()
        await self._read()

    def close(self) -> None:
        self.closing = True
        for stream in list(self.following):
            self.unfollow(stream)
        for user_id in self.presence_subs:
            self.gateway.detach(self, realtime.presence_stream(user_id))
        self.presence_subs = frozenset()
        self.gateway.detach(self, realtime_user_stream(self.who))
        self.queue.clear()
        self.socket.on_writable = None
        if self.room is not None:
            self.room.set()

    def finish(self) -> None:
        """Server shutdown: the socket closes, which ends run()."""
        self._spawn(self._close(1001))

    # -- what the session follows ------------------------------------------------------------

    def follow(self, stream: str, pos: int, head: int | None, *, live: bool = True) -> None:
        """Starts delivering a stream after seq pos; head is the log's last seq if known.

        Not live: only what the log holds, until the person's own leave ends it (a stream
        they left while away)."""
        if stream in self.following or self.closing:
            return
        sequencer = Sequencer(
            stream,
            pos,
            self._read_log,
            self._deliver,
            page=self.page,
            held_max=self.gateway.held_events,
            lost=self._trimmed,
        )
        self.following[stream] = sequencer
        self.ended.pop(stream, None)
        self.sent.setdefault(stream, pos)
        if live:
            self.gateway.attach(self, stream, pos if head is None else head)
        if head is None or pos < head:
            sequencer.catch_up()

    async def _follow_memberships(self) -> dict[str, int]:
        """Follows every conversation the person is in now that this session does not, from
        the join; returns the heads of all of them."""
        now = await self._retried(lambda: realtime.heads(self.gateway.hub, self.who))
        if now is None:
            return {}
        self.hosts.update(now.hosts)
        await self._follow_joined([s for s in now.positions if s not in self.following])
        return now.positions

    async def _follow_joined(self, streams: list[str]) -> None:
        """Follows each of these conversations the person is in now from their join, as the
        store says: a join notice only says where to look (it may come late, after a leave)."""
        if not streams:
            return
        joins = await self._retried(lambda: realtime.joined(self.gateway.hub, self.who, streams))
        for stream, pos in (joins or {}).items():
            left = self.ended.get(stream)
            if left is None or pos >= left:
                self.follow(stream, pos, None)

    async def _retried(self, read: Callable[[], Awaitable[T]]) -> T | None:
        """A read of what the session follows, tried until the store answers; None if the
        session closed meanwhile. Giving up would leave the socket without a conversation."""
        failures = 0
        while not self.closing:
            try:
                return await read()
            except Exception as exc:
                failures += 1
                log.warning(
                    "rtm_membership_read_failed",
                    user=self.who.user_id,
                    failures=failures,
                    error=f"{type(exc).__name__}: {exc}",
                )
                await asyncio.sleep(retry_delay(failures))
        return None

    def resumed(self, stream: str) -> None:
        """The bus may have dropped events of the stream: on the person's own stream, join
        notices, which no log holds. What they joined meanwhile is read from the store."""
        if stream == realtime_user_stream(self.who) and not self.closing:
            self._spawn(self._follow_memberships())

    def log_team(self, stream: str) -> str:
        """The workspace whose shard holds the stream's log."""
        return self.hosts.get(stream, self.who.team_id)

    def unfollow(self, stream: str) -> None:
        sequencer = self.following.pop(stream, None)
        if sequencer is not None:
            sequencer.close()
            self.gateway.detach(self, stream)

    async def _read_log(self, stream: str, after: int) -> list[tuple[int, bytes]]:
        while len(self.queue) > self.limit - self.page and not self.closing:
            self.room = self.room or asyncio.Event()
            self.room.clear()
            await self.room.wait()
        rows = await self.gateway.read_log(self.log_team(stream), stream, after, self.page)
        return [(seq, logged_frame(stream, seq, data)) for seq, data in rows]

    # -- frames in from the gateway ----------------------------------------------------------

    def push(self, stream: str, seq: int, wire: bytes) -> None:
        """A logged event of a stream, framed (logged_frame), from the feed: in order from the
        feed's point of view."""
        sequencer = self.following.get(stream)
        if sequencer is not None:
            sequencer.push(seq, wire)

    def _deliver(self, stream: str, seq: int, wire: bytes) -> None:
        at = payload_at(wire)
        if wire.startswith(IM_CREATED, at):
            self._enqueue(stream, seq, text_frame(im_as_seen_by(wire[at:], self.who.user_id)))
            return
        self._enqueue(stream, seq, wire)
        if wire.startswith(MEMBER_LEFT, at) and event_field(wire[at:], "user") == self.who.user_id:
            # The person left (or was removed): they see that event, then nothing more of it.
            self.unfollow(stream)
            self.ended[stream] = seq
            after = self.rejoined.pop(stream, None)
            if after is not None and after >= seq:
                self.follow(stream, after, None)

    def ephemeral(self, stream: str, data: bytes, wire: bytes) -> None:
        """Seq 0: never logged, best effort, passed on as it came (docs/architecture.md §3);
        wire is data framed."""
        if data.startswith(JOIN_NOTICE):
            if stream == realtime_user_stream(self.who):
                self._joined(orjson.loads(data))
            return
        if data.startswith(USER_TYPING) and event_field(data, "user") == self.who.user_id:
            return
        if data.startswith(PRESENCE_CHANGE) and self.batch_presence:
            wire = text_frame(presence_as_batch(data))
        self._enqueue(stream, 0, wire)

    def _joined(self, notice: dict[str, Any]) -> None:
        channel, after = notice.get("channel"), notice.get("after")
        if not isinstance(channel, str) or not isinstance(after, int):
            return
        team = notice.get("team")
        if isinstance(team, str) and team != self.who.team_id:
            self.hosts[channel] = team
        current = self.following.get(channel)
        if current is None:
            self._spawn(self._follow_joined([channel]))
        elif current.pos < after:
            # Joined again before this session saw the person leave: follow again after that.
            self.rejoined[channel] = after

    # -- the send queue ----------------------------------------------------------------------

    def _enqueue(self, stream: str, seq: int, wire: bytes) -> None:
        # Never refused here: what one loop turn brings (a group commit answers up to 512
        # posts at once) reached the queue before the client could read any of it. The bound
        # is checked at the flush, against what the transport would not take.
        if not self.closing:
            self.queue.append((stream, seq, wire))
            if not self.flush_due:
                self._due()

    def _send(self, payload: bytes) -> None:
        self._enqueue("", 0, text_frame(payload))

    def _due(self) -> None:
        if not self.flush_due:
            self.flush_due = True
            self.gateway.flush_soon(self)

    def flush(self) -> None:
        """Writes everything queued in one write, unless the socket is paused (the gateway
        calls this once per loop turn for each session that has something queued)."""
        self.flush_due = False
        queue, socket = self.queue, self.socket
        if self.closing or not queue:
            return
        if socket.paused:
            # Frames held back because the client has not read what its buffer holds: past
            # the bound, it is too slow.
            if len(queue) > self.limit:
                self._too_slow()
            return
        sent = self.sent
        if len(queue) == 1:  # the common case: one event, its bytes as the feed framed them
            stream, seq, wire = queue[0]
            if seq > 0:
                sent[stream] = seq
        else:
            for stream, seq, _ in queue:
                if seq > 0:
                    sent[stream] = seq
            wire = b"".join([w for _, _, w in queue])
        queue.clear()
        socket.write_frames(wire)
        if self.room is not None:
            self.room.set()

    def _too_slow(self) -> None:
        """A client that stops reading is let go with where it got to, never slowing others."""
        log.info("rtm_too_slow", user=self.who.user_id, queued=len(self.queue))
        self._goodbye("too_slow")

    def _trimmed(self, stream: str) -> None:
        """A replay fell behind what the stream's log still holds (the sweep trimmed it while
        the replay waited): it cannot be made whole. The client is let go with where it got to;
        resuming from there, it is told to resync."""
        if self.closing:
            return
        log.info("rtm_replay_trimmed", user=self.who.user_id, stream=stream)
        self.queue.clear()
        self._goodbye("resync_required")

    def _goodbye(self, reason: str) -> None:
        self.closing = True
        self.queue.clear()
        goodbye = {
            "type": "goodbye",
            "reason": reason,
            # Exactly the last frame that went out: frames are written whole or not at all.
            CURSOR_FIELD: realtime.format_cursor(self.sent),
        }
        # Past the high-water mark, but one small frame more is the bound's last word.
        self.socket.write_frames(text_frame(frame(goodbye)))
        self._spawn(self._close(1008))

    async def _close(self, code: int) -> None:
        """Closes the socket, which ends run(). A client that reads nothing cannot take the
        close frame either: after a while its connection is dropped."""
        try:
            await asyncio.wait_for(self.ws.close(code), GOODBYE_TIMEOUT_S)
        except Exception:
            self.socket.transport.abort()

    def _spawn(self, work: Coroutine[Any, Any, object]) -> None:
        task = asyncio.ensure_future(work)
        self.gateway.tasks.add(task)
        task.add_done_callback(self.gateway.tasks.discard)

    # -- frames in from the client -----------------------------------------------------------

    async def _read(self) -> None:
        while True:
            try:
                message = await self.ws.receive()
            except WebSocketDisconnect:
                return
            if message["type"] == "websocket.disconnect":
                return
            raw = message.get("text")
            if raw is None:
                raw = message.get("bytes") or b""
            size = len(raw) if isinstance(raw, bytes) else len(raw.encode())
            if size > MAX_CLIENT_FRAME:
                self._send(error_frame(E_TOO_LARGE, "message_too_long"))
                self.flush()
                self.closing = True
                await self._close(1009)
                return
            try:
                body = orjson.loads(raw)
            except orjson.JSONDecodeError:
                self._send(error_frame(E_INVALID, "invalid_json"))
                continue
            if not isinstance(body, dict):
                self._send(error_frame(E_INVALID, "invalid_json"))
                continue
            await self._handle(body)

    async def _handle(self, body: dict[str, Any]) -> None:
        try:
            got = client_frames.parse(body)
        except client_frames.Refused as exc:
            code = E_UNSUPPORTED if exc.unsupported else E_INVALID
            self._send(reply_error(exc.reply_to, code, exc.msg))
            return
        refused = await refusal(self.gateway.hub, self.who, self.ws, got.type, got.id)
        if refused is not None:
            self._send(refused)
            return
        match got:
            case client_frames.Ping():
                echoed = {k: v for k, v in body.items() if k not in ("type", "id")}
                self._send(frame({"type": "pong", "reply_to": got.id, **echoed}))
            case client_frames.Message():
                await self._message(got)
            case client_frames.Typing():
                await self._typing(got.channel)
            case client_frames.PresenceSub():
                await self._presence_sub(got.ids)
            case client_frames.PresenceQuery():
                await self._presence_query(got.ids)
            case _:
                return  # tickle: accepted; activity is not tracked beyond open sockets

    async def _message(self, got: client_frames.Message) -> None:
        if got.id is None:
            self._send(error_frame(E_INVALID, "id_required"))
            return
        try:
            msg = await realtime.send_message(self.gateway.hub, self.who, got.channel, got.text)
        except SlackError as exc:
            self._send(reply_error(got.id, E_REQUEST, exc.code))
            return
        self._send(frame({"ok": True, "reply_to": got.id, "ts": msg.ts, "text": msg.text}))

    async def _presence_sub(self, ids: list[str]) -> None:
        """Follows exactly the presence of these people of the workspace (Slack: each
        presence_sub names the whole list), and tells the current presence of those added."""
        hub = self.gateway.hub
        wanted = set(await realtime.presence_of(hub, self.who, ids))
        if self.closing:
            return
        for user_id in self.presence_subs - wanted:
            self.gateway.detach(self, realtime.presence_stream(user_id))
        added = [u for u in ids if u in wanted]
        added = [u for u in dict.fromkeys(added) if u not in self.presence_subs]
        for user_id in added:
            self.gateway.attach(self, realtime.presence_stream(user_id), 0)
        self.presence_subs = wanted
        if added:
            # Read after subscribing: a change in between is both told live and read here.
            await self._presence_query(added)

    async def _presence_query(self, ids: list[str]) -> None:
        states = await realtime.presence_of(self.gateway.hub, self.who, ids)
        for framed in presence_frames(states, batch=self.batch_presence):
            self._send(framed)

    async def _typing(self, channel: str) -> None:
        with contextlib.suppress(SlackError):
            await realtime.typing(self.gateway.hub, self.who, channel)


def realtime_user_stream(who: Identity) -> str:
    return realtime.user_stream(who.user_id)
