"""RedisLimiter: MemoryLimiter's buckets, shared by processes and safe under concurrency."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as redis

from hubbub.limits.memory import MemoryLimiter
from hubbub.limits.redis import RedisLimiter
from tests.support.servers import free_port
from tests.support.services import RedisServer


@pytest.fixture
async def clients(redis_server: RedisServer, redis_prefix: str) -> AsyncIterator[list[redis.Redis]]:
    """Two clients with their own connections, standing for two processes."""
    made = [redis.Redis.from_url(redis_server.url) for _ in range(2)]
    try:
        yield made
    finally:
        # Slow buckets would linger for minutes in the shared Redis.
        async for key in made[0].scan_iter(match=redis_prefix + "*"):
            await made[0].delete(key)
        for client in made:
            await client.aclose()


class Clock:
    """Time that moves only when the test says so (seconds)."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


async def test_same_answers_as_memory_limiter(
    clients: list[redis.Redis], redis_prefix: str
) -> None:
    clock = Clock()
    memory = MemoryLimiter(clock)
    shared = RedisLimiter(clients[0], prefix=redis_prefix, clock=clock)
    rate, burst = 10.0, 3  # a token every 0.1 s

    async def both() -> tuple[float, float]:
        return await memory.take("k", rate, burst), await shared.take("k", rate, burst)

    # (pause before the take, expected wait): the burst, a refusal that costs nothing, a partial
    # refill, and a long pause that refills only up to the burst.
    script = [
        (0.0, 0.0),
        (0.0, 0.0),
        (0.0, 0.0),
        (0.0, 0.1),
        (0.25, 0.0),  # 2.5 tokens: a refusal above took none
        (0.0, 0.0),
        (0.0, 0.05),  # half a token left
        (1.0, 0.0),  # 10.5 tokens' worth of time, capped at 3
        (0.0, 0.0),
        (0.0, 0.0),
        (0.0, 0.1),
    ]
    for step, (pause, expected) in enumerate(script):
        clock.now += pause
        in_memory, in_redis = await both()
        assert in_redis == pytest.approx(in_memory, abs=1e-6), step
        assert in_redis == pytest.approx(expected, abs=1e-6), step
        assert (in_redis == 0.0) == (expected == 0.0), step


async def test_a_bucket_is_one_hash_that_expires_when_full(
    clients: list[redis.Redis], redis_prefix: str
) -> None:
    limiter = RedisLimiter(clients[0], prefix=redis_prefix)
    key = redis_prefix + "rl:idle"
    assert await limiter.take("idle", 20.0, 2) == 0.0  # one token short: full in 50 ms
    ttl_ms = await clients[0].pttl(key)
    assert 0 < ttl_ms <= 50
    await asyncio.sleep(0.1)
    assert await clients[0].exists(key) == 0
    # A vanished bucket is a full one.
    assert [await limiter.take("idle", 20.0, 2) for _ in range(3)][:2] == [0.0, 0.0]


async def test_two_processes_share_one_bucket(
    clients: list[redis.Redis], redis_prefix: str
) -> None:
    first, second = (RedisLimiter(client, prefix=redis_prefix) for client in clients)
    rate, burst = 0.01, 5  # no refill within the test
    waits = []
    for _ in range(burst):
        waits.append(await first.take("shared", rate, burst))
        waits.append(await second.take("shared", rate, burst))
    assert waits.count(0.0) == burst
    assert waits[:burst] == [0.0] * burst
    assert all(w == pytest.approx(1 / rate, rel=0.01) for w in waits[burst:])


async def test_concurrent_takes_hand_out_exactly_the_burst(
    clients: list[redis.Redis], redis_prefix: str
) -> None:
    limiters = [RedisLimiter(client, prefix=redis_prefix) for client in clients]
    waits = await asyncio.gather(*(limiters[i % 2].take("busy", 0.01, 10) for i in range(50)))
    assert waits.count(0.0) == 10
    assert all(w > 0 for w in waits if w != 0.0)


async def test_rejects_a_rate_that_never_refills(
    clients: list[redis.Redis], redis_prefix: str
) -> None:
    with pytest.raises(ValueError):
        await RedisLimiter(clients[0], prefix=redis_prefix).take("k", 0.0, 1)


async def test_an_unreachable_redis_lets_calls_through(redis_prefix: str) -> None:
    dead = free_port()  # nothing listens there
    client = redis.Redis.from_url(f"redis://127.0.0.1:{dead}/0")
    try:
        limiter = RedisLimiter(client, prefix=redis_prefix)
        assert [await limiter.take("k", 1.0, 1) for _ in range(3)] == [0.0, 0.0, 0.0]
    finally:
        await client.aclose()
