"""Claims (the tickets port): of many callers asking at once for one key, in one process or
in several over Redis, exactly one is answered yes, until the claim's time runs out."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as redis

from hubbub.tickets.memory import MemoryTickets
from hubbub.tickets.port import Tickets
from hubbub.tickets.redis import RedisTickets
from tests.support.services import RedisServer


@pytest.fixture
async def clients(redis_server: RedisServer, redis_prefix: str) -> AsyncIterator[list[redis.Redis]]:
    """Three clients with their own connections, standing for three processes."""
    made = [redis.Redis.from_url(redis_server.url) for _ in range(3)]
    try:
        yield made
    finally:
        async for key in made[0].scan_iter(match=redis_prefix + "*"):
            await made[0].delete(key)
        for client in made:
            await client.aclose()


async def _one_winner_per_key(ports: list[Tickets]) -> None:
    for key in ("envelope:1", "envelope:2"):
        answers = await asyncio.gather(*(port.claim(key, 0.3) for port in ports * 4))
        assert answers.count(True) == 1, key
    await asyncio.sleep(0.4)
    assert await ports[-1].claim("envelope:1", 0.3), "a claim ends with its time"


async def test_memory_claims_answer_yes_once() -> None:
    await _one_winner_per_key([MemoryTickets(30.0)])


async def test_redis_claims_answer_yes_once_across_processes(
    clients: list[redis.Redis], redis_prefix: str
) -> None:
    await _one_winner_per_key([RedisTickets(c, 30.0, prefix=redis_prefix) for c in clients])
