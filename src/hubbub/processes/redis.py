"""The processes of the scaled deployment in Redis, where every process reads them.

Two keys: the sorted set `<prefix>px:leases` (process id, scored with the Redis time in ms its
lease runs out, as presence's leases are: presence/redis.py) and the hash `<prefix>px:info`
(process id -> its record, domain/processes.py `encode`). Each script reads Redis's own clock,
so the processes' clocks need not agree, and first forgets the records whose lease ran out:
a dead process drops out at the first renewal or listing after its lease, and nothing else
ever has to sweep.
"""

from __future__ import annotations

from typing import Any, Final

import redis.asyncio as redis

from hubbub.domain.processes import ProcessInfo, decode

# Drops the records whose lease ran out; KEYS: leases, info. Leaves now_ms set.
_FORGET = """
local t = redis.call('TIME')
local now_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now_ms)
if #dead > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now_ms)
  redis.call('HDEL', KEYS[2], unpack(dead))
end
"""

# ARGV: process id, lease in ms, record.
RENEW: Final = (
    _FORGET
    + """
redis.call('ZADD', KEYS[1], now_ms + tonumber(ARGV[2]), ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
"""
)

# Returns id, expiry, record, for each live process.
LIVE: Final = (
    _FORGET
    + """
local out = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local record = redis.call('HGET', KEYS[2], id)
  if record then
    table.insert(out, id)
    table.insert(out, redis.call('ZSCORE', KEYS[1], id))
    table.insert(out, record)
  end
end
return out
"""
)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class RedisProcesses:
    def __init__(self, client: redis.Redis, *, prefix: str = "hubbub:") -> None:
        self._keys = [prefix + "px:leases", prefix + "px:info"]
        self._client = client
        self._renew = client.register_script(RENEW)
        self._live = client.register_script(LIVE)

    async def renew(self, info: ProcessInfo, lease_s: float) -> None:
        lease_ms = max(1, int(lease_s * 1000))
        await self._renew(keys=self._keys, args=[info.id, lease_ms, info.encode()])

    async def live(self) -> list[ProcessInfo]:
        flat = await self._live(keys=self._keys)
        found = []
        for at in range(0, len(flat), 3):
            info = decode(flat[at + 2], int(float(_text(flat[at + 1]))))
            if info is not None:
                found.append(info)
        return sorted(found, key=lambda p: p.id)

    async def leave(self, process_id: str) -> None:
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.zrem(self._keys[0], process_id)
            pipe.hdel(self._keys[1], process_id)
            await pipe.execute()
