"""Token buckets in Redis, shared by every process of the scaled deployment.

The same buckets as MemoryLimiter, one hash per bucket (`<prefix>rl:<key>`: tokens left and when
they were counted). Each take is one Lua script, so concurrent takes from any number of processes
are serialised by Redis and never hand out more than the bucket holds. Time is Redis's own clock
(TIME inside the script), so processes whose clocks disagree still agree on every bucket.

A bucket expires at the moment it would have refilled to `burst`: a missing key reads as a full
bucket, so idle buckets vanish without changing any answer. The script calls TIME before
writing, which needs Redis 5 or later (effects replication).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import redis.asyncio as redis
import structlog
from redis.exceptions import RedisError

log = structlog.get_logger()

# KEYS[1] the bucket; ARGV rate per second, burst, and the time in µs where the caller keeps
# its own clock (tests), else Redis's TIME. Returns the wait as a string: Lua numbers would come
# back truncated to integers.
TAKE: Final = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
if not now then
  local t = redis.call('TIME')
  -- Microseconds since the epoch stay below 2^53, so the double holds them exactly.
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local tokens, last = burst, now
local saved = redis.call('HMGET', KEYS[1], 'tokens', 'at')
if saved[1] then
  tokens, last = tonumber(saved[1]), tonumber(saved[2])
end
-- A server clock that steps back (a failover to a replica) must not drain the bucket.
tokens = math.min(burst, tokens + math.max(0, now - last) / 1000000 * rate)
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = (1 - tokens) / rate
end
local full_ms = math.ceil((burst - tokens) / rate * 1000)
if full_ms > 0 then
  redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens),
             'at', string.format('%.17g', now))
  redis.call('PEXPIRE', KEYS[1], full_ms)
else
  redis.call('DEL', KEYS[1])
end
return string.format('%.17g', wait)
"""


class RedisLimiter:
    def __init__(
        self,
        client: redis.Redis,
        *,
        prefix: str = "hubbub:",
        clock: Callable[[], float] | None = None,
    ) -> None:
        """clock: seconds, for tests that step time themselves; None is Redis's own."""
        self._prefix = prefix + "rl:"
        self._clock = clock
        self._take = client.register_script(TAKE)
        self._failing = False

    async def take(self, key: str, rate_per_s: float, burst: int) -> float:
        # A zero rate would never refill: the wait and the expiry would both be infinite.
        if rate_per_s <= 0:
            raise ValueError("rate_per_s must be positive")
        try:
            args: list[str | int] = [repr(float(rate_per_s)), burst]
            if self._clock is not None:
                args.append(int(self._clock() * 1_000_000))
            wait = await self._take(keys=[self._prefix + key], args=args)
        except (RedisError, OSError) as exc:
            # Limits protect the service; they must not take it down with Redis. While Redis
            # is unreachable every call is let through, and said once per outage.
            if not self._failing:
                log.warning("rate_limits_unavailable", error=str(exc))
            self._failing = True
            return 0.0
        self._failing = False
        return float(wait)
