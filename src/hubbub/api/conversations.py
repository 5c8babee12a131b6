"""conversations.* methods, and users.conversations."""

from __future__ import annotations

from typing import Any

from hubbub.api.call import Call
from hubbub.api.envelope import next_cursor
from hubbub.api.registry import TIER_2, TIER_3, TIER_4, WRITE_SCOPES, Router, by_channel
from hubbub.domain import cursor
from hubbub.domain.errors import SlackError
from hubbub.domain.metadata import without_others_metadata
from hubbub.domain.shapes import channel_json, message_json
from hubbub.domain.ts import MIN_TS, is_ts, parse_bound
from hubbub.services import channels, direct, membership, reading

router = Router()

# Stored ts have ten-digit seconds and are compared as text, so bounds are written the same way.
CHANNEL_ARG = {"channel": "string"}
LIST_ARGS = {
    "cursor": "string",
    "limit": "integer",
    "exclude_archived": "boolean",
    "types": "string",
    "team_id": "string",
}


def _bound(call: Call, name: str) -> str | None:
    value = call.text(name)
    if not value:
        return None
    bound = parse_bound(value)
    if bound is None:
        raise SlackError("invalid_ts_" + name)
    return bound


def _channel(call: Call) -> str:
    return call.required("channel", "channel_not_found")


def _limit(call: Call, default: int, maximum: int) -> int:
    try:
        value = call.integer("limit")
    except SlackError as exc:
        raise SlackError("invalid_limit") from exc
    return cursor.clamp_limit(value, default=default, maximum=maximum)


def _after(call: Call, kind: str) -> str:
    token = call.text("cursor")
    return cursor.decode(kind, token) if token else ""


def _kinds(call: Call) -> frozenset[str]:
    if call.args.get("types") in (None, ""):
        return frozenset({"public_channel"})
    kinds = frozenset(call.id_list("types", missing="invalid_types"))
    if not kinds <= reading.KINDS:
        raise SlackError("invalid_types")
    return kinds


def _page_cursor(kind: str, after: str | None) -> dict[str, Any]:
    return next_cursor(cursor.encode(kind, after) if after else None)


# -- creating and joining ----------------------------------------------------------------


@router.method(
    "conversations.create",
    scopes=("channels:manage", "groups:write"),
    tier=TIER_2,
    args={"name": "string", "is_private": "boolean", "team_id": "string"},
)
async def create(call: Call) -> dict[str, Any]:
    """Creates a public or private channel."""
    channel = await channels.create(
        call.hub,
        call.who,
        call.text("name") or "",
        is_private=call.flag("is_private"),
    )
    return {"channel": channel_json(channel, is_member=True, last_read=MIN_TS)}


@router.method("conversations.join", scopes="channels:join", tier=TIER_3, args=CHANNEL_ARG)
async def join(call: Call) -> dict[str, Any]:
    """Joins an existing public channel."""
    channel, already = await membership.join(call.hub, call.who, _channel(call))
    out: dict[str, Any] = {"channel": channel_json(channel, is_member=True)}
    if already:
        out["warning"] = "already_in_channel"
        out["response_metadata"] = {"warnings": ["already_in_channel"]}
    return out


@router.method("conversations.leave", scopes=WRITE_SCOPES, tier=TIER_3, args=CHANNEL_ARG)
async def leave(call: Call) -> dict[str, Any]:
    """Leaves a conversation."""
    if await membership.leave(call.hub, call.who, _channel(call)):
        return {}
    return {"not_in_channel": True}


@router.method(
    "conversations.invite",
    scopes=WRITE_SCOPES,
    tier=TIER_3,
    args={"channel": "string", "users": "string", "force": "boolean"},
)
async def invite(call: Call) -> dict[str, Any]:
    """Invites users to a channel."""
    channel_id = _channel(call)
    users = call.id_list("users", missing="no_user")
    channel, mine = await membership.invite(call.hub, call.who, channel_id, users)
    return {"channel": channel_json(channel, is_member=True, last_read=mine.last_read)}


@router.method(
    "conversations.kick",
    scopes=WRITE_SCOPES,
    tier=TIER_3,
    args={"channel": "string", "user": "string"},
)
async def kick(call: Call) -> dict[str, Any]:
    """Removes a user from a conversation."""
    channel_id = _channel(call)
    await membership.kick(call.hub, call.who, channel_id, call.required("user", "no_user"))
    return {}


@router.method(
    "conversations.members",
    scopes=by_channel("read"),
    tier=TIER_4,
    args={"channel": "string", "cursor": "string", "limit": "integer"},
)
async def members(call: Call) -> dict[str, Any]:
    """The members of a conversation, in pages."""
    channel_id = _channel(call)
    limit = _limit(call, default=100, maximum=1000)
    found = await membership.members(
        call.hub, call.who, channel_id, after=_after(call, "user"), limit=limit + 1
    )
    page = found[:limit]
    return {
        "members": page,
        **_page_cursor("user", page[-1] if len(found) > limit else None),
    }


