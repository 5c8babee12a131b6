"""bots.* methods."""

from __future__ import annotations

from typing import Any

from hubbub.api.call import Call
from hubbub.api.registry import TIER_3, Router
from hubbub.services import bots

router = Router()


@router.method(
    "bots.info", scopes="users:read", tier=TIER_3, args={"bot": "string", "team_id": "string"}
)
async def info(call: Call) -> dict[str, Any]:
    """A bot of the caller's workspace: its name, icons, app and bot user."""
    return {"bot": await bots.info(call.hub, call.who, call.required("bot", "bot_not_found"))}
