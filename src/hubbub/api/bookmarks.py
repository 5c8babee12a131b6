"""bookmarks.* methods: a channel's bookmarked links."""

from __future__ import annotations

from typing import Any

from hubbub.api.call import Call
from hubbub.api.registry import TIER_2, TIER_3, Router
from hubbub.domain.bookmarks import (
    bookmark_id,
    bookmark_json,
    check_emoji,
    check_link,
    check_title,
    check_type,
)
from hubbub.services import bookmarks

router = Router()

READ, WRITE = "bookmarks:read", "bookmarks:write"
_FIELDS = {"title": "string", "link": "string", "emoji": "string"}


def _channel(call: Call) -> str:
    return call.required("channel_id", "channel_not_found")


@router.method(
    "bookmarks.add",
    scopes=WRITE,
    tier=TIER_2,
    args={
        "channel_id": "string",
        "type": "string",
        **_FIELDS,
        "entity_id": "string",
        "parent_id": "string",
        "access_level": "string",
    },
)
async def add(call: Call) -> dict[str, Any]:
    """Adds a link to a channel's bookmarks."""
    channel = _channel(call)
    check_type(call.text("type"))
    title, link = check_title(call.text("title")), check_link(call.text("link"))
    emoji = check_emoji(call.text("emoji"))
    found = await bookmarks.add(call.hub, call.who, channel, title, link, emoji)
    return {"bookmark": bookmark_json(found)}


@router.method(
    "bookmarks.edit",
    scopes=WRITE,
    tier=TIER_2,
    args={"channel_id": "string", "bookmark_id": "string", **_FIELDS},
)
async def edit(call: Call) -> dict[str, Any]:
    """Changes a bookmark's title, link or emoji."""
    channel, found = _channel(call), bookmark_id(call.text("bookmark_id"))
    title, link, emoji = call.text("title"), call.text("link"), call.text("emoji")
    changed = await bookmarks.edit(
        call.hub,
        call.who,
        channel,
        found,
        title=None if title is None else check_title(title),
        link=None if link is None else check_link(link),
        emoji=None if emoji is None else check_emoji(emoji),
    )
    return {"bookmark": bookmark_json(changed)}


@router.method(
    "bookmarks.remove",
    scopes=WRITE,
    tier=TIER_2,
    args={"channel_id": "string", "bookmark_id": "string"},
)
async def remove(call: Call) -> dict[str, Any]:
    """Removes a bookmark."""
    channel, found = _channel(call), bookmark_id(call.text("bookmark_id"))
    await bookmarks.remove(call.hub, call.who, channel, found)
    return {}


@router.method("bookmarks.list", scopes=READ, tier=TIER_3, args={"channel_id": "string"})
async def list_(call: Call) -> dict[str, Any]:
    """A channel's bookmarks, in the order they were added."""
    found = await bookmarks.list_bookmarks(call.hub, call.who, _channel(call))
    return {"bookmarks": [bookmark_json(b) for b in found]}
