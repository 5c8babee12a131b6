"""Two `hubbub serve` processes on one PostgreSQL database and one Redis: one cluster.

A person on process A posts; a member whose socket is on process B gets every message once and
in history order, and the other way round. A connect ticket issued by one process is good at
the other (a balancer may send the socket anywhere), and only once.
"""

from __future__ import annotations

import contextlib
import http.client
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from hubbub.config import Settings
from tests.support.rtm import Rtm, history_ts, new_channel, of_type, text_is
from tests.support.servers import ProcessServer, Workspace, free_port, make_workspace
from tests.support.services import PrivateRedis, RedisServer
from tests.support.waiting import wait_for

POSTERS = 2
PER_POSTER = 50


Cluster = tuple[ProcessServer, ProcessServer, Workspace]


@contextlib.contextmanager
def _cluster(
    tmp_path: Path,
    postgres_url: str,
    redis_url: str,
    redis_prefix: str,
    *,
    serve_env: dict[str, str] | None = None,
    **more: str,
) -> Iterator[Cluster]:
    """Two `hubbub serve` processes on one database and Redis; serve_env: more of their
    environment only (HUBBUB_GATEWAY_PORT, an option of serve's, not a setting)."""
    shared = {"database_url": postgres_url, "redis_url": redis_url, "redis_prefix": redis_prefix}
    shared.update(more)
    ws = make_workspace(tmp_path / "admin", settings=Settings(**shared))
    env = {f"HUBBUB_{name.upper()}": value for name, value in shared.items()}
    env.update(serve_env or {})
    a = ProcessServer(tmp_path / "a", free_port(), env=env)
    b = ProcessServer(tmp_path / "b", free_port(), env=env)
    a.start()
    try:
        b.start()
        try:
            yield a, b, ws
        finally:
            b.stop()
    finally:
        a.stop()


@pytest.fixture
def cluster(
    tmp_path: Path,
    postgres_url: str,
    redis_server: RedisServer,
    redis_prefix: str,
) -> Iterator[Cluster]:
    with _cluster(tmp_path, postgres_url, redis_server.url, redis_prefix) as c:
        yield c


def _socket_on(url: str, process: ProcessServer) -> str:
    """The connect URL one process handed out, pointed at another process."""
    head, _, rest = url.partition("://")
    return f"{head}://127.0.0.1:{process.port}/{rest.partition('/')[2]}"


