"""shortcuts.list and shortcuts.run: the person's side of apps' shortcuts (hubbub's own
methods, as blocks.actions is); docs/integrations.md, Shortcuts."""

from __future__ import annotations

from typing import Any

from hubbub.api.call import Call
from hubbub.api.registry import NO_SCOPE, TIER_2, TIER_3, Router
from hubbub.services import shortcuts

router = Router()


@router.method("shortcuts.list", scopes=NO_SCOPE, tier=TIER_2, user_token=True)
async def listed(call: Call) -> dict[str, Any]:
    """The shortcuts of the workspace's apps, global and on messages."""
    return {"shortcuts": await shortcuts.listed(call.hub, call.who)}


@router.method(
    "shortcuts.run",
    scopes=NO_SCOPE,
    tier=TIER_3,
    user_token=True,
    args={"app_id": "string", "callback_id": "string", "channel": "string", "ts": "string"},
)
async def run(call: Call) -> dict[str, Any]:
    """Runs a shortcut: its app gets shortcut or message_action."""
    await shortcuts.run(
        call.hub,
        call.who,
        call.required("app_id", "shortcut_not_found"),
        call.required("callback_id", "shortcut_not_found"),
        call.text("channel") or None,
        call.text("ts") or None,
    )
    return {}