@router.method(
    "conversations.open",
    scopes=WRITE_SCOPES,
    tier=TIER_3,
    args={"channel": "string", "users": "string", "return_im": "boolean"},
)
async def open_(call: Call) -> dict[str, Any]:
    """Opens or resumes a direct message or group direct message."""
    channel_id = call.text("channel")
    users = [] if channel_id else call.id_list("users", missing="users_list_not_supplied")
    opened = await direct.open_conversation(
        call.hub, call.who, user_ids=users, channel_id=channel_id
    )
    if call.flag("return_im"):
        shown = channel_json(opened.channel, is_member=True, last_read=opened.membership.last_read)
        shown["is_open"] = True
    else:
        shown = {"id": opened.channel.id}
    out: dict[str, Any] = {"channel": shown}
    if opened.already_open:
        out["no_op"] = True
        out["already_open"] = True
    return out


@router.method(
    "conversations.mark",
    scopes=WRITE_SCOPES,
    tier=TIER_3,
    args={"channel": "string", "ts": "string"},
)
async def mark(call: Call) -> dict[str, Any]:
    """Sets the caller's read cursor in a conversation."""
    channel_id = _channel(call)
    ts = parse_bound(call.required("ts", "invalid_timestamp"))
    if ts is None:
        raise SlackError("invalid_timestamp")
    await membership.mark(call.hub, call.who, channel_id, ts)
    return {}


# -- settings ----------------------------------------------------------------------------


@router.method(
    "conversations.rename",
    scopes=WRITE_SCOPES,
    tier=TIER_2,
    args={"channel": "string", "name": "string"},
)
async def rename(call: Call) -> dict[str, Any]:
    """Renames a channel."""
    channel_id = _channel(call)
    channel = await channels.rename(call.hub, call.who, channel_id, call.text("name") or "")
    return {"channel": channel_json(channel, is_member=True)}


@router.method(
    "conversations.setTopic",
    scopes=WRITE_SCOPES,
    tier=TIER_2,
    args={"channel": "string", "topic": "string"},
)
async def set_topic(call: Call) -> dict[str, Any]:
    """Sets the topic of a conversation."""
    channel_id = _channel(call)
    channel = await channels.set_topic(call.hub, call.who, channel_id, call.text("topic") or "")
    return {"channel": channel_json(channel, is_member=True), "topic": channel.topic}


@router.method(
    "conversations.setPurpose",
    scopes=WRITE_SCOPES,
    tier=TIER_2,
    args={"channel": "string", "purpose": "string"},
)
async def set_purpose(call: Call) -> dict[str, Any]:
    """Sets the purpose of a conversation."""
    channel_id = _channel(call)
    purpose = call.text("purpose") or ""
    channel = await channels.set_purpose(call.hub, call.who, channel_id, purpose)
    return {"channel": channel_json(channel, is_member=True), "purpose": channel.purpose}


@router.method("conversations.archive", scopes=WRITE_SCOPES, tier=TIER_2, args=CHANNEL_ARG)
async def archive(call: Call) -> dict[str, Any]:
    """Archives a channel."""
    await channels.archive(call.hub, call.who, _channel(call))
    return {}


@router.method("conversations.unarchive", scopes=WRITE_SCOPES, tier=TIER_2, args=CHANNEL_ARG)
async def unarchive(call: Call) -> dict[str, Any]:
    """Reverses the archiving of a channel."""
    await channels.unarchive(call.hub, call.who, _channel(call))
    return {}


# -- listing -----------------------------------------------------------------------------


def _listed(item: reading.Listed) -> dict[str, Any]:
    channel = item.channel
    is_member = None if channel.is_im else item.membership is not None
    return channel_json(channel, is_member=is_member, num_members=item.num_members)


@router.method("conversations.list", scopes=by_channel("read"), tier=TIER_2, args=LIST_ARGS)
async def list_(call: Call) -> dict[str, Any]:
    """Lists the conversations of the workspace the caller may see."""
    page = await reading.list_conversations(
        call.hub,
        call.who,
        kinds=_kinds(call),
        exclude_archived=call.flag("exclude_archived"),
        after=_after(call, "channel"),
        limit=_limit(call, default=100, maximum=1000),
    )
    return {
        "channels": [_listed(item) for item in page.items],
        **_page_cursor("channel", page.next_after),
    }


