"""api.test, auth.test, auth.revoke."""

from __future__ import annotations

from typing import Any

from hubbub.api.call import Call
from hubbub.api.registry import NO_SCOPE, TIER_3, TIER_4, Router
from hubbub.domain.errors import SlackError
from hubbub.services import auth

router = Router()


@router.method(
    "api.test", scopes=NO_SCOPE, tier=TIER_4, auth=False, args={"error": "string", "foo": "string"}
)
async def api_test(call: Call) -> dict[str, Any]:
    """Checks calling code; echoes its arguments."""
    if call.text("error"):
        raise SlackError(call.required("error"))
    return {"args": {k: v for k, v in call.args.items() if isinstance(v, str)}}


@router.method("auth.test", scopes=NO_SCOPE, tier=TIER_4)
async def auth_test(call: Call) -> dict[str, Any]:
    """Checks authentication and tells who the caller is."""
    team, user = await auth.whoami(call.hub, call.who)
    out: dict[str, Any] = {
        "url": call.hub.urls.workspace(),
        "team": team.name,
        "user": user.name,
        "team_id": team.id,
        "user_id": user.id,
        "is_enterprise_install": False,
    }
    if user.bot_id:
        out["bot_id"] = user.bot_id
    return out


@router.method("auth.revoke", scopes=NO_SCOPE, tier=TIER_3, args={"test": "boolean"})
async def auth_revoke(call: Call) -> dict[str, Any]:
    """Revokes the calling token."""
    if not call.flag("test"):
        await auth.logout(call.hub, call.who)
    return {"revoked": True}
