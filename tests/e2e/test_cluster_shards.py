"""Two `hubbub serve` processes over two PostgreSQL shards, a directory and Redis: a workspace
moved by `hubbub admin move-workspace` while people post through both processes loses and
doubles nothing, and a socket on the other process hears every message once, in order."""

from __future__ import annotations

import itertools
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import orjson
from slack_sdk.errors import SlackApiError
from websockets.sync.client import connect

from tests.support.rtm import Rtm, history_ts, new_channel, text_is
from tests.support.servers import ProcessServer, free_port, make_workspace
from tests.support.services import RedisServer
from tests.support.shards import ShardSet
from tests.support.waiting import wait_for

THREADS, PER_THREAD, AFTER_MOVE = 4, 60, 20


def _run_admin(config: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "hubbub", "admin", "--config", str(config), *args],
        capture_output=True,
        timeout=120,
        check=False,
    )


def _admin(config: Path, *args: str) -> dict[str, Any]:
    done = _run_admin(config, *args)
    assert done.returncode == 0, done.stderr.decode()
    found: dict[str, Any] = orjson.loads(done.stdout)
    return found


def test_a_workspace_moves_while_both_processes_take_posts(
    tmp_path: Path, shard_set: ShardSet, redis_server: RedisServer, redis_prefix: str
) -> None:
    shared = {"redis_url": redis_server.url, "redis_prefix": redis_prefix}
    config = shard_set.toml(tmp_path / "cluster.toml", **shared)
    ws = make_workspace(tmp_path / "admin", settings=shard_set.settings(**shared))
    env = {**shard_set.env(), "HUBBUB_REDIS_URL": redis_server.url}
    env["HUBBUB_REDIS_PREFIX"] = redis_prefix
    a = ProcessServer(tmp_path / "a", free_port(), env=env)
    b = ProcessServer(tmp_path / "b", free_port(), env=env)
    a.start()
    b.start()
    try:
        before = _admin(config, "shards", "--interval", "0.5")
        assert [(s["name"], s["workspaces"]) for s in before["shards"]] == [("a", 1), ("b", 0)]
        alice = a.server.client(ws.alice.token)
        channel = new_channel(alice, ws.bob.user_id)
        acked: dict[str, str] = {}
        lock = threading.Lock()
        moved: list[dict[str, Any]] = []

        def post(n: int) -> None:
            """PER_THREAD posts, and on until AFTER_MOVE more after the move ended."""
            client = (a, b)[n % 2].server.client(ws.alice.token)
            after_move = 0
            deadline = time.monotonic() + 120
            for i in itertools.count():
                if (i >= PER_THREAD and after_move >= AFTER_MOVE) or time.monotonic() > deadline:
                    return
                after_move += bool(moved)
                text = f"{n}.{i}"
                while True:
                    try:
                        ts = client.chat_postMessage(
                            channel=channel, text=text, client_msg_id=f"move-{text}"
                        )["ts"]
                        break
                    except SlackApiError as err:  # a write kept waiting too long: retry
                        assert err.response["error"] == "service_unavailable"
                with lock:
                    acked[text] = ts

        def mover() -> None:
            wait_for(
                lambda: len(acked) >= THREADS * PER_THREAD // 3,
                timeout=120,
                interval=0.005,
                what="a third of the posts acknowledged",
            )
            report = _admin(config, "move-workspace", "acme", "--to", "b")
            moved.extend([report, {"acked": len(acked)}])

        with connect(b.server.client(ws.bob.token).rtm_connect()["url"], max_size=None) as sock:
            bob = Rtm(sock)
            assert bob.recv()["type"] == "hello"
            threads = [threading.Thread(target=post, args=(n,)) for n in range(THREADS)]
            threads.append(threading.Thread(target=mover))
            for t in threads:
                t.start()
            for t in threads:
                t.join(180)
            alice.chat_postMessage(channel=channel, text="the end")
            bob.until(text_is("the end"), timeout=30)

        report, progress = moved
        assert report["ok"] and (report["source"], report["target"]) == ("a", "b")
        assert progress["acked"] <= len(acked) - THREADS * AFTER_MOVE, "posts went on after it"
        history = history_ts(b.server.client(ws.alice.token), channel)
        mine = set(acked.values())
        # Stored once each, with the ts it was answered with, and heard once, in history order.
        assert sorted(ts for ts in history if ts in mine) == sorted(mine)
        heard = [e["ts"] for e in bob.frames if e.get("type") == "message"]
        assert len(heard) == len(set(heard))
        assert [ts for ts in heard if ts in mine] == [ts for ts in history if ts in mine]
        after = _admin(config, "shards", "--interval", "0.5")
        assert [(s["name"], s["workspaces"]) for s in after["shards"]] == [("a", 0), ("b", 1)]
        with shard_set.connect("a") as conn:
            left = conn.execute("SELECT count(*) FROM messages").fetchone()
        assert left == (0,)
    finally:
        b.stop()
        a.stop()


def test_the_shard_commands_say_what_is_wrong(tmp_path: Path, shard_set: ShardSet) -> None:
    plain = tmp_path / "plain.toml"
    plain.write_text('redis_url = "redis://127.0.0.1:6379/0"\n')
    for args in (["shards"], ["move-workspace", "acme", "--to", "b"]):
        done = _run_admin(plain, *args)
        assert done.returncode == 2
        assert b"name no shards" in done.stderr
    sharded = shard_set.toml(tmp_path / "cluster.toml")
    done = _run_admin(sharded, "move-workspace", "nosuch", "--to", "b")
    assert (done.returncode, orjson.loads(done.stdout)) == (
        1,
        {"ok": False, "error": "team_not_found"},
    )
