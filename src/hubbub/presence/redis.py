"""Presence in Redis, shared by every process of the scaled deployment.

One hash per person, `<prefix>pr:<team>:<user>`:

- `n:<process id>`: that process's open sockets of the person; the connection count is their sum;
- `manual`: the manual-away setting last told ("1" or "0"), absent until first told;
- `last`: unix time of the last connect or disconnect (Redis's clock, as every process reads it);
- `state`: the effective presence last reported.

Every update is one Lua script that reads the hash, applies the update and writes the new state,
so `before` is always the `after` of the previous update, whichever process made it: each change
of effective presence is reported exactly once. Semantics are MemoryPresence's, including that
`connected(manual_away=...)` only seeds a setting the port does not have yet.

A process that dies with sockets open. Counts are kept per process so that a dead process's
sockets can be told apart and dropped. Each process holds a lease, its id in the sorted set
`<prefix>pr:leases` scored with the Redis time (ms) it runs out; every update renews it, and a
background task renews it every `lease_s / 3` while the adapter is open. Any update of a person
first drops the `n:` fields of processes whose lease has run out, and `connections` leaves them
out of the count. A process stalled for longer than its lease (say a blocked event loop) is taken
for dead the same way; its later disconnects are ignored, so counts never go below zero.

Telling others: each process keeps, in `<prefix>pr:of:<process id>`, the people it holds
sockets of, and registers itself in `<prefix>pr:processes`. `sweep`, run every few seconds by
every process (jobs/presence_sweep.py), finds the registered processes without a live lease and
pops their people (SPOP: each person goes to one sweeper), updating each so that the dead
counts are dropped and the change, if any, reported once; the sweeper announces it. A
disconnect only undoes a connect of the same process, which is how sockets behave.

A person's hash is kept, like MemoryPresence's entries, after their last socket closes: the
manual-away setting must outlive a reconnect whose read of the stored setting is stale.

The two keys a script touches hash to different cluster slots: this is for a single Redis (with
replicas), not Redis Cluster. Scripts call TIME before writing, which needs Redis 5 or later.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from typing import Any, Final

import redis.asyncio as redis
import structlog

from hubbub.aio import cancel_for_sure
from hubbub.presence.port import Change

log = structlog.get_logger()

LEASE_S = 30.0
SWEEP_BATCH = 500

# KEYS: the person's hash, the lease set, the set of processes, this process's set of people.
# ARGV: op (connect, disconnect, away, sweep), process id, lease in ms, flag ("1"/"0":
# manual_away for connect, away for away), the person's "team:user". Returns {before, after}.
# A sweep changes nothing but what the other ops also do first: drop dead processes' counts.
UPDATE: Final = """
local person, leases, processes, mine_set = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local op, me, lease_ms, flag, who = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4], ARGV[5]
local t = redis.call('TIME')
local now_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if op ~= 'sweep' then
  redis.call('ZADD', leases, now_ms + lease_ms, me)
end
local mine_field = 'n:' .. me
local count, mine, manual, before = 0, 0, false, 'away'
local saved = redis.call('HGETALL', person)
for i = 1, #saved, 2 do
  local field, value = saved[i], saved[i + 1]
  if string.sub(field, 1, 2) == 'n:' then
    local expires = tonumber(redis.call('ZSCORE', leases, string.sub(field, 3)))
    if expires and expires > now_ms then
      count = count + tonumber(value)
      if field == mine_field then mine = tonumber(value) end
    else
      redis.call('HDEL', person, field)
    end
  elseif field == 'manual' then
    manual = value
  elseif field == 'state' then
    before = value
  end
end
if op == 'connect' then
  if not manual then
    manual = flag
    redis.call('HSET', person, 'manual', manual)
  end
  redis.call('HINCRBY', person, mine_field, 1)
  redis.call('SADD', processes, me)
  redis.call('SADD', mine_set, who)
  count = count + 1
  redis.call('HSET', person, 'last', t[1])
elseif op == 'disconnect' then
  -- Only this process's own sockets can close here; none left means nothing to undo.
  if mine > 1 then
    redis.call('HINCRBY', person, mine_field, -1)
  elseif mine == 1 then
    redis.call('HDEL', person, mine_field)
    redis.call('SREM', mine_set, who)
  end
  count = count - math.min(mine, 1)
  redis.call('HSET', person, 'last', t[1])
elseif op == 'away' then
  manual = flag
  redis.call('HSET', person, 'manual', manual)
