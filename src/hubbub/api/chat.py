"""chat.* methods."""

from __future__ import annotations

from typing import Any

from hubbub.api.call import Call
from hubbub.api.registry import TIER_POST, Router
from hubbub.domain.shapes import message_json
from hubbub.services import messages

router = Router()

POST_ARGS = {
    "channel": "string",
    "text": "string",
    "blocks": "json",
    "attachments": "json",
    "thread_ts": "string",
    "reply_broadcast": "boolean",
    "client_msg_id": "string",
    "mrkdwn": "boolean",
    "unfurl_links": "boolean",
    "unfurl_media": "boolean",
}


@router.method("chat.postMessage", tier=TIER_POST, args=POST_ARGS)
async def post_message(call: Call) -> dict[str, Any]:
    """Sends a message to a channel."""
    msg = await messages.post(
        call.hub,
        call.who,
        call.required("channel", "channel_not_found"),
        text=call.text("text"),
        blocks=call.json("blocks", "invalid_blocks"),
        attachments=call.json("attachments", "invalid_attachments"),
        thread_ts=call.text("thread_ts"),
        reply_broadcast=call.flag("reply_broadcast"),
        client_msg_id=call.text("client_msg_id"),
    )
    return {"channel": msg.channel_id, "ts": msg.ts, "message": message_json(msg)}
