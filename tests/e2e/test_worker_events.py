"""`hubbub worker` in its own process commits events (an unfurl's `message_changed`): each is
published once, by the worker at its commit, and no server's relay publishes it again."""

from __future__ import annotations

import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import redis

from tests.support.rtm import new_channel
from tests.support.servers import env_for, make_workspace, threaded_server
from tests.support.waiting import wait_for
from tests.support.web_target import Target

POSTS = 10


def test_the_events_of_a_workers_jobs_are_published_once_each(
    tmp_path: Path, redis_server: Any, redis_prefix: str
) -> None:
    data_dir = tmp_path / "data"
    shared = {"job_queue": "redis", "redis_url": redis_server.url, "redis_prefix": redis_prefix}
    env = {f"HUBBUB_{k.upper()}": str(v) for k, v in shared.items()}
    r = redis.Redis.from_url(redis_server.url)
    heard = r.pubsub()
    worker: subprocess.Popen[bytes] | None = None
    try:
        with (
            Target("127.0.0.1") as target,
            threaded_server(data_dir, allow_private_outbound=True, **shared) as server,
        ):
            workspace = make_workspace(data_dir)
            alice = server.client(workspace.alice.token)
            channel = new_channel(alice)
            # What every gateway's feed of the channel receives from the bus.
            heard.subscribe(f"{redis_prefix}s:{channel}")
            worker = subprocess.Popen(
                [sys.executable, "-m", "hubbub", "worker", "--data-dir", str(data_dir)],
                env=env_for(data_dir, HUBBUB_ALLOW_PRIVATE_OUTBOUND="true", **env),
            )
            for n in range(POSTS):
                alice.chat_postMessage(channel=channel, text=f"<{target.url(f'/og?n={n}')}>")
            changed: Counter[bytes] = Counter()

            def hear() -> None:
                found = heard.get_message(timeout=0.1)
                if found and found["type"] == "message" and b"message_changed" in found["data"]:
                    changed[found["data"]] += 1

            def all_heard() -> bool:
                hear()
                return len(changed) == POSTS

            wait_for(all_heard, timeout=30, interval=0, what=lambda: f"{len(changed)} of {POSTS}")
            # Listening on past the relays' grace period (1 s) and a pass: a row the worker
            # left would be published again by now. Not a wait: nothing more should come.
            quiet_until = time.monotonic() + 2.5
            while time.monotonic() < quiet_until:
                hear()
            assert len(changed) == POSTS
            assert set(changed.values()) == {1}, "each event published once"
    finally:
        if worker is not None and worker.poll() is None:
            worker.terminate()
            worker.wait(20)
        heard.close()
        for key in r.keys(f"{redis_prefix}*"):
            r.delete(key)
        r.close()
