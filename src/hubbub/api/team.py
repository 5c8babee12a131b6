"""team.* methods."""

from __future__ import annotations

from typing import Any

from hubbub.api.call import Call
from hubbub.api.registry import TIER_3, Router
from hubbub.domain.shapes import team_json
from hubbub.services import workspaces

router = Router()


@router.method(
    "team.info", scopes="team:read", tier=TIER_3, args={"team": "string", "domain": "string"}
)
async def info(call: Call) -> dict[str, Any]:
    """Information about the caller's workspace."""
    team = await workspaces.team_info(
        call.hub, call.who, team_id=call.text("team"), domain=call.text("domain")
    )
    return {"team": {**team_json(team), "url": call.hub.urls.workspace()}}
