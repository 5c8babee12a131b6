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
    tier=TIER_3,
    args={
        "batch_presence_aware": "boolean",
        "presence_sub": "boolean",
        "resume": "string",
    },
)
async def rtm_connect(call: Call) -> dict[str, Any]:
    """Starts a Real Time Messaging session; `resume` takes a hubbub resume cursor."""
    found = await realtime.connect(call.hub, call.who, call.text("resume"))
    return {
        "url": found.url,
        "self": {"id": found.user.id, "name": found.user.name},
        "team": {"id": found.team.id, "name": found.team.name, "domain": found.team.domain},
    }
