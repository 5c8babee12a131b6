"""PostgreSQL out of reach: a clear, retryable answer, and recovery on its own when it is back.

The database is reached through a TCP relay of the test's own, which can cut every connection
and refuse new ones: the database stays real, the network between it and hubbub fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from hubbub.config import Settings
from hubbub.domain.errors import Unavailable
from hubbub.domain.model import Team
from hubbub.store.postgres import PostgresStore
from tests.support.servers import make_workspace, threaded_server
from tests.support.services import PostgresServer


class Cable:
    """A TCP relay to PostgreSQL that can be unplugged (every connection cut, new ones refused)
    and plugged in again."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.plugged = True
        self.pairs: list[tuple[socket.socket, socket.socket]] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.plugged:
                client.close()
                continue
            upstream = socket.create_connection(self.target)
            with self.lock:
                self.pairs.append((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def unplug(self) -> None:
        self.plugged = False
        with self.lock:
            pairs, self.pairs = self.pairs, []
        for pair in pairs:
            for s in pair:
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def plug(self) -> None:
        self.plugged = True

    def close(self) -> None:
        self.unplug()
        self.listener.close()


@pytest.fixture
def cable(postgres_server: PostgresServer) -> Iterator[Cable]:
    c = Cable((postgres_server.host, postgres_server.port))
    yield c
    c.close()


def _via(cable: Cable, server: PostgresServer, db: str) -> str:
    return f"postgresql+psycopg://{server.user}@127.0.0.1:{cable.port}/{db}"


async def test_the_store_says_unavailable_while_cut_off_and_recovers(
    cable: Cable, postgres_server: PostgresServer, postgres_db: str
) -> None:
    store = PostgresStore(_via(cable, postgres_server, postgres_db), pool_size=2)
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


def test_the_api_answers_503_while_the_database_is_out_of_reach(
    tmp_path: Path,
    cable: Cable,
    postgres_server: PostgresServer,
    postgres_db: str,
) -> None:
    url = _via(cable, postgres_server, postgres_db)
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
