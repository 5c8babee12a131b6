"""chat.* methods."""

from __future__ import annotations

from typing import Any

from hubbub.api.call import Call
from hubbub.api.envelope import next_cursor
from hubbub.api.registry import NO_SCOPE, TIER_3, TIER_4, TIER_POST, Router
from hubbub.domain import cursor
from hubbub.domain.errors import SlackError
from hubbub.domain.scheduled import after_cursor, page_cursor, scheduled_json, seconds
from hubbub.domain.shapes import message_json
from hubbub.services import messages, posting, scheduled

router = Router()

# Accepted as Slack documents them; formatting choices do not change what we store.
_LOOKS = {
    "as_user": "boolean",
    "username": "string",
    "icon_emoji": "string",
    "icon_url": "string",
    "mrkdwn": "boolean",
    "parse": "string",
    "link_names": "boolean",
}

POST_ARGS = {
    "channel": "string",
    "text": "string",
    "markdown_text": "string",
    "blocks": "json",
    "attachments": "json",
    "thread_ts": "string",
    "reply_broadcast": "boolean",
    "client_msg_id": "string",
    "unfurl_links": "boolean",
    "unfurl_media": "boolean",
    "metadata": "json",
    **_LOOKS,
}


def _text(call: Call) -> str | None:
    """`text`, or `markdown_text`, which Slack takes instead of text and blocks, never with them."""
    markdown = call.text("markdown_text")
    if not markdown:
        return call.text("text")
    if call.text("text") or call.args.get("blocks"):
        raise SlackError("markdown_text_conflict")
    return markdown


def _looks(call: Call) -> dict[str, Any]:
    return posting.bot_looks(
        call.who, call.text("username"), call.text("icon_emoji"), call.text("icon_url")
    )


@router.method("chat.postMessage", scopes="chat:write", tier=TIER_POST, args=POST_ARGS)
async def post_message(call: Call) -> dict[str, Any]:
    """Sends a message to a channel."""
    channel = call.required("channel", "channel_not_found")
    draft = posting.Draft.checked(
        _text(call),
        call.json("blocks", "invalid_blocks"),
        call.json("attachments", "invalid_attachments"),
        thread_ts=call.text("thread_ts") or None,
        reply_broadcast=call.flag("reply_broadcast"),
        client_msg_id=call.text("client_msg_id") or None,
        extra=_looks(call),
        unfurl_links=call.flag("unfurl_links", default=True),
        metadata=call.json("metadata", "invalid_metadata_format"),
    )
    msg = await posting.post(call.hub, call.who, channel, draft)
    return {"channel": msg.channel_id, "ts": msg.ts, "message": message_json(msg)}


@router.method(
    "chat.postEphemeral",
    scopes="chat:write",
    tier=TIER_POST,
    args={
        "channel": "string",
        "user": "string",
        "text": "string",
        "markdown_text": "string",
        "blocks": "json",
        "attachments": "json",
        "thread_ts": "string",
        **_LOOKS,
    },
)
async def post_ephemeral(call: Call) -> dict[str, Any]:
    """Shows a message to one member of a channel, and to nobody else."""
    ts = await posting.post_ephemeral(
        call.hub,
        call.who,
        call.required("channel", "channel_not_found"),
        call.text("user") or "",
        text=_text(call),
        blocks=call.json("blocks", "invalid_blocks"),
        attachments=call.json("attachments", "invalid_attachments"),
        thread_ts=call.text("thread_ts") or None,
        extra=_looks(call),
    )
    return {"message_ts": ts}


@router.method(
    "chat.meMessage",
    scopes="chat:write",
    tier=TIER_POST,
    args={"channel": "string", "text": "string", "thread_ts": "string"},
)
async def me_message(call: Call) -> dict[str, Any]:
    """Shares a /me message (an action in the third person) in a channel, or, with thread_ts
    (hubbub's extension: Slack's clients post /me in threads, its method takes no thread),
    in a thread, checked as chat.postMessage checks a reply's."""
    channel = call.required("channel", "channel_not_found")
    draft = posting.Draft.checked(
        call.text("text"), subtype="me_message", thread_ts=call.text("thread_ts") or None
    )
    msg = await posting.post(call.hub, call.who, channel, draft)
    return {"channel": msg.channel_id, "ts": msg.ts}