@router.method(
    "users.conversations",
    scopes=by_channel("read"),
    tier=TIER_3,
    args={**LIST_ARGS, "user": "string"},
)
async def user_conversations(call: Call) -> dict[str, Any]:
    """Lists the conversations a user is in, as far as the caller may see them."""
    page = await reading.user_conversations(
        call.hub,
        call.who,
        call.text("user") or call.who.user_id,
        kinds=_kinds(call),
        exclude_archived=call.flag("exclude_archived"),
        after=_after(call, "channel"),
        limit=_limit(call, default=100, maximum=999),
    )
    return {
        "channels": [_listed(item) for item in page.items],
        **_page_cursor("channel", page.next_after),
    }


# -- reading -----------------------------------------------------------------------------


@router.method(
    "conversations.info",
    scopes=by_channel("read"),
    tier=TIER_3,
    args={"channel": "string", "include_num_members": "boolean", "include_locale": "boolean"},
)
async def info(call: Call) -> dict[str, Any]:
    """Information about a conversation."""
    channel = await reading.info(
        call.hub, call.who, _channel(call), num_members=call.flag("include_num_members")
    )
    return {"channel": channel}


HISTORY_ARGS = {
    "channel": "string",
    "cursor": "string",
    "limit": "integer",
    "oldest": "string",
    "latest": "string",
    "inclusive": "boolean",
    "include_all_metadata": "boolean",
}


def _cursor_ts(token: str) -> str:
    """A history or replies cursor: the ts of the last message of the page before."""
    ts = parse_bound(cursor.decode("next_ts", token))
    if ts is None:
        raise SlackError("invalid_cursor")
    return ts


def _history_cursor(token: str) -> tuple[bool, str]:
    """A history cursor: (forward, ts): below the last ts of the page before, or, for a
    page read forward from `oldest`, above its newest."""
    try:
        return False, _cursor_ts(token)
    except SlackError:
        ts = parse_bound(cursor.decode("after_ts", token))
        if ts is None:
            raise SlackError("invalid_cursor") from None
        return True, ts


def _messages_page(call: Call, page: reading.Page) -> dict[str, Any]:
    everything = call.flag("include_all_metadata")
    out: dict[str, Any] = {
        "messages": [
            without_others_metadata(message_json(m), call.who.app_id, everything)
            for m in page.messages
        ],
        "has_more": page.has_more,
    }
    last = page.messages[-1].ts if page.has_more and page.messages else None
    out.update(next_cursor(cursor.encode("next_ts", last) if last else None))
    return out


@router.method(
    "conversations.history", scopes=by_channel("history"), tier=TIER_3, args=HISTORY_ARGS
)
async def history(call: Call) -> dict[str, Any]:
    """A conversation's messages, newest first."""
    channel_id = _channel(call)
    limit = _limit(call, default=100, maximum=999)
    oldest = _bound(call, "oldest") or MIN_TS
    latest = _bound(call, "latest")
    inclusive = call.flag("inclusive")
    # `oldest` without `latest` reads the messages nearest `oldest`, as Slack documents it
    # ("allowing you to page forward through history"); its cursor goes on forward.
    forward = bool(call.text("oldest")) and latest is None
    token = call.text("cursor")
    if token:
        forward, ts = _history_cursor(token)
        if forward:
            # A forward cursor continues above the newest ts of the page before.
            oldest, latest, inclusive = ts, None, False
        else:
            # A cursor continues below the last ts of the page before, exclusively.
            latest, inclusive = ts, False
    page = await reading.history(
        call.hub,
        call.who,
        channel_id,
        oldest=oldest,
        latest=latest,
        inclusive=inclusive,
        limit=limit,
        forward=forward,
    )
    out = _messages_page(call, page)
    if forward:
        newest = page.messages[0].ts if page.has_more and page.messages else None
        out.update(next_cursor(cursor.encode("after_ts", newest) if newest else None))
    return {
        **out,
        "pin_count": page.pin_count,
        "channel_actions_ts": None,
        "channel_actions_count": 0,
    }


@router.method(
    "conversations.replies",
    scopes=by_channel("history"),
    tier=TIER_3,
    args={**HISTORY_ARGS, "ts": "string"},
)
async def replies(call: Call) -> dict[str, Any]:
    """A thread: its parent message and the replies, oldest first."""
    channel_id = _channel(call)
    thread_ts = call.required("ts", "thread_not_found")
    if not is_ts(thread_ts):
        raise SlackError("thread_not_found")
    limit = _limit(call, default=1000, maximum=1000)
    oldest = _bound(call, "oldest") or MIN_TS
    latest = _bound(call, "latest")
    inclusive = (
        call.flag("inclusive", default=True)
        if (call.text("oldest") or call.text("latest"))
        else True
    )
    token = call.text("cursor")
    if token:
        oldest, inclusive = _cursor_ts(token), False
    page = await reading.replies(
        call.hub,
        call.who,
        channel_id,
        thread_ts,
        oldest=oldest,
        latest=latest,
        inclusive=inclusive,
        limit=limit,
    )
    return _messages_page(call, page)
