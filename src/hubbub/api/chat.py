"""chat.* methods."""

from __future__ import annotations

from typing import Any

from hubbub.api.call import Call
from hubbub.api.registry import NO_SCOPE, TIER_3, TIER_4, TIER_POST, Router
from hubbub.domain.errors import SlackError
from hubbub.domain.shapes import message_json
from hubbub.services import messages, posting

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
    msg = await posting.post(
        call.hub,
        call.who,
        call.required("channel", "channel_not_found"),
        text=_text(call),
        blocks=call.json("blocks", "invalid_blocks"),
        attachments=call.json("attachments", "invalid_attachments"),
        thread_ts=call.text("thread_ts") or None,
        reply_broadcast=call.flag("reply_broadcast"),
        client_msg_id=call.text("client_msg_id") or None,
        extra=_looks(call),
        unfurl_links=call.flag("unfurl_links", default=True),
        metadata=call.json("metadata", "invalid_metadata_format"),
    )
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
    ts = await messages.post_ephemeral(
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
    args={"channel": "string", "text": "string"},
)
async def me_message(call: Call) -> dict[str, Any]:
    """Shares a /me message (an action in the third person) in a channel."""
    msg = await posting.post(
        call.hub,
        call.who,
        call.required("channel", "channel_not_found"),
        text=call.text("text"),
        subtype="me_message",
    )
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
