"""The bus of the scaled deployment: Redis pub/sub, one channel per stream, shared by processes.

A publish is one PUBLISH on `<prefix>s:<stream>` of a frame: the seq in 8 bytes big-endian,
then the event's bytes as they are. Each process holds one pub/sub connection, read by one
task, and subscribes to a stream's channel only while a local handler wants it.

Redis keeps nothing for a subscriber that is away, nor for one whose SUBSCRIBE it has not yet
confirmed. So the reader calls on_resume of each subscription whenever Redis confirms its
channel: when a stream is first subscribed (an event published between `subscribe()` and the
confirmation reached nobody) and again after every reconnection (capped, jittered backoff).
The owner then reads what it missed from the log (bus/port.py). A publish that fails raises
BusUnavailable and the outbox relay retries it.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Callable
from typing import Any

import structlog
from redis.asyncio.client import PubSub
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

from hubbub.aio import cancel_for_sure
from hubbub.bus.port import BusUnavailable, Handler, Resume
from hubbub.redis_client import redis_client

log = structlog.get_logger()

SEQ_BYTES = 8
CONNECT_TIMEOUT_S = 1.0
# A publish runs after the commit, while the caller waits: past this, the event is better left
# to the outbox relay.
COMMAND_TIMEOUT_S = 2.0
# A pub/sub connection can die without being closed (a partition, a host gone): silence this
# long sends a PING, and silence for as long again after it counts as a lost connection.
PING_EVERY_S = 10.0
BACKOFF_BASE_S = 0.05
BACKOFF_CAP_S = 5.0

_FAILURES = (RedisError, OSError)


def encode(seq: int, data: bytes) -> bytes:
    return seq.to_bytes(SEQ_BYTES, "big") + data


def decode(frame: bytes) -> tuple[int, bytes]:
    return int.from_bytes(frame[:SEQ_BYTES], "big"), frame[SEQ_BYTES:]


def backoff(attempt: int) -> float:
    """Seconds before reconnect attempt `attempt` (1, 2, ...): jittered, so a fleet of
    processes that lost Redis together does not reconnect in step."""
    delay = min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2 ** min(attempt, 16))
    return random.uniform(delay / 2, delay)


class _Subscription:
    __slots__ = ("_bus", "handler", "on_resume", "stream")

    def __init__(self, bus: RedisBus, stream: str, handler: Handler, on_resume: Resume | None):
        self._bus, self.stream, self.handler, self.on_resume = bus, stream, handler, on_resume

    def close(self) -> None:
        self._bus._drop(self)


class RedisBus:
    def __init__(self, url: str, *, prefix: str = "hubbub:") -> None:
        self._topic = f"{prefix}s:".encode()
        timeouts: dict[str, Any] = {
            "socket_connect_timeout": CONNECT_TIMEOUT_S,
            "socket_timeout": COMMAND_TIMEOUT_S,
        }
        # One retry: a pooled connection that died with a restarted server is replaced at once,
        # while a server that refuses connections fails the publish without a wait.
        self._pub = redis_client(url, retry=Retry(NoBackoff(), 1), **timeouts)
        # No retries: redis-py would reconnect and re-subscribe behind our back, and the
        # subscribers would never learn they missed something.
        self._sub = redis_client(url, retry=Retry(NoBackoff(), 0), **timeouts)
        # Dicts as ordered sets: a stream's handlers run in the order they subscribed.
        self._subs: dict[str, dict[_Subscription, None]] = {}
        self._pubsub: PubSub | None = None  # while connected and subscribed
        self._live: set[str] = set()  # streams subscribed (or being subscribed) on it
        # Streams whose subscribers hear on_resume when Redis confirms the channel.
        self._resuming: set[str] = set()
        self._reader: asyncio.Task[None] | None = None
        self._syncer: asyncio.Task[None] | None = None
        self._closed = False

    def channel(self, stream: str) -> bytes:
        return self._topic + stream.encode()

    async def publish(self, stream: str, seq: int, data: bytes) -> None:
        try:
            await self._pub.publish(self.channel(stream), encode(seq, data))
        except _FAILURES as exc:
            raise BusUnavailable(f"{type(exc).__name__}: {exc}") from exc

    def subscribe(
        self, stream: str, handler: Handler, *, on_resume: Resume | None = None
    ) -> _Subscription:
        subscription = _Subscription(self, stream, handler, on_resume)
        self._subs.setdefault(stream, {})[subscription] = None
        if self._reader is None and not self._closed:
            # Started on first use: a process that only publishes needs no pub/sub connection.
            self._reader = asyncio.get_running_loop().create_task(self._run())
        self._sync_soon()
        return subscription

    def _drop(self, subscription: _Subscription) -> None:
        subscriptions = self._subs.get(subscription.stream)
        if subscriptions is None or subscription not in subscriptions:
            return
        del subscriptions[subscription]
        if not subscriptions:
            del self._subs[subscription.stream]
            self._sync_soon()

    def _sync_soon(self) -> None:
        # Without a connection there is nothing to do: the reader subscribes to every stream
        # that has handlers once it connects.
        if self._closed or self._pubsub is None:
            return
        if self._syncer is None or self._syncer.done():
            self._syncer = asyncio.get_running_loop().create_task(self._sync())

    async def _sync(self) -> None:
        """Brings the connection's channels in line with the streams that have handlers."""
        while (pubsub := self._pubsub) is not None:
            add = [s for s in self._subs if s not in self._live]
            drop = [s for s in self._live if s not in self._subs]
            if not add and not drop:
                return
            self._live.update(add)
            self._live.difference_update(drop)
            self._resuming.update(add)
            try:
                if add:
                    await pubsub.subscribe(*[self.channel(s) for s in add])
                if drop:
                    await pubsub.unsubscribe(*[self.channel(s) for s in drop])
            except _FAILURES:
                return  # the reader meets the same failure and subscribes afresh

    async def _run(self) -> None:
        attempt = 0
        lost = False  # since the last connection: subscribers may have missed events
        while True:
            pubsub = self._sub.pubsub()
            try:
                await pubsub.ping()  # connects, also when there is nothing to subscribe to
                streams = list(self._subs)
                self._live = set(streams)
                self._resuming = set(streams)
                if streams:
                    await pubsub.subscribe(*[self.channel(s) for s in streams])
                self._pubsub = pubsub
                if lost:
                    log.info("bus_reconnected", attempts=attempt)
                attempt, lost = 0, False
                self._sync_soon()  # for streams subscribed or dropped while connecting
                await self._read(pubsub)
            except Exception as exc:
                if not lost:
                    log.warning("bus_connection_lost", error=f"{type(exc).__name__}: {exc}")
                if not isinstance(exc, _FAILURES):
                    log.exception("bus_reader_failed")
                attempt, lost = attempt + 1, True
            finally:
                self._pubsub = None
                with contextlib.suppress(*_FAILURES):
                    await pubsub.aclose()
            await asyncio.sleep(backoff(attempt))

    async def _read(self, pubsub: PubSub) -> None:
        pinged = False
        while True:
            message = await pubsub.get_message(timeout=PING_EVERY_S)
            if message is not None:
                pinged = False
                self._dispatch(message)
            elif pinged:
                raise RedisConnectionError("no answer to PING")
            else:
                await pubsub.ping()
                pinged = True

    def _dispatch(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "message":
            self._deliver(message["channel"], message["data"])
        elif kind == "subscribe":
            stream = message["channel"][len(self._topic) :].decode()
            if stream in self._resuming:
                self._resuming.discard(stream)
                for subscription in tuple(self._subs.get(stream, ())):
                    if subscription.on_resume is not None:
                        self._call(stream, subscription.on_resume)

    def _deliver(self, channel: bytes, frame: bytes) -> None:
        stream = channel[len(self._topic) :].decode()
        subscriptions = self._subs.get(stream)
        if not subscriptions:
            return  # unsubscribed here; Redis has not heard yet
        if len(frame) < SEQ_BYTES:
            log.warning("bus_bad_frame", stream=stream, size=len(frame))
            return
        seq, data = decode(frame)
        for subscription in tuple(subscriptions):
            # A handler may close another subscription: it gets nothing more, even now.
            if subscription in subscriptions:
                self._call(stream, subscription.handler, stream, seq, data)

    def _call(self, stream: str, fn: Callable[..., None], *args: Any) -> None:
        # One handler's failure must not stop the reader, which serves every stream.
        try:
            fn(*args)
        except Exception:
            log.exception("bus_handler_failed", stream=stream)

    async def close(self) -> None:
        self._closed = True
        for task in (self._reader, self._syncer):
            if task is not None:
                await cancel_for_sure(task)
        self._reader = self._syncer = None
        self._subs.clear()
        await self._sub.aclose()
        await self._pub.aclose()
