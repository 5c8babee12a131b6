"""conversations.* methods."""

from __future__ import annotations

from typing import Any

from hubbub.api.call import Call
from hubbub.api.envelope import next_cursor
from hubbub.api.registry import TIER_2, TIER_3, Router
from hubbub.domain import cursor
from hubbub.domain.errors import SlackError
from hubbub.domain.shapes import channel_json, message_json
from hubbub.domain.ts import parse_bound
from hubbub.services import channels

router = Router()


def _bound(call: Call, name: str) -> str | None:
    value = call.text(name)
    if not value:
        return None
    bound = parse_bound(value)
    if bound is None:
        raise SlackError("invalid_ts_" + name)
    return bound


@router.method(
    "conversations.create", tier=TIER_2, args={"name": "string", "is_private": "boolean"}
)
async def create(call: Call) -> dict[str, Any]:
    """Creates a public or private channel."""
    channel = await channels.create(
        call.hub,
        call.who,
        call.text("name") or "",
        is_private=call.flag("is_private"),
    )
    return {"channel": channel_json(channel, is_member=True, last_read="0000000000.000000")}


@router.method("conversations.join", tier=TIER_3, args={"channel": "string"})
async def join(call: Call) -> dict[str, Any]:
    """Joins an existing public channel."""
    channel, already = await channels.join(
        call.hub, call.who, call.required("channel", "channel_not_found")
    )
    out: dict[str, Any] = {"channel": channel_json(channel, is_member=True)}
    if already:
        out["warning"] = "already_in_channel"
        out["response_metadata"] = {"warnings": ["already_in_channel"]}
    return out


@router.method(
    "conversations.info",
    tier=TIER_3,
    args={"channel": "string", "include_num_members": "boolean", "include_locale": "boolean"},
)
async def info(call: Call) -> dict[str, Any]:
    """Information about a conversation."""
    channel = await channels.info(
        call.hub,
        call.who,
        call.required("channel", "channel_not_found"),
        num_members=call.flag("include_num_members"),
    )
    return {"channel": channel}


HISTORY_ARGS = {
    "channel": "string",
    "cursor": "string",
    "limit": "integer",
    "oldest": "string",
    "latest": "string",
    "inclusive": "boolean",
}


@router.method("conversations.history", tier=TIER_3, args=HISTORY_ARGS)
async def history(call: Call) -> dict[str, Any]:
    """A conversation's messages, newest first."""
    channel_id = call.required("channel", "channel_not_found")
    limit = cursor.clamp_limit(call.integer("limit"), default=100, maximum=999)
    oldest = _bound(call, "oldest") or "0.000000"
    latest = _bound(call, "latest")
    inclusive = call.flag("inclusive")
    token = call.text("cursor")
    if token:
        # A cursor continues below the last ts of the page before, exclusively.
        latest, inclusive = cursor.decode("next_ts", token), False
        if parse_bound(latest) != latest:
            raise SlackError("invalid_cursor")
    page = await channels.history(
        call.hub,
        call.who,
        channel_id,
        oldest=oldest,
        latest=latest,
        inclusive=inclusive,
        limit=limit,
    )
    out: dict[str, Any] = {
        "messages": [message_json(m) for m in page.messages],
        "has_more": page.has_more,
        "pin_count": page.pin_count,
        "channel_actions_ts": None,
        "channel_actions_count": 0,
    }
    if page.has_more and page.messages:
        out.update(next_cursor(cursor.encode("next_ts", page.messages[-1].ts)))
    else:
        out.update(next_cursor(None))
    return out


@router.method("conversations.replies", tier=TIER_3, args={**HISTORY_ARGS, "ts": "string"})
async def replies(call: Call) -> dict[str, Any]:
    """A thread: its parent message and the replies, oldest first."""
    channel_id = call.required("channel", "channel_not_found")
    thread_ts = call.required("ts", "thread_not_found")
    if parse_bound(thread_ts) != thread_ts:
        raise SlackError("thread_not_found")
    limit = cursor.clamp_limit(call.integer("limit"), default=1000, maximum=1000)
    oldest = _bound(call, "oldest") or "0.000000"
    latest = _bound(call, "latest")
    inclusive = (
        call.flag("inclusive", default=True)
        if (call.text("oldest") or call.text("latest"))
        else True
    )
    token = call.text("cursor")
    if token:
        oldest, inclusive = cursor.decode("next_ts", token), False
        if parse_bound(oldest) != oldest:
            raise SlackError("invalid_cursor")
    page = await channels.replies(
        call.hub,
        call.who,
        channel_id,
        thread_ts,
        oldest=oldest,
        latest=latest,
        inclusive=inclusive,
        limit=limit,
    )
    out: dict[str, Any] = {
        "messages": [message_json(m) for m in page.messages],
        "has_more": page.has_more,
    }
    if page.has_more and page.messages:
        out.update(next_cursor(cursor.encode("next_ts", page.messages[-1].ts)))
    else:
        out.update(next_cursor(None))
    return out
