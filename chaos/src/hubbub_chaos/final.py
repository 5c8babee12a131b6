"""After the schedule: waiting for quiet, then reading each conversation's final state.

Quiet is: no op in flight (the posters have stopped, each after its last answer), every
receiver's cursor at the heads a fresh RTM session of its person is given, for `stable_s`
running, and the job queue and the outbox empty (what the server still owes the sinks). The
final state is read through the Web API (conversations.history and .replies, every page) and
the log through an RTM session resuming each conversation from `<channel>:0`."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import httpx
import orjson

from hubbub_chaos import api
from hubbub_chaos.cast import Cast
from hubbub_chaos.history import Final, Message
from hubbub_chaos.receivers import Receiver, join_cursor, open_socket, parse_cursor

if TYPE_CHECKING:
    from hubbub.config import Settings
    from hubbub.jobs.streams import JobStreams
    from hubbub.services.hub import Hub


async def heads(
    http: httpx.AsyncClient, base: str, token: str, within_s: float = 30.0
) -> dict[str, int]:
    """Each stream's head as a fresh session of this person is given it (hello's cursor)."""
    deadline = time.monotonic() + within_s
    while True:
        if time.monotonic() > deadline:
            raise RuntimeError("rtm.connect did not answer: the deployment is not up")
        answer = await api.call(http, base, token, "rtm.connect")
        if answer.ok:
            async with await open_socket(str(answer.body["url"])) as ws:
                hello = orjson.loads(await asyncio.wait_for(ws.recv(), api.TIMEOUT_S))
                return parse_cursor(str(hello.get("hubbub_cursor", "")))
        await asyncio.sleep(0.2)


def behind(receiver: Receiver, head: dict[str, int]) -> dict[str, tuple[int, int]]:
    """Streams where the receiver is not at the head: stream -> (its position, the head)."""
    return {
        stream: (receiver.positions.get(stream, -1), seq)
        for stream, seq in head.items()
        if seq > 0 and receiver.positions.get(stream, -1) != seq
    }


async def pending_work(hub: Hub, streams: JobStreams | None = None) -> dict[str, int]:
    """Jobs due or running, and outbox rows not yet followed up, in the deployment's store (a
    hub of the harness's own on it, as `hubbub admin jobs` reads it); with job_queue = "redis"
    (streams given), the jobs in the stream too (`stream`: not yet done; `pending`: of those,
    claimed by a worker, which a killed one holds until their lease runs out) and its retries
    due later (`stream_delayed`)."""
    from sqlalchemy import func, select

    from hubbub.store.tables import outbox

    out = {"queued": 0, "running": 0, "delayed": 0, "dead": 0, "outbox": 0}
    if streams is not None:
        stats = await streams.stats()
        out |= {k: int(stats[k]) for k in ("stream", "pending")}
        out["stream_delayed"] = int(stats["delayed"])
    for store in hub.shards.stores().values():
        counts = await store.read(lambda tx: tx.job_counts())
        for per_kind in counts.values():
            for what, n in per_kind.items():
                out[what] += n
        out["outbox"] += await store.read(
            lambda tx: int(tx.conn.execute(select(func.count()).select_from(outbox)).scalar() or 0)
        )
    return out


async def wait_quiet(
    base: str,
    cast: Cast,
    receivers: Sequence[Receiver],
    settings: Settings,
    within_s: float,
    stable_s: float = 2.0,
) -> dict[str, Any]:
    """Waits for quiet; returns what it saw (quiet or not, how long, what was still behind)."""
    started = time.monotonic()
    deadline = started + within_s
    from hubbub.app import build_hub, job_streams

    hub = build_hub(settings)
    streams = job_streams(hub, settings) if settings.job_queue == "redis" else None
    try:
        return await _wait(base, cast, receivers, hub, streams, started, deadline, stable_s)
    finally:
        await hub.close()


async def _wait(
    base: str,
    cast: Cast,
    receivers: Sequence[Receiver],
    hub: Hub,
    streams: JobStreams | None,
    started: float,
    deadline: float,
    stable_s: float,
) -> dict[str, Any]:
    since: float | None = None
    lagging: dict[str, Any] = {}
    work: dict[str, int] = {}
    # What it waited on, for the summary: when the receivers last were behind, and when jobs
    # last were pending (a kill's leased jobs keep "running" for their lease).
    last: dict[str, float] = {"receivers_s": 0.0, "jobs_s": 0.0}
    most: dict[str, int] = {}
    async with api.client() as http:
        while time.monotonic() < deadline:
            lagging = {}
            for receiver in receivers:
                gap = behind(receiver, await heads(http, base, cast.people[receiver.name].token))
                if gap or not receiver.connected:
                    lagging[receiver.name] = {"connected": receiver.connected, "behind": gap}
            work = await pending_work(hub, streams)
            # Retries due later count too: an owed delivery still to come is not lost.
            owed = ("queued", "running", "delayed", "outbox", "stream", "stream_delayed")
            busy = sum(work.get(k, 0) for k in owed)
            most = {k: max(n, most.get(k, 0)) for k, n in work.items()}
            now = round(time.monotonic() - started, 1)
            if lagging:
                last["receivers_s"] = now
            if busy:
                last["jobs_s"] = now
            if lagging or busy:
                since = None
            elif since is None:
                since = time.monotonic()
            elif time.monotonic() - since >= stable_s:
                return {
                    "quiet": True,
                    "waited_s": round(time.monotonic() - started, 1),
                    **work,
                    "last_behind": last,
                    "most_pending": most,
                }
            await asyncio.sleep(0.5)
    return {
        "quiet": False,
        "waited_s": round(time.monotonic() - started, 1),
        "lagging": lagging,
        **work,
        "last_behind": last,
        "most_pending": most,
    }


async def messages(http: httpx.AsyncClient, base: str, token: str, channel: str) -> list[Message]:
    """Every message of the conversation, thread replies too, oldest first."""
    top = await api.pages(http, base, token, "conversations.history", "messages", channel=channel)
    found: dict[str, dict[str, Any]] = {m["ts"]: m for m in top}
    for parent in top:
        if parent.get("reply_count"):
            replies = await api.pages(
                http,
                base,
                token,
                "conversations.replies",
                "messages",
                channel=channel,
                ts=parent["ts"],
            )
            found.update({m["ts"]: m for m in replies})
    return [_message(found[ts]) for ts in sorted(found)]


def _message(m: dict[str, Any]) -> Message:
    return Message(
        ts=m["ts"],
        text=m.get("text", ""),
        cmid=m.get("client_msg_id"),
        thread_ts=m.get("thread_ts"),
        reactions={r["name"]: list(r.get("users", [])) for r in m.get("reactions", [])},
        subtype=m.get("subtype"),
        user=m.get("user"),
    )


async def log(
    http: httpx.AsyncClient, base: str, token: str, channels: Sequence[str], within_s: float = 60
) -> tuple[dict[str, list[tuple[int, dict[str, Any]]]], str | None]:
    """The whole log of each channel, by one RTM session resuming them from `<channel>:0` (and
    every other stream from its head). Returns the logs and, if the server refused the replay
    (resync_required), what it said."""
    head = await heads(http, base, token)
    start = dict(head) | {c: 0 for c in channels}
    got: dict[str, list[tuple[int, dict[str, Any]]]] = {c: [] for c in channels}
    answer = await api.call(http, base, token, "rtm.connect", resume=join_cursor(start))
    if not answer.ok:
        return got, f"rtm.connect: {answer.error}"
    deadline = time.monotonic() + within_s
    async with await open_socket(str(answer.body["url"])) as ws:
        while any((got[c][-1][0] if got[c] else 0) < head.get(c, 0) for c in channels):
            left = deadline - time.monotonic()
            if left <= 0:
                return got, "timed out reading the replay"
            event = orjson.loads(await asyncio.wait_for(ws.recv(), left))
            if event.get("type") in ("resync_required", "goodbye"):
                return got, orjson.dumps(event).decode()
            stream, _, seq = str(event.get("hubbub_cursor") or "").rpartition(":")
            if stream in got and seq and int(seq) > 0:
                body = {k: v for k, v in event.items() if k not in ("hubbub_cursor", "event_ts")}
                got[stream].append((int(seq), body))
    return got, None


async def finals(base: str, cast: Cast) -> tuple[list[Final], list[str]]:
    """Each conversation's Final, and the workspace stream's (its log only: the receivers
    follow it too), and any trouble reading the logs."""
    out: list[Final] = []
    trouble: list[str] = []
    async with api.client() as http:
        by_reader: dict[str, list[str]] = {"alice": [cast.team_id]}
        for channel, reader in cast.readers.items():
            by_reader.setdefault(reader, []).append(channel)
        for reader, channels in by_reader.items():
            token = cast.people[reader].token
            logs, problem = await log(http, base, token, channels)
            if problem:
                trouble.append(f"{reader}'s replay of {channels}: {problem}")
            for channel in channels:
                held = [] if channel == cast.team_id else await messages(http, base, token, channel)
                out.append(Final(channel, held, logs[channel]))
    return out, trouble