def test_a_message_posted_on_one_process_reaches_sockets_on_another_once_in_order(
    cluster: Cluster,
) -> None:
    a, b, ws = cluster
    alice_a = a.server.client(ws.alice.token)
    channel = new_channel(alice_a, ws.bob.user_id)
    # Bob's ticket comes from A; his socket lands on B.
    url = _socket_on(a.server.client(ws.bob.token).rtm_connect()["url"], b)
    with connect(url, max_size=None) as sock:
        bob = Rtm(sock)
        assert bob.recv()["type"] == "hello"
        posted: list[str] = []
        lock = threading.Lock()

        def post(n: int) -> None:
            client = a.server.client(ws.alice.token)
            for i in range(PER_POSTER):
                ts = client.chat_postMessage(channel=channel, text=f"{n}.{i}")["ts"]
                with lock:
                    posted.append(ts)

        threads = [threading.Thread(target=post, args=(n,)) for n in range(POSTERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        alice_a.chat_postMessage(channel=channel, text="the end")
        seen = bob.until(text_is("the end"), timeout=30)
    got = [e["ts"] for e in seen if e.get("type") == "message" and e.get("ts") in set(posted)]
    assert got == [ts for ts in history_ts(alice_a, channel) if ts in set(posted)]
    assert len(got) == POSTERS * PER_POSTER

    # And back: bob posts on B, alice's socket on A hears it.
    alice_url = a.server.client(ws.alice.token).rtm_connect()["url"]
    with connect(alice_url, max_size=None) as sock:
        alice = Rtm(sock)
        assert alice.recv()["type"] == "hello"
        b.server.client(ws.bob.token).chat_postMessage(channel=channel, text="from b")
        [event] = [e for e in alice.until(text_is("from b")) if e.get("text") == "from b"]
    assert event["user"] == ws.bob.user_id


def test_a_connect_ticket_is_good_once_at_any_process(
    cluster: Cluster,
) -> None:
    a, b, ws = cluster
    url = b.server.client(ws.carol.token).rtm_connect()["url"]
    with connect(_socket_on(url, a)) as sock:
        hello = Rtm(sock).recv()
        assert hello["type"] == "hello"
    with connect(url) as again:  # the same ticket at the process that issued it
        assert Rtm(again).recv()["error"]["msg"] == "Socket URL has expired"
        with pytest.raises(ConnectionClosed):
            again.recv(timeout=5)


def test_a_redis_restart_loses_no_message_and_doubles_none(
    tmp_path: Path,
    postgres_url: str,
    private_redis: PrivateRedis,
    redis_prefix: str,
) -> None:
    with _cluster(tmp_path, postgres_url, private_redis.url, redis_prefix) as (
        a,
        b,
        ws,
    ):
        alice = a.server.client(ws.alice.token)
        channel = new_channel(alice, ws.bob.user_id)
        with connect(b.server.client(ws.bob.token).rtm_connect()["url"], max_size=None) as sock:
            bob = Rtm(sock)
            assert bob.recv()["type"] == "hello"
            posted = [
                alice.chat_postMessage(channel=channel, text=f"up {n}")["ts"] for n in range(5)
            ]
            bob.until(text_is("up 4"))
            private_redis.kill()
            # Posts still succeed: committed, and published by the relay once Redis is back.
            posted += [
                alice.chat_postMessage(channel=channel, text=f"down {n}")["ts"] for n in range(10)
            ]
            private_redis.start()
            # B's bus subscribes again and reads the log; A's relay republishes: once each.
            bob.until(text_is("down 9"), timeout=30)
            alice.chat_postMessage(channel=channel, text="after")
            bob.until(text_is("after"), timeout=30)
        mine = set(posted)
        got = [e["ts"] for e in bob.frames if e.get("type") == "message" and e.get("ts") in mine]
        assert got == posted == [ts for ts in history_ts(alice, channel) if ts in mine]


def test_kill_9_of_one_process_under_load_loses_no_acknowledged_message(cluster: Cluster) -> None:
    a, b, ws = cluster
    alice_b = b.server.client(ws.alice.token)
    channel = new_channel(alice_b, ws.bob.user_id)
    threads, per_thread = 4, 60
    acked: dict[str, str] = {}  # text -> ts, as answered
    lock = threading.Lock()
    with connect(b.server.client(ws.bob.token).rtm_connect()["url"], max_size=None) as sock:
        bob = Rtm(sock)
        assert bob.recv()["type"] == "hello"

        def post(n: int) -> None:
            # Through A until it dies, then through B, as a balancer would fail over; a retry
            # keeps its client_msg_id, so a post A committed before dying is not doubled.
            clients = [a.server.client(ws.alice.token), b.server.client(ws.alice.token)]
            for i in range(per_thread):
                text = f"{n}.{i}"
                while True:
                    try:
                        ts = clients[0].chat_postMessage(
                            channel=channel, text=text, client_msg_id=f"kill-{text}"
                        )["ts"]
                        break
                    except (OSError, http.client.HTTPException):
                        # Refused, reset, or cut short after the headers (IncompleteRead).
                        if len(clients) > 1:
                            clients.pop(0)
                with lock:
                    acked[text] = ts

        at_kill: list[int] = []

        def killer() -> None:
            wait_for(
                lambda: len(acked) >= threads * per_thread // 3,
                timeout=120,
                interval=0.005,
                what="a third of the posts acknowledged",
            )
            a.kill()
            at_kill.append(len(acked))

        chaos = threading.Thread(target=killer)
        chaos.start()
        posters = [threading.Thread(target=post, args=(n,)) for n in range(threads)]
        for t in posters:
            t.start()
        for t in posters:
            t.join(120)
        chaos.join(30)
        assert len(acked) == threads * per_thread
        assert at_kill and at_kill[0] < threads * per_thread, "A died after the load, not in it"
        alice_b.chat_postMessage(channel=channel, text="the end")
        bob.until(text_is("the end"), timeout=30)
    history = [m for m in history_ts(alice_b, channel)]
    texts = {e["ts"]: e["text"] for e in bob.frames if e.get("type") == "message"}
    got = [ts for ts in texts if texts[ts] in acked]
    # Every acknowledged post is stored once with the ts it was answered with, and reached the
    # socket on B once, in history order (dicts keep the order frames arrived in).
    assert sorted(acked.values()) == sorted(ts for ts in history if ts in set(acked.values()))
    assert got == [ts for ts in history if ts in set(got)]
    assert set(got) == set(acked.values())
    received = [e["ts"] for e in bob.frames if e.get("type") == "message"]
    assert len(received) == len(set(received))


def test_api_and_gateway_roles_split_the_work(
    tmp_path: Path, postgres_url: str, redis_server: RedisServer, redis_prefix: str
) -> None:
    """One process serves only the Web API, one only RTM sockets; rtm.connect on the first
    hands out the second's address (rtm_url), and a post on one reaches a socket on the other."""
    shared = {"database_url": postgres_url, "redis_url": redis_server.url}
    shared["redis_prefix"] = redis_prefix
    ws = make_workspace(tmp_path / "admin", settings=Settings(**shared))
    env = {f"HUBBUB_{name.upper()}": value for name, value in shared.items()}
    gateway_port = free_port()
    api = ProcessServer(
        tmp_path / "api",
        free_port(),
        env={**env, "HUBBUB_ROLE": "api", "HUBBUB_RTM_URL": f"ws://127.0.0.1:{gateway_port}"},
    )
    gateway = ProcessServer(tmp_path / "gw", gateway_port, env={**env, "HUBBUB_ROLE": "gateway"})
    api.start()
    try:
        gateway.start_on(lambda: _answers(gateway, 404))
        alice = api.server.client(ws.alice.token)
        channel = new_channel(alice, ws.bob.user_id)
        url = api.server.client(ws.bob.token).rtm_connect()["url"]
        assert url.startswith(f"ws://127.0.0.1:{gateway_port}/rtm?ticket=")
        with connect(url, max_size=None) as sock:
            bob = Rtm(sock)
            assert bob.recv()["type"] == "hello"
            alice.chat_postMessage(channel=channel, text="split")
            bob.until(text_is("split"))
        refused = httpx.post(gateway.server.api_url + "chat.postMessage", json={})
        assert (refused.status_code, refused.json()["error"]) == (404, "not_served_here")
        api_socket = f"ws://127.0.0.1:{api.port}/rtm?ticket=x"
        with pytest.raises(InvalidStatus) as err:
            connect(api_socket)
        assert err.value.response.status_code == 403
    finally:
        gateway.stop()
        api.stop()


def _answers(process: ProcessServer, status: int) -> bool:
    return httpx.get(process.server.api_url + "api.test", timeout=1).status_code == status


def test_people_whose_process_died_are_announced_away(
    tmp_path: Path, postgres_url: str, redis_server: RedisServer, redis_prefix: str
) -> None:
    """Bob's only socket is on A; A is killed -9. Alice, on B and subscribed to Bob's presence,
    is told he is away once A's presence lease runs out: by a sweep, not by anything Bob does."""
    timing = {"presence_lease_s": "1", "presence_sweep_s": "0.2"}
    with _cluster(tmp_path, postgres_url, redis_server.url, redis_prefix, **timing) as (a, b, ws):
        with (
            connect(b.server.client(ws.alice.token).rtm_connect()["url"]) as alice_sock,
            connect(a.server.client(ws.bob.token).rtm_connect()["url"]) as bob_sock,
        ):
            alice, bob = Rtm(alice_sock), Rtm(bob_sock)
            assert alice.recv()["type"] == bob.recv()["type"] == "hello"
            alice.send({"type": "presence_sub", "ids": [ws.bob.user_id]})
            alice.until(of_type("presence_change", user=ws.bob.user_id, presence="active"))
            a.kill()
            alice.until(of_type("presence_change", user=ws.bob.user_id, presence="away"), 10)
            assert alice.quiet(1.0) == []  # told once
        presence = b.server.client(ws.alice.token).users_getPresence(user=ws.bob.user_id)
        assert presence["presence"] == "away"