end
local after = 'away'
if count > 0 and manual ~= '1' then after = 'active' end
redis.call('HSET', person, 'state', after)
return {before, after}
"""

# KEYS: the person's hash, the lease set. Returns {live connections, last activity}.
CONNECTIONS: Final = """
local t = redis.call('TIME')
local now_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local count, last = 0, 0
local saved = redis.call('HGETALL', KEYS[1])
for i = 1, #saved, 2 do
  local field, value = saved[i], saved[i + 1]
  if string.sub(field, 1, 2) == 'n:' then
    local expires = tonumber(redis.call('ZSCORE', KEYS[2], string.sub(field, 3)))
    if expires and expires > now_ms then count = count + tonumber(value) end
  elseif field == 'last' then
    last = tonumber(value)
  end
end
return {count, last}
"""

# KEYS: the lease set, the set of processes. Returns the processes whose lease ran out (or
# that have none): each one's people are swept by whoever asks.
DEAD: Final = """
local t = redis.call('TIME')
local now_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local dead = {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  local expires = tonumber(redis.call('ZSCORE', KEYS[1], id))
  if not expires or expires <= now_ms then table.insert(dead, id) end
end
return dead
"""

# KEYS: the lease set. ARGV: process id, lease in ms. Also forgets leases that ran out: a
# missing lease reads the same as an expired one.
RENEW: Final = """
local t = redis.call('TIME')
local now_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now_ms)
redis.call('ZADD', KEYS[1], now_ms + tonumber(ARGV[2]), ARGV[1])
"""


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class RedisPresence:
    def __init__(
        self,
        client: redis.Redis,
        *,
        prefix: str = "hubbub:",
        lease_s: float = LEASE_S,
        process_id: str | None = None,
    ) -> None:
        self._prefix = prefix + "pr:"
        self._leases = self._prefix + "leases"
        self._processes = self._prefix + "processes"
        self._lease_ms = max(1, int(lease_s * 1000))
        self.process_id = process_id or f"{os.getpid()}-{uuid.uuid4().hex[:12]}"
        self._update = client.register_script(UPDATE)
        self._connections = client.register_script(CONNECTIONS)
        self._renew = client.register_script(RENEW)
        self._dead = client.register_script(DEAD)
        self._client = client
        self._renewer: asyncio.Task[None] | None = None

    def _key(self, team_id: str, user_id: str) -> str:
        return f"{self._prefix}{team_id}:{user_id}"

    def _people_of(self, process_id: str) -> str:
        return f"{self._prefix}of:{process_id}"

    async def _run(
        self, team_id: str, user_id: str, op: str, flag: bool = False, *, process_id: str = ""
    ) -> Change:
        # Started on first use, so an adapter in use always keeps its lease alive.
        if self._renewer is None and op != "sweep":
            self._renewer = asyncio.get_running_loop().create_task(self._keep_lease())
        process_id = process_id or self.process_id
        keys = [self._key(team_id, user_id), self._leases, self._processes]
        before, after = await self._update(
            keys=[*keys, self._people_of(process_id)],
            args=[op, process_id, self._lease_ms, "1" if flag else "0", f"{team_id}:{user_id}"],
        )
        return Change(_text(before), _text(after))

    async def sweep(self) -> list[tuple[str, str, Change]]:
        """The people whose sockets were on processes that died: each is updated once, by
        whichever process pops them first, and their changes (to away) returned for telling."""
        changes = []
        for dead in map(_text, await self._dead(keys=[self._leases, self._processes])):
            people = self._people_of(dead)
            while batch := await self._client.spop(people, SWEEP_BATCH):
                for who in map(_text, batch):
                    team_id, _, user_id = who.partition(":")
                    change = await self._run(team_id, user_id, "sweep", process_id=dead)
                    changes.append((team_id, user_id, change))
            await self._client.srem(self._processes, dead)
        return changes

    async def _keep_lease(self) -> None:
        while True:
            await asyncio.sleep(self._lease_ms / 3000)
            try:
                await self._renew(keys=[self._leases], args=[self.process_id, self._lease_ms])
            except redis.RedisError:
                # Keep trying: the lease is longer than three periods.
                log.exception("presence_lease_renewal_failed")

    async def connections(self, team_id: str, user_id: str) -> tuple[int, int]:
        count, last = await self._connections(keys=[self._key(team_id, user_id), self._leases])
        return int(count), int(last)

    async def connected(self, team_id: str, user_id: str, *, manual_away: bool = False) -> Change:
        return await self._run(team_id, user_id, "connect", manual_away)

    async def disconnected(self, team_id: str, user_id: str) -> Change:
        return await self._run(team_id, user_id, "disconnect")

    async def set_manual_away(self, team_id: str, user_id: str, away: bool) -> Change:
        return await self._run(team_id, user_id, "away", away)

    async def close(self) -> None:
        """Stops renewing the lease: sockets still counted stop counting when it runs out."""
        if self._renewer is not None:
            await cancel_for_sure(self._renewer)
            self._renewer = None
