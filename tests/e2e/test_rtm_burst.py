"""A burst is no slow consumer: SQLite's group commit answers up to 512 posts at once, and all
their events reach a socket's send queue in one turn of the event loop, before the client could
read any of them. A client that reads normally gets them all, never `too_slow`.

The server runs in the test's own event loop, so the test can hold the writer while the posts
queue up (they then commit together) and keep the loop from running while the commits land (so
their answers, and the events, all come in one turn), as a busy process does.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
import threading
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect

from hubbub.config import Settings
from hubbub.services import channels, posting, realtime
from hubbub.services.auth import authenticate
from hubbub.services.hub import EventLog, Hub
from hubbub.store.sqlite import MAX_BATCH, SqliteStore
from hubbub.store.tx import Tx
from tests.support.servers import make_workspace, server_in_this_loop
from tests.support.waiting import until, wait_for


async def burst(
    hub: Hub,
    team_id: str,
    post: Callable[[int], Coroutine[Any, Any, None]],
    count: int,
    landed: Callable[[], bool],
) -> None:
    """`count` posts committed MAX_BATCH at a time, all answered in one turn of the loop;
    landed() says when the last is committed."""
    store = hub.shards.store  # type: ignore[attr-defined]
    assert isinstance(store, SqliteStore)
    gate, entered = threading.Event(), asyncio.Event()
    loop = asyncio.get_running_loop()

    def hold(_tx: Tx, _log: EventLog) -> None:
        loop.call_soon_threadsafe(entered.set)
        gate.wait(30)

    holding = asyncio.create_task(hub.commit(team_id, hold))
    await entered.wait()
    posts = [asyncio.create_task(post(n)) for n in range(count)]
    # Until every post waits for the writer. Not the queue's length: a background unit (a sweep,
    # the relay) may be queued too, and a post still on its way would then never be committed
    # while the loop stands still.
    await until(
        lambda: all(_waits_for_writer(task) for task in posts),
        30,
        "the posts to reach the writer",
        interval=0.001,
    )
    gate.set()
    stand_still_until(landed)
    await holding
    await asyncio.gather(*posts)


@pytest.mark.parametrize(
    ("send_queue", "posts"),
    [
        (1000, 2 * MAX_BATCH),  # the default queue; two group commits answered in one turn
        (100, MAX_BATCH),  # a queue an operator set smaller than one group commit
    ],
)
async def test_a_client_that_reads_normally_survives_a_group_commits_burst(
    tmp_path: Path, send_queue: int, posts: int
) -> None:
    settings = Settings(data_dir=tmp_path / "data", rate_limits=False, rtm_send_queue=send_queue)
    workspace = make_workspace(settings.data_dir, settings=settings)
    async with server_in_this_loop(settings) as (url, front):
        hub = front.api.hub
        who = await authenticate(hub, workspace.alice.token)
        channel = (await channels.create(hub, who, "burst", is_private=False)).id
        team = workspace.team_id
        head = (await realtime.events_after(hub, team, channel, 0, 1000))[-1][0]

        def landed() -> bool:
            # Read beside the store, on this thread: the loop is held while this waits.
            with contextlib.closing(sqlite3.connect(settings.database)) as db:
                found = db.execute(
                    "SELECT 1 FROM channel_events WHERE team_id = ? AND stream = ? AND seq = ?",
                    (team, channel, head + posts),
                ).fetchone()
            return found is not None

        async with httpx.AsyncClient(base_url=url) as http:
            answer = (
                await http.post(
                    "/api/rtm.connect", headers={"Authorization": f"Bearer {workspace.alice.token}"}
                )
            ).json()
        frames: list[dict[str, Any]] = []
        async with connect(answer["url"], max_size=None) as socket:

            async def read() -> None:
                async for raw in socket:
                    frames.append(json.loads(raw))

            reader = asyncio.create_task(read())

            async def post(n: int) -> None:
                await posting.post(hub, who, channel, posting.Draft.checked(f"burst {n}"))

            await burst(hub, team, post, posts, landed)
            await until(lambda: reader.done() or len(texts(frames, channel)) >= posts, 30)
            goodbyes = [f for f in frames if f.get("type") == "goodbye"]
            assert goodbyes == []
            # Every post once, in the channel's one order: the order of its log (commit order,
            # which need not be the order the posts were started in).
            with contextlib.closing(sqlite3.connect(settings.database)) as db:
                logged = [
                    json.loads(payload)["text"]
                    for (payload,) in db.execute(
                        "SELECT payload FROM channel_events WHERE team_id = ? AND stream = ?"
                        " AND seq > ? AND type = 'message' ORDER BY seq",
                        (team, channel, head),
                    )
                ]
            assert sorted(logged) == sorted(f"burst {n}" for n in range(posts))
            assert texts(frames, channel) == logged
            reader.cancel()


def _waits_for_writer(task: asyncio.Task[None]) -> bool:
    """Whether the task is suspended in SqliteStore.write, its unit queued for the writer."""
    coro: Any = task.get_coro()
    while coro is not None:
        if getattr(coro, "cr_code", None) is SqliteStore.write.__code__:
            return True
        coro = getattr(coro, "cr_await", None)
    return False


def stand_still_until(landed: Callable[[], bool]) -> None:
    """Keeps the loop from running (as while it serves other work) until the last post is
    committed and answered: the answers of every commit then wake their posts in one turn."""
    # wait_for sleeps the thread: the loop stands still while it waits.
    wait_for(landed, 30, "the posts to be committed", interval=0.001)
    time.sleep(0.05)  # the writer answers each commit just after it


def texts(frames: list[dict[str, Any]], channel: str) -> list[str]:
    return [f["text"] for f in frames if f.get("type") == "message" and f.get("channel") == channel]