@router.method(
    "chat.update",
    scopes="chat:write",
    tier=TIER_3,
    args={
        "channel": "string",
        "ts": "string",
        "text": "string",
        "markdown_text": "string",
        "blocks": "json",
        "attachments": "json",
        "as_user": "boolean",
        "link_names": "boolean",
        "parse": "string",
        "reply_broadcast": "boolean",
        "file_ids": "string",
        "metadata": "json",
    },
)
async def update(call: Call) -> dict[str, Any]:
    """Edits a message the caller wrote."""
    msg = await messages.update(
        call.hub,
        call.who,
        call.required("channel", "channel_not_found"),
        call.required("ts", "message_not_found"),
        text=_text(call),
        blocks=call.json("blocks", "invalid_blocks"),
        attachments=call.json("attachments", "invalid_attachments"),
        metadata=call.json("metadata", "invalid_metadata_format"),
    )
    return {
        "channel": msg.channel_id,
        "ts": msg.ts,
        "text": msg.text,
        "message": message_json(msg),
    }


@router.method(
    "chat.delete",
    scopes="chat:write",
    tier=TIER_3,
    args={"channel": "string", "ts": "string", "as_user": "boolean"},
)
async def delete(call: Call) -> dict[str, Any]:
    """Deletes a message: the author's own, or any with a workspace admin's user token."""
    channel = call.required("channel", "channel_not_found")
    ts = call.required("ts", "message_not_found")
    await messages.delete(call.hub, call.who, channel, ts)
    return {"channel": channel, "ts": ts}


@router.method(
    "chat.getPermalink",
    scopes=NO_SCOPE,
    tier=TIER_4,
    args={"channel": "string", "message_ts": "string"},
)
async def get_permalink(call: Call) -> dict[str, Any]:
    """A link to a message in the browser client."""
    channel = call.required("channel", "channel_not_found")
    link = await messages.permalink(
        call.hub, call.who, channel, call.required("message_ts", "message_not_found")
    )
    return {"channel": channel, "permalink": link}


# -- scheduled messages (services/scheduled.py) ----------------------------------------------

# The latest a list may ask for: any post_at fits under it.
_NO_LATEST = 10**12


@router.method(
    "chat.scheduleMessage",
    scopes="chat:write",
    tier=TIER_3,
    args={
        **{k: v for k, v in POST_ARGS.items() if k != "client_msg_id"},
        "post_at": "integer",
    },
)
async def schedule_message(call: Call) -> dict[str, Any]:
    """Keeps a message to be posted at post_at (Unix seconds, at most 120 days ahead)."""
    draft = posting.Draft.checked(
        _text(call),
        call.json("blocks", "invalid_blocks"),
        call.json("attachments", "invalid_attachments"),
        thread_ts=call.text("thread_ts") or None,
        reply_broadcast=call.flag("reply_broadcast"),
        extra=_looks(call),
        unfurl_links=call.flag("unfurl_links", default=True),
        metadata=call.json("metadata", "invalid_metadata_format"),
    )
    made = await scheduled.schedule(
        call.hub,
        call.who,
        call.required("channel", "channel_not_found"),
        call.args.get("post_at"),
        draft,
    )
    return {
        "channel": made.item.channel_id,
        "scheduled_message_id": made.item.id,
        # A string, as Slack writes it here (the list writes a number).
        "post_at": str(made.item.post_at),
        "message": made.message,
    }


def _time(call: Call, name: str, default: int) -> int:
    value = call.args.get(name)
    if value in (None, ""):
        return default
    found = seconds(value)
    if found is None:
        raise SlackError("invalid_arguments")
    return found


@router.method(
    "chat.scheduledMessages.list",
    scopes=NO_SCOPE,
    tier=TIER_3,
    args={
        "channel": "string",
        "cursor": "string",
        "latest": "string",
        "oldest": "string",
        "limit": "integer",
        "team_id": "string",
    },
)
async def scheduled_messages_list(call: Call) -> dict[str, Any]:
    """The caller's messages still waiting for their time, soonest first."""
    try:
        limit = cursor.clamp_limit(call.integer("limit"), default=100)
    except SlackError as exc:
        raise SlackError("invalid_limit") from exc
    token = call.text("cursor")
    items, more = await scheduled.listed(
        call.hub,
        call.who,
        channel=call.text("channel") or None,
        oldest=_time(call, "oldest", 0),
        latest=_time(call, "latest", _NO_LATEST),
        after=after_cursor(token) if token else None,
        limit=limit,
    )
    return {
        "scheduled_messages": [scheduled_json(i) for i in items],
        **next_cursor(page_cursor(items[-1]) if more and items else None),
    }


@router.method(
    "chat.deleteScheduledMessage",
    scopes="chat:write",
    tier=TIER_3,
    args={"channel": "string", "scheduled_message_id": "string", "as_user": "boolean"},
)
async def delete_scheduled_message(call: Call) -> dict[str, Any]:
    """Deletes one of the caller's messages that has not been posted yet."""
    await scheduled.delete(
        call.hub,
        call.who,
        call.required("channel", "channel_not_found"),
        call.required("scheduled_message_id", "invalid_scheduled_message_id"),
    )
    return {}
