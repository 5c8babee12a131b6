"""Gateway discovery over PostgreSQL and Redis: each `hubbub serve` registers the address of its
own sockets under a lease; rtm.connect and apps.connections.open hand out a live one, the less
loaded; a gateway killed drops out within its lease, and its clients, reconnecting with their
cursors, resume on another with nothing lost or doubled. `hubbub admin cluster` lists them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from websockets.sync.client import connect

from hubbub.config import Settings
from hubbub.services import apps
from tests.e2e.test_cluster import Cluster, _cluster
from tests.support.rtm import Rtm, new_channel, text_is
from tests.support.servers import ProcessServer, run_admin
from tests.support.services import RedisServer
from tests.support.waiting import wait_for

LEASE_S = "2"


@pytest.fixture
def gateways(
    tmp_path: Path, postgres_url: str, redis_server: RedisServer, redis_prefix: str
) -> Iterator[tuple[Cluster, dict[str, str]]]:
    shared = {"database_url": postgres_url, "redis_url": redis_server.url}
    env = {f"HUBBUB_{k.upper()}": v for k, v in {**shared, "redis_prefix": redis_prefix}.items()}
    with _cluster(
        tmp_path,
        postgres_url,
        redis_server.url,
        redis_prefix,
        serve_env={"HUBBUB_GATEWAY_PORT": "0"},
        process_lease_s=LEASE_S,
    ) as cluster:
        yield cluster, env


def _admin_cluster(env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "hubbub", "admin", "cluster"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    found: dict[str, Any] = json.loads(done.stdout)
    return found


def _gateway_of(listed: dict[str, Any], process: ProcessServer) -> str:
    assert process.proc is not None
    [url] = [p["socket_url"] for p in listed["processes"] if p["pid"] == process.proc.pid]
    return str(urlsplit(url).netloc)


def _where(url: str) -> str:
    return urlsplit(url).netloc


def _on(url: str, netloc: str) -> str:
    """The URL handed out, at another gateway."""
    return url.replace(_where(url), netloc, 1)


def test_connects_go_to_live_gateways_the_less_loaded_and_a_dead_ones_clients_resume_elsewhere(
    gateways: tuple[Cluster, dict[str, str]],
) -> None:
    (a, b, ws), env = gateways
    listed = wait_for(lambda: (c := _admin_cluster(env))["gateways"] == 2 and c, 30, "two gateways")
    assert {p["role"] for p in listed["processes"]} == {"all"}
    assert all(p["api_url"] and p["lease_left_s"] > 0 for p in listed["processes"])
    at_a, at_b = _gateway_of(listed, a), _gateway_of(listed, b)
    assert at_a != at_b and str(a.port) not in (at_a, at_b)

    bob_api = b.server.client(ws.bob.token)
    # Equally loaded, the two are handed out alike (40 connects all to one: 2 in 10^12).
    assert {_where(bob_api.rtm_connect()["url"]) for _ in range(40)} == {at_a, at_b}

    alice = b.server.client(ws.alice.token)
    channel = new_channel(alice, ws.bob.user_id)
    with ExitStack() as sockets:
        # Four sockets on A's gateway, bob's among them; the rest only count.
        bob_url = _on(bob_api.rtm_connect()["url"], at_a)
        bob = Rtm(sockets.enter_context(connect(bob_url, max_size=None)))
        assert bob.recv()["type"] == "hello"
        for _ in range(3):
            sockets.enter_context(connect(_on(bob_api.rtm_connect()["url"], at_a)))

        def a_carries_four() -> bool:
            [mine] = [p for p in _admin_cluster(env)["processes"] if p["pid"] == a.proc.pid]  # type: ignore[union-attr]
            return bool(mine["sockets"] == 4)

        wait_for(a_carries_four, 30, "A's renewal with its four sockets")
        time.sleep(1.1)  # past the answering process's one-second reading of the list
        assert [_where(bob_api.rtm_connect()["url"]) for _ in range(3)] == [at_b] * 3

        alice.chat_postMessage(channel=channel, text="m1")
        bob.until(text_is("m1"))
        a.kill()
        for n in (2, 3):
            alice.chat_postMessage(channel=channel, text=f"m{n}")
        # Within its lease A is no longer listed, nor handed out.
        wait_for(lambda: _admin_cluster(env)["gateways"] == 1, 30, "A dropped out")
        time.sleep(1.1)
        assert {_where(bob_api.rtm_connect()["url"]) for _ in range(10)} == {at_b}
        cursor = bob.cursor

    # Bob's client reconnects as clients do: rtm.connect with its cursor, to a live gateway.
    url = bob_api.rtm_connect(resume=cursor)["url"]
    assert _where(url) == at_b
    with connect(url, max_size=None) as sock:
        again = Rtm(sock)
        again.until(text_is("m3"))
        alice.chat_postMessage(channel=channel, text="m4")
        again.until(text_is("m4"))
    texts = [
        e["text"]
        for e in bob.frames + again.frames
        if e.get("type") == "message" and e.get("channel") == channel
    ]
    assert texts == ["m1", "m2", "m3", "m4"]


def test_socket_mode_connections_go_to_a_registered_gateway(
    gateways: tuple[Cluster, dict[str, str]], postgres_url: str
) -> None:
    (a, b, _ws), env = gateways
    listed = wait_for(lambda: (c := _admin_cluster(env))["gateways"] == 2 and c, 30, "two gateways")
    made = run_admin(
        Path(),
        lambda hub: apps.create_app(hub, "acme", name="Sock", events=[], socket_mode=True),
        Settings(database_url=postgres_url),
    )
    handed = {
        _where(a.server.client().apps_connections_open(app_token=made.app_token)["url"])
        for _ in range(30)
    }
    assert handed <= {_gateway_of(listed, a), _gateway_of(listed, b)} and handed
    url = a.server.client().apps_connections_open(app_token=made.app_token)["url"]
    with connect(url, max_size=None) as sock:
        hello = json.loads(sock.recv(timeout=10))
    assert hello["type"] == "hello"


def test_admin_cluster_needs_the_redis_the_processes_share(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "HUBBUB_REDIS_URL"}
    done = subprocess.run(
        [sys.executable, "-m", "hubbub", "admin", "cluster"],
        env={**env, "HUBBUB_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and done.stdout == ""
    assert "no Redis" in done.stderr
