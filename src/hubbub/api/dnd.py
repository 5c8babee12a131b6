"""dnd.* methods: do not disturb, as snoozes (hubbub keeps no daily schedules)."""

from __future__ import annotations

from typing import Any

from hubbub.api.call import Call
from hubbub.api.registry import TIER_2, TIER_3, Router
from hubbub.services import notify_settings

router = Router()


@router.method("dnd.setSnooze", scopes="dnd:write", tier=TIER_2, args={"num_minutes": "integer"})
async def set_snooze(call: Call) -> dict[str, Any]:
    """Turns on Do Not Disturb for the caller for num_minutes from now, or changes its end."""
    return await notify_settings.set_snooze(call.hub, call.who, call.integer("num_minutes"))


@router.method("dnd.endSnooze", scopes="dnd:write", tier=TIER_2)
async def end_snooze(call: Call) -> dict[str, Any]:
    """Ends the caller's snooze now."""
    return await notify_settings.end_snooze(call.hub, call.who)


@router.method("dnd.endDnd", scopes="dnd:write", tier=TIER_2)
async def end_dnd(call: Call) -> dict[str, Any]:
    """Ends the caller's Do Not Disturb now (hubbub's are snoozes only)."""
    await notify_settings.end_dnd(call.hub, call.who)
    return {}


@router.method(
    "dnd.info", scopes="dnd:read", tier=TIER_3, args={"user": "string", "team_id": "string"}
)
async def info(call: Call) -> dict[str, Any]:
    """A person's Do Not Disturb status; snooze fields for the caller's own only."""
    return await notify_settings.dnd_info(call.hub, call.who, call.text("user"))


@router.method(
    "dnd.teamInfo", scopes="dnd:read", tier=TIER_2, args={"users": "string", "team_id": "string"}
)
async def team_info(call: Call) -> dict[str, Any]:
    """The Do Not Disturb status of up to 50 people of the workspace."""
    users = call.id_list("users")
    return {"users": await notify_settings.dnd_team_info(call.hub, call.who, users)}
