"""`hubbub cluster up`: N serve processes on one port, kept running, stopped together."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from websockets.sync.client import connect

from hubbub.config import Settings
from tests.support.rtm import Rtm, new_channel, text_is
from tests.support.servers import Server, free_port, make_workspace
from tests.support.services import RedisServer
from tests.support.waiting import wait_for


def _children(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.add(int(stat.parent.name))
    return found


def _listeners(port: int) -> set[int]:
    """The processes listening on the port (iproute2's ss)."""
    out = subprocess.run(
        ["ss", "-Hltnp", f"sport = :{port}"], capture_output=True, text=True, check=True
    ).stdout
    return {int(pid) for pid in re.findall(r"pid=(\d+)", out)}


def _answers(url: str) -> bool:
    try:
        return httpx.get(url + "/api/api.test", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def _registered(config: Path) -> set[int]:
    """The pids `hubbub admin cluster` lists."""
    done = subprocess.run(
        [sys.executable, "-m", "hubbub", "admin", "cluster"],
        env={**os.environ, "HUBBUB_CONFIG": str(config)},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return {p["pid"] for p in json.loads(done.stdout)["processes"]}


def test_cluster_up_serves_from_every_process_and_replaces_one_that_dies(
    tmp_path: Path,
    postgres_url: str,
    redis_server: RedisServer,
    redis_prefix: str,
) -> None:
    shared = Settings(
        database_url=postgres_url, redis_url=redis_server.url, redis_prefix=redis_prefix
    )
    ws = make_workspace(tmp_path / "admin", settings=shared)
    port = free_port()
    config = tmp_path / "cluster.toml"
    config.write_text(
        f'database_url = "{postgres_url}"\nredis_url = "{redis_server.url}"\n'
        f'redis_prefix = "{redis_prefix}"\nrate_limits = false\n'
        # Leases far longer than the test: a dead process leaves the list only if the
        # supervisor drops its record.
        "process_lease_s = 600\n"
    )
    command = ["cluster", "up", "--config", str(config), "--processes", "2", "--port", str(port)]
    # Each process's own port for sockets, from the kernel (the default, the ports after the
    # shared one, may be taken by another test's server).
    command += ["--gateway-ports", "0"]
    up = subprocess.Popen([sys.executable, "-m", "hubbub", *command])
    server = Server(f"http://127.0.0.1:{port}", tmp_path / "admin")
    try:
        # Both listen on the one port: the kernel spreads new connections over them.
        wait_for(lambda: len(_listeners(port)) == 2 and _answers(server.url), 30, "cluster up")
        first = _children(up.pid)
        assert _listeners(port) == first
        alice = server.client(ws.alice.token)
        channel = new_channel(alice, ws.bob.user_id)

        # Sockets go to a process's own port, once both registered theirs.
        def gateway_ports() -> set[int]:
            urls = [server.client(ws.bob.token).rtm_connect()["url"] for _ in range(20)]
            return {urlsplit(url).port or 0 for url in urls}

        gateways = wait_for(lambda: len(found := gateway_ports()) == 2 and found, 30, "gateways")
        assert port not in gateways
        assert all(_listeners(g) <= first and len(_listeners(g)) == 1 for g in gateways)
        with connect(server.client(ws.bob.token).rtm_connect()["url"], max_size=None) as sock:
            bob = Rtm(sock)
            assert bob.recv()["type"] == "hello"
            # A new connection each, so both processes take some.
            for n in range(20):
                server.client(ws.alice.token).chat_postMessage(channel=channel, text=f"m{n}")
            got = bob.until(text_is("m19"))
        assert [e["text"] for e in got if e.get("type") == "message"][-20:] == [
            f"m{n}" for n in range(20)
        ]

        victim = min(first)
        assert victim in _registered(config)
        subprocess.run(["kill", "-9", str(victim)], check=True)
        wait_for(lambda: victim not in _registered(config), 30, "the dead process forgotten")
        wait_for(lambda: len(_listeners(port) - first) == 1, 30, "the dead process replaced")
        wait_for(lambda: _registered(config) == _children(up.pid), 30, "its successor listed")
        assert _answers(server.url)
        assert _listeners(port) == _children(up.pid) and len(_children(up.pid)) == 2
    finally:
        up.send_signal(signal.SIGTERM)
        assert up.wait(30) == 0
    assert _children(up.pid) == set()


def test_cluster_up_refuses_settings_its_processes_cannot_share(tmp_path: Path) -> None:
    config = tmp_path / "cluster.toml"
    config.write_text('redis_url = "redis://127.0.0.1:6379/0"\n')
    done = subprocess.run(
        [sys.executable, "-m", "hubbub", "cluster", "up", "--config", str(config)],
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert b"database_url" in done.stderr


def test_cluster_up_workers_need_the_redis_job_queue(tmp_path: Path) -> None:
    config = tmp_path / "cluster.toml"
    config.write_text(
        'database_url = "postgresql+psycopg://postgres@127.0.0.1:5432/nowhere"\n'
        'redis_url = "redis://127.0.0.1:6379/0"\n'
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "hubbub",
            "cluster",
            "up",
            "--config",
            str(config),
            "--workers",
            "1",
        ],
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert b'--workers needs job_queue = "redis"' in done.stderr


def test_cluster_up_with_workers_runs_jobs_from_redis_streams(
    tmp_path: Path,
    postgres_url: str,
    redis_server: RedisServer,
    redis_prefix: str,
) -> None:
    """Servers relay their jobs into Redis Streams; the cluster's worker runs them: a mention
    becomes bob's notification."""
    shared = Settings(
        database_url=postgres_url, redis_url=redis_server.url, redis_prefix=redis_prefix
    )
    ws = make_workspace(tmp_path / "admin", settings=shared)
    port = free_port()
    config = tmp_path / "cluster.toml"
    config.write_text(
        f'database_url = "{postgres_url}"\nredis_url = "{redis_server.url}"\n'
        f'redis_prefix = "{redis_prefix}"\nrate_limits = false\njob_queue = "redis"\n'
    )
    command = ["cluster", "up", "--config", str(config), "--processes", "1", "--workers", "1"]
    up = subprocess.Popen([sys.executable, "-m", "hubbub", *command, "--port", str(port)])
    server = Server(f"http://127.0.0.1:{port}", tmp_path / "admin")
    try:
        wait_for(lambda: _answers(server.url), 30, "cluster up")
        assert len(_children(up.pid)) == 2  # a server and a worker
        alice = server.client(ws.alice.token)
        channel = new_channel(alice, ws.bob.user_id)
        alice.chat_postMessage(channel=channel, text=f"<@{ws.bob.user_id}> a look, please")
        bob = server.client(ws.bob.token)

        def notified() -> bool:
            items = bob.api_call("notifications.list").data
            return isinstance(items, dict) and bool(items.get("notifications"))

        wait_for(notified, 30, "bob notified by the worker")
    finally:
        up.send_signal(signal.SIGTERM)
        assert up.wait(30) == 0
