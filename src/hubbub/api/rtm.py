"""rtm.connect: a single-use WebSocket URL for the real-time gateway (realtime/)."""

from __future__ import annotations

from typing import Any

from hubbub.api.call import Call
from hubbub.api.registry import TIER_3, Router
from hubbub.services import realtime

router = Router()


# Slack puts rtm.connect in Tier 1; Tier 3 lets clients (and tests) reconnect freely.
@router.method(
    "rtm.connect",
    scopes="rtm:stream",
    tier=TIER_3,
    args={
        "batch_presence_aware": "boolean",
        "presence_sub": "boolean",
        "resume": "string",
    },
)
async def rtm_connect(call: Call) -> dict[str, Any]:
    """Starts a Real Time Messaging session; `resume` takes a hubbub resume cursor."""
    found = await realtime.connect(
        call.hub,
        call.who,
        call.text("resume"),
        batch_presence=call.flag("batch_presence_aware"),
    )
    return {
        "url": found.url,
        "self": {"id": found.user.id, "name": found.user.name},
        "team": {"id": found.team.id, "name": found.team.name, "domain": found.team.domain},
    }


# Slack retired rtm.start's workspace snapshot: it now answers as rtm.connect does (url, self,
# team); users and channels come from users.list and conversations.list.
@router.method(
    "rtm.start",
    scopes="rtm:stream",
    tier=TIER_3,
    args={
        "batch_presence_aware": "boolean",
        "include_locale": "boolean",
        "mpim_aware": "boolean",
        "no_latest": "boolean",
        "no_unreads": "boolean",
        "presence_sub": "boolean",
        "simple_latest": "boolean",
        "resume": "string",
    },
)
async def rtm_start(call: Call) -> dict[str, Any]:
    """Starts a Real Time Messaging session: the same answer as rtm.connect."""
    return await rtm_connect(call)
