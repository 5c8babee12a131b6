"""`hubbub worker` with one more job kind, for the tests that kill workers mid-job.

The `effect` job adds its number to a Redis set (the effect, idempotent by nature) and counts
its runs in a hash, both in one transaction, then takes a little while to finish, so that a
kill -9 catches jobs whose effect is done but not yet acknowledged: those run again, and the set
shows it had no effect.
While it takes that while it is counted in `effect:inflight`, so that the test can stop the
worker at a moment when one is surely caught so (tests/e2e/test_job_workers.py).
"""

from __future__ import annotations

import asyncio
import sys

from redis.asyncio import Redis

from hubbub.app import build_hub, job_streams
from hubbub.config import load_settings
from hubbub.domain.jobs import Job, JobSpec
from hubbub.jobs import admin
from hubbub.jobs.kinds import Kind, kinds
from hubbub.services.hub import Hub


async def main(data_dir: str) -> None:
    settings = load_settings(None, data_dir=data_dir)
    assert settings.redis_url
    effects = Redis.from_url(settings.redis_url)
    prefix = settings.redis_prefix

    async def effect(_hub: Hub, job: Job) -> None:
        n = job.payload["n"]
        # One MULTI: a kill between the two would leave a job done but not counted, and the test
        # reads the count once the set is full.
        async with effects.pipeline(transaction=True) as both:
            both.sadd(f"{prefix}effect:done", n).hincrby(f"{prefix}effect:runs", str(n), 1)
            await both.execute()
        await effects.incr(f"{prefix}effect:inflight")
        await asyncio.sleep(0.02)
        await effects.decr(f"{prefix}effect:inflight")

    hub = build_hub(settings)
    try:
        table = kinds({"effect": Kind(JobSpec(timeout_s=5.0), effect)})
        streams = job_streams(hub, settings)
        await admin.work(hub, streams, concurrency=16, lease_s=1.0, table=table)
    finally:
        await hub.close()
        await effects.aclose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
