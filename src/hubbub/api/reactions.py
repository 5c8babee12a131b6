"""reactions.* methods. Only messages take reactions here; files and file comments do not."""

from __future__ import annotations

from typing import Any

from hubbub.api.call import Call
from hubbub.api.envelope import next_cursor
from hubbub.api.registry import TIER_2, TIER_3, Router
from hubbub.domain import cursor
from hubbub.domain.errors import SlackError
from hubbub.domain.model import Message
from hubbub.domain.shapes import message_json
from hubbub.domain.ts import is_ts
from hubbub.services import reactions

router = Router()

ITEM_ARGS = {"channel": "string", "timestamp": "string", "file": "string", "file_comment": "string"}


def _item(call: Call) -> tuple[str, str]:
    """The (channel, timestamp) a call names; Slack's no_item_specified when it names none."""
    channel, ts = call.text("channel"), call.text("timestamp")
    if not channel or not ts:
        raise SlackError("no_item_specified")
    return channel, ts


@router.method(
    "reactions.add", scopes="reactions:write", tier=TIER_3, args={**ITEM_ARGS, "name": "string"}
)
async def add(call: Call) -> dict[str, Any]:
    """Adds a reaction to a message."""
    channel, ts = _item(call)
    await reactions.add(call.hub, call.who, channel, ts, call.required("name", "invalid_name"))
    return {}


@router.method(
    "reactions.remove", scopes="reactions:write", tier=TIER_3, args={**ITEM_ARGS, "name": "string"}
)
async def remove(call: Call) -> dict[str, Any]:
    """Removes the caller's reaction from a message."""
    channel, ts = _item(call)
    await reactions.remove(call.hub, call.who, channel, ts, call.required("name", "invalid_name"))
    return {}


@router.method(
    "reactions.get", scopes="reactions:read", tier=TIER_3, args={**ITEM_ARGS, "full": "boolean"}
)
async def get(call: Call) -> dict[str, Any]:
    """Gets the reactions of a message."""
    channel, ts = _item(call)
    call.flag("full")  # every reacting user is always listed, so `full` changes nothing
    msg = await reactions.get(call.hub, call.who, channel, ts)
    return {"type": "message", "channel": msg.channel_id, "message": _message(call, msg)}


def _message(call: Call, msg: Message) -> dict[str, Any]:
    out = message_json(msg)
    out["permalink"] = call.hub.urls.permalink(msg)
    return out


def _list_key(token: str) -> reactions.ListKey:
    created, channel, ts = cursor.fields("reaction", token, 3)
    if not is_ts(ts):
        raise SlackError("invalid_cursor")
    return cursor.decimal(created), cursor.identifier(channel), ts


@router.method(
    "reactions.list",
    scopes="reactions:read",
    tier=TIER_2,
    args={
        "user": "string",
        "full": "boolean",
        "cursor": "string",
        "limit": "integer",
        "count": "integer",
        "team_id": "string",
    },
)
async def list_(call: Call) -> dict[str, Any]:
    """Messages a person reacted to, each once, by their newest reaction on it, newest first."""
    call.flag("full")
    limit = cursor.clamp_limit(call.integer("limit") or call.integer("count"), default=100)
    token = call.text("cursor")
    listing = await reactions.list_for(
        call.hub,
        call.who,
        call.text("user") or None,
        _list_key(token) if token else None,
        limit,
    )
    out: dict[str, Any] = {
        "items": [
            {"type": "message", "channel": m.channel_id, "message": _message(call, m)}
            for m in listing.messages
        ]
    }
    key = listing.next_key
    out.update(next_cursor(cursor.encode("reaction", ":".join(map(str, key))) if key else None))
    return out
