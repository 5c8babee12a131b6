"""`hubbub worker` processes over Redis Streams: kill -9 one in the middle of 1,000 jobs, and
every job still completes exactly once in effect; `hubbub admin jobs` shows the queues."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import redis
from redis.asyncio import Redis as RedisAsync

from hubbub.app import build_hub, job_streams
from hubbub.jobs.streams import JobStreams, StreamRelay
from tests.support.servers import env_for, run_coroutine, settings_for
from tests.support.waiting import wait_for

JOBS = 1000


def _settings_env(url: str, prefix: str) -> dict[str, str]:
    return {"HUBBUB_JOB_QUEUE": "redis", "HUBBUB_REDIS_URL": url, "HUBBUB_REDIS_PREFIX": prefix}


def _queue_jobs(data_dir: Path, url: str, prefix: str) -> None:
    """1,000 jobs queued in one unit of work, moved into the stream by the relay."""
    settings = settings_for(data_dir, job_queue="redis", redis_url=url, redis_prefix=prefix)

    async def main() -> None:
        from hubbub.services import workspaces

        hub = build_hub(settings)
        try:
            team = await workspaces.create_workspace(hub, "Acme", "acme")

            def unit(_tx: Any, log: Any) -> None:
                for n in range(JOBS):
                    log.job(team.id, "effect", {"n": n})

            await hub.commit(team.id, unit)
            relay = StreamRelay(hub, job_streams(hub, settings))
            while await relay.run_once():
                pass
        finally:
            await hub.close()

    run_coroutine(main())


def _worker(data_dir: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.support.job_worker", str(data_dir)],
        env=env_for(data_dir, **env),
        cwd=Path(__file__).parents[2],
    )


def _kill_with_a_job_unacknowledged(
    worker: subprocess.Popen[bytes], r: redis.Redis, prefix: str
) -> None:
    """kill -9 once 300 effects are done, at a moment when one job's effect is done and not yet
    acknowledged: the worker is stopped (SIGSTOP) and looked at, and let go on if none is.
    Killing at any moment could fall between batches of jobs, with nothing left to run again
    (seen under load)."""

    def killed() -> bool:
        os.kill(worker.pid, signal.SIGSTOP)
        if r.scard(f"{prefix}effect:done") >= 300 and int(r.get(f"{prefix}effect:inflight") or 0):
            os.kill(worker.pid, signal.SIGKILL)
            return True
        os.kill(worker.pid, signal.SIGCONT)
        return False

    wait_for(killed, timeout=60.0, interval=0.01, what="300 effects done and one unacknowledged")


def test_kill_9_of_a_worker_mid_load_loses_and_doubles_nothing(
    tmp_path: Path, redis_server: Any, redis_prefix: str
) -> None:
    data_dir = tmp_path / "data"
    _queue_jobs(data_dir, redis_server.url, redis_prefix)
    env = _settings_env(redis_server.url, redis_prefix)
    r = redis.Redis.from_url(redis_server.url)
    done, runs = f"{redis_prefix}effect:done", f"{redis_prefix}effect:runs"
    first = _worker(data_dir, env)
    others: list[subprocess.Popen[bytes]] = []
    try:
        _kill_with_a_job_unacknowledged(first, r, redis_prefix)
        first.wait(10)
        killed_at = r.scard(done)
        assert killed_at < JOBS  # it died mid-load
        others = [_worker(data_dir, env) for _ in range(2)]
        wait_for(lambda: r.scard(done) == JOBS, timeout=60.0)
        # Every job's effect once, and the jobs caught mid-run by the kill ran again.
        counts = {int(k): int(v) for k, v in r.hgetall(runs).items()}
        assert sorted(counts) == list(range(JOBS))
        assert any(n > 1 for n in counts.values()), f"no rerun; killed at {killed_at}"
        # The last jobs finish their run (and are acknowledged) after their effect.
        wait_for(lambda: _stats(redis_server.url, redis_prefix)["pending"] == 0, timeout=60.0)
        stats = _stats(redis_server.url, redis_prefix)
        assert (stats["stream"], stats["pending"], stats["dead"]) == (0, 0, 0)
        assert stats["totals"]["effect:done"] >= JOBS

        # `hubbub admin jobs` shows the same, with rates.
        shown = subprocess.run(
            [
                sys.executable,
                "-m",
                "hubbub",
                "admin",
                "jobs",
                "--data-dir",
                str(data_dir),
                "--interval",
                "0.2",
            ],
            env=env_for(data_dir, **env),
            capture_output=True,
            check=True,
            timeout=60,
        )
        report = json.loads(shown.stdout)
        assert report["ok"] is True
        assert report["streams"]["dead"] == 0 and report["dead_letters"] == []
        assert report["tables"] == {"main": {}} or all(not v for v in report["tables"].values())
    finally:
        for proc in [first, *others]:
            if proc.poll() is None:
                proc.terminate()
                proc.wait(20)
        for key in r.keys(f"{redis_prefix}*"):
            r.delete(key)
        r.close()


def _stats(url: str, prefix: str) -> dict[str, Any]:
    async def main() -> dict[str, Any]:
        client = RedisAsync.from_url(url)
        try:
            return await JobStreams(client, prefix=prefix).stats()
        finally:
            await client.aclose()

    return run_coroutine(main())


def test_a_worker_refuses_to_start_without_redis_streams(tmp_path: Path) -> None:
    answer = subprocess.run(
        [sys.executable, "-m", "hubbub", "worker", "--data-dir", str(tmp_path / "data")],
        env=env_for(tmp_path / "data"),
        capture_output=True,
        timeout=60,
    )
    assert answer.returncode == 2
    assert b'needs job_queue = "redis"' in answer.stderr
