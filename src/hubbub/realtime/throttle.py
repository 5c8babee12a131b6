"""The limits on what an RTM client sends (services/abuse.py): Slack's 1 message a second per
connection with short bursts, typing likewise. A frame over them is answered as Slack answers
it, `{"ok": false, "reply_to": id, "error": {"code": -1, "msg": "slow down, too many
messages..."}}` (an `error` frame when it had no id), and is otherwise dropped: nothing sent,
nothing written, the socket stays open."""

from __future__ import annotations

import secrets
from typing import Any

from starlette.websockets import WebSocket

from hubbub.domain.errors import RateLimited
from hubbub.domain.model import Identity
from hubbub.realtime.frames import reply_error
from hubbub.services import abuse
from hubbub.services.hub import Hub

LIMITED = frozenset({"message", "typing"})
# Slack's own words and code for it, as clients (slack-go, bots) recognise them.
E_RATE_LIMITED = -1
RATE_LIMITED_MSG = "slow down, too many messages..."

_CONNECTION = "hubbub.connection"


async def refusal(
    hub: Hub, who: Identity, websocket: WebSocket, kind: Any, reply_to: Any
) -> bytes | None:
    """The answer to a frame over its limits, or None if it may be handled."""
    if kind not in LIMITED:
        return None
    # A per-socket id, kept in the socket's ASGI scope: buckets are kept by the shared limiter,
    # where another process's socket must not share them.
    connection = websocket.scope.setdefault(_CONNECTION, secrets.token_hex(8))
    try:
        await abuse.rtm_frame(hub, who, connection, kind)
    except RateLimited:
        return reply_error(reply_to, E_RATE_LIMITED, RATE_LIMITED_MSG)
    return None
