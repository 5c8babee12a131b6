"""pins.* methods."""

from __future__ import annotations

from typing import Any

from hubbub.api.call import Call
from hubbub.api.registry import TIER_2, TIER_3, Router
from hubbub.domain.errors import SlackError
from hubbub.services import pins

router = Router()

ITEM_ARGS = {"channel": "string", "timestamp": "string", "file": "string"}


def _item(call: Call) -> tuple[str, str]:
    channel = call.required("channel", "channel_not_found")
    ts = call.text("timestamp")
    if not ts:
        raise SlackError("no_item_specified")
    return channel, ts


@router.method("pins.add", scopes="pins:write", tier=TIER_3, args=ITEM_ARGS)
async def add(call: Call) -> dict[str, Any]:
    """Pins a message to its channel."""
    await pins.add(call.hub, call.who, *_item(call))
    return {}


@router.method("pins.remove", scopes="pins:write", tier=TIER_3, args=ITEM_ARGS)
async def remove(call: Call) -> dict[str, Any]:
    """Un-pins a message from its channel."""
    await pins.remove(call.hub, call.who, *_item(call))
    return {}


@router.method("pins.list", scopes="pins:read", tier=TIER_2, args={"channel": "string"})
async def list_(call: Call) -> dict[str, Any]:
    """Lists the messages pinned to a channel, newest pin first."""
    found = await pins.list_pins(call.hub, call.who, call.required("channel", "channel_not_found"))
    items = []
    for pin in found:
        item = pins.item_json(pin)
        item["message"]["permalink"] = call.hub.urls.permalink(pin.message)
        items.append(item)
    return {"items": items}
