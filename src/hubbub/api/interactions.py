"""blocks.actions: a person's press on the blocks of an app's message (hubbub's own method, as
chat.command is: Slack's clients use an internal API); docs/integrations.md, Interactivity."""

from __future__ import annotations

from typing import Any

from hubbub.api.call import Call
from hubbub.api.registry import NO_SCOPE, TIER_3, Router
from hubbub.domain.interactions import check_press
from hubbub.services import interactions, views

router = Router()


@router.method(
    "blocks.actions",
    scopes=NO_SCOPE,
    tier=TIER_3,
    user_token=True,
    args={
        "channel": "string",
        "ts": "string",
        "view_id": "string",
        "block_id": "string",
        "action_id": "string",
        "value": "string",
        "selected_date": "string",
        "selected_time": "string",
        "values": "json",
        "is_ephemeral": "boolean",
    },
)
async def block_actions(call: Call) -> dict[str, Any]:
    """Presses an element of a message's blocks (with is_ephemeral, of an ephemeral message
    shown to the person), or with view_id of the person's open view's; its app gets
    block_actions."""
    press = check_press(
        call.text("block_id") or None,
        call.required("action_id", "action_not_found"),
        call.text("value") or None,
        call.text("selected_date") or None,
        call.json("values"),
        call.text("selected_time") or None,
    )
    view_id = call.text("view_id")
    if view_id:
        await views.press(call.hub, call.who, view_id, press)
        return {}
    act = interactions.press_ephemeral if call.flag("is_ephemeral") else interactions.press
    await act(
        call.hub,
        call.who,
        call.required("channel", "channel_not_found"),
        call.required("ts", "message_not_found"),
        press,
    )
    return {}
