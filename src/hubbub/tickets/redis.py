"""Tickets in Redis, for a socket that reaches another process than the one that issued it.

One key per ticket with Redis's own expiry, consumed with GETDEL: exactly one consumer can
have it, whichever process it runs in. A claim is a key set with SET NX and an expiry: one
round trip, and only one of the processes asking at once is answered yes.
"""

from __future__ import annotations

import secrets
from typing import Any

import orjson
import redis.asyncio as redis

from hubbub.domain.model import Identity
from hubbub.tickets.port import Ticket


def _dump(ticket: Ticket) -> bytes:
    who = ticket.who
    return orjson.dumps(
        {
            "who": {
                "team_id": who.team_id,
                "user_id": who.user_id,
                "token_kind": who.token_kind,
                "token_hash": who.token_hash,
                "is_admin": who.is_admin,
                "bot_id": who.bot_id,
                "scopes": sorted(who.scopes),
                "app_id": who.app_id,
            },
            "resume": ticket.resume,
            "batch_presence": ticket.batch_presence,
            "upload": ticket.upload,
            "trigger": ticket.trigger,
        }
    )


def _load(data: bytes | str) -> Ticket:
    body: dict[str, Any] = orjson.loads(data)
    who = dict(body["who"])
    who["scopes"] = frozenset(who["scopes"])
    return Ticket(
        Identity(**who),
        body["resume"],
        bool(body["batch_presence"]),
        body.get("upload"),
        body.get("trigger"),
    )


class RedisTickets:
    def __init__(self, client: redis.Redis, ttl_s: float, *, prefix: str = "hubbub:") -> None:
        self._client = client
        self._prefix = prefix + "tk:"
        self._ttl_ms = max(1, int(ttl_s * 1000))

    async def issue(self, ticket: Ticket, *, ttl_s: float | None = None) -> str:
        key = secrets.token_urlsafe(24)
        ttl_ms = self._ttl_ms if ttl_s is None else max(1, int(ttl_s * 1000))
        await self._client.set(self._prefix + key, _dump(ticket), px=ttl_ms)
        return key

    async def consume(self, key: str) -> Ticket | None:
        if not key or len(key) > 64:
            return None
        data = await self._client.getdel(self._prefix + key)
        return None if data is None else _load(data)

    async def claim(self, key: str, ttl_s: float) -> bool:
        ttl_ms = max(1, int(ttl_s * 1000))
        return bool(await self._client.set(self._prefix + "claim:" + key, b"1", nx=True, px=ttl_ms))

    async def close(self) -> None:
        pass  # the client is the composition root's to close
