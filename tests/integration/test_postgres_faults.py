"""PostgreSQL out of reach: a clear, retryable answer, and recovery on its own when it is back.

The database is reached through a TCP relay of the test's own, which can cut every connection
and refuse new ones: the database stays real, the network between it and hubbub fails.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from hubbub.config import Settings
from hubbub.domain.errors import Unavailable
from hubbub.domain.model import Team
from hubbub.store.postgres import PostgresStore
from tests.support.cable import Cable, via
from tests.support.servers import make_workspace, threaded_server
from tests.support.services import PostgresServer
from tests.support.shards import ShardSet


async def test_the_store_says_unavailable_while_cut_off_and_recovers(
    cable: Cable, postgres_server: PostgresServer, postgres_db: str
) -> None:
    store = PostgresStore(via(cable, postgres_server, postgres_db), pool_size=2)
    try:
        team = Team(id="T1", name="one", domain="one", created=0)
        await store.write(lambda tx: tx.insert_team(team))
        cable.unplug()
        for _ in range(3):
            with pytest.raises(Unavailable):
                await store.write(lambda tx: tx.insert_team(Team("T2", "two", "two", 0)))
            with pytest.raises(Unavailable):
                await store.read(lambda tx: tx.list_teams())
        cable.plug()
        await store.write(lambda tx: tx.insert_team(Team("T3", "three", "three", 0)))
        teams = await store.read(lambda tx: {t.id for t in tx.list_teams()})
        assert teams == {"T1", "T3"}
    finally:
        cable.unplug()  # so close() does not wait on the relay
        await asyncio.wait_for(store.close(), 30)


async def test_connections_cut_while_idle_cost_no_call_an_error(
    cable: Cable, postgres_server: PostgresServer, postgres_db: str
) -> None:
    """The database restarted (or the network blinked) while the pool sat idle: its
    connections are dead, and the next calls, reads and writes, find out and run again on
    fresh ones, without an error and without writing twice."""
    store = PostgresStore(via(cable, postgres_server, postgres_db), pool_size=2)
    try:
        await asyncio.gather(*(store.read(lambda tx: tx.list_teams()) for _ in range(4)))
        cable.unplug()
        cable.plug()
        await store.write(lambda tx: tx.insert_team(Team("T1", "one", "one", 0)))
        cable.unplug()
        cable.plug()
        assert [t.id for t in await store.read(lambda tx: tx.list_teams())] == ["T1"]
        cable.unplug()
        cable.plug()
        found = await store.read(lambda tx: tx.get_team("T1"), snapshot=False)
        assert found is not None and found.domain == "one"
    finally:
        cable.unplug()
        await asyncio.wait_for(store.close(), 30)


def test_the_api_answers_503_while_the_database_is_out_of_reach(
    tmp_path: Path,
    cable: Cable,
    postgres_server: PostgresServer,
    postgres_db: str,
) -> None:
    url = via(cable, postgres_server, postgres_db)
    ws = make_workspace(tmp_path / "data", settings=Settings(database_url=url))
    with threaded_server(tmp_path / "data", database_url=url) as server:
        auth = {"Authorization": f"Bearer {ws.alice.token}"}
        channel = server.client(ws.alice.token).conversations_create(name="faults")["channel"]["id"]
        cable.unplug()
        down = httpx.post(
            server.api_url + "chat.postMessage",
            headers=auth,
            json={"channel": channel, "text": "while down"},
            timeout=30,
        )
        assert down.status_code == 503
        assert down.headers["retry-after"] == "1"
        assert down.json() == {"ok": False, "error": "service_unavailable"}
        cable.plug()
        up = server.client(ws.alice.token).chat_postMessage(channel=channel, text="back")
        assert up["ok"] is True
        texts = [
            m["text"]
            for m in server.client(ws.alice.token).conversations_history(channel=channel)[
                "messages"
            ]
        ]
        assert "back" in texts and "while down" not in texts


def test_a_shard_out_of_reach_fails_only_its_own_workspaces(
    tmp_path: Path, cable: Cable, shard_set: ShardSet
) -> None:
    """Shard b is reached through the cable: while it is unplugged, b's workspace answers 503
    service_unavailable and a's works as ever; plugged in again, b's recovers on its own."""
    shards = {**shard_set.shard_urls, "b": via(cable, shard_set.server, shard_set.shards["b"])}
    store = {"shards": shards, "directory_url": shard_set.directory_url}
    settings = Settings(**store)
    on_a = make_workspace(tmp_path / "data", "one", settings=settings)
    on_b = make_workspace(tmp_path / "data", "two", settings=settings)
    with threaded_server(tmp_path / "data", **store) as server:
        one, two = server.client(on_a.alice.token), server.client(on_b.alice.token)
        channels = [c.conversations_create(name="faults")["channel"]["id"] for c in (one, two)]
        cable.unplug()
        down = httpx.post(
            server.api_url + "chat.postMessage",
            headers={"Authorization": f"Bearer {on_b.alice.token}"},
            json={"channel": channels[1], "text": "while down"},
            timeout=30,
        )
        assert (down.status_code, down.headers["retry-after"]) == (503, "1")
        assert down.json() == {"ok": False, "error": "service_unavailable"}
        assert one.chat_postMessage(channel=channels[0], text="a is fine")["ok"] is True
        assert one.conversations_history(channel=channels[0])["messages"][0]["text"] == "a is fine"
        cable.plug()
        assert two.chat_postMessage(channel=channels[1], text="back")["ok"] is True
        texts = [m["text"] for m in two.conversations_history(channel=channels[1])["messages"]]
        assert "back" in texts and "while down" not in texts
