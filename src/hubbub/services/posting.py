"""Posting as a caller (chat.postMessage, chat.meMessage, chat.postEphemeral, scheduled
messages): the conversation the `channel` argument names (an id, a channel's name, or a person:
the caller's DM with them), the draft checked before any write, and the fields a bot's message
carries: `app_id` and `bot_profile` for an app's bot, the name and icon it chose, and
`metadata`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from hubbub.domain.blocks import with_ids
from hubbub.domain.ephemerals import Ephemeral
from hubbub.domain.errors import SlackError
from hubbub.domain.metadata import METADATA, check_metadata
from hubbub.domain.model import Channel, Identity, Message
from hubbub.domain.shapes import NO_UNFURL, bot_profile_json
from hubbub.domain.text import check_content
from hubbub.domain.ts import from_micros, is_ts
from hubbub.services import ephemerals
from hubbub.services.access import home, named_channel_id, writable_channel
from hubbub.services.direct import conversation_tx, is_person
from hubbub.services.hub import EventLog, Hub
from hubbub.services.messages import (
    EPHEMERAL_SEQ,
    channel_type,
    insert_tx,
    thread_parent,
    user_stream,
)
from hubbub.store.tx import Tx

# Slack lets an app's bot choose the name and icon of its messages only with this scope.
CUSTOMIZE_SCOPE = "chat:write.customize"


def bot_looks(
    who: Identity, username: str | None, icon_emoji: str | None, icon_url: str | None
) -> dict[str, Any]:
    """The name and icon a bot chose for its message, as message fields: honoured for a bot
    without an app (a legacy bot) and for an app's bot granted chat:write.customize, as in
    Slack; ignored for everyone else (people keep their own)."""
    if who.bot_id is None or (who.app_id is not None and CUSTOMIZE_SCOPE not in who.scopes):
        return {}
    return looks(username, icon_emoji, icon_url)


def looks(username: str | None, icon_emoji: str | None, icon_url: str | None) -> dict[str, Any]:
    """The name and icon a bot's message is shown with; an emoji wins over an image, as in
    Slack."""
    shown: dict[str, Any] = {}
    if username:
        shown["username"] = username
    if icon_emoji:
        shown["icons"] = {"emoji": icon_emoji}
    elif icon_url:
        shown["icons"] = {"image_48": icon_url}
    return shown


@dataclass(frozen=True, slots=True)
class Draft:
    """A message's content, checked before any unit of work, as post_tx writes it."""

    text: str
    blocks: list[Any] | None
    attachments: list[Any] | None
    thread_ts: str | None
    reply_broadcast: bool
    client_msg_id: str | None
    subtype: str | None
    extra: dict[str, Any]

    @classmethod
    def checked(
        cls,
        text: str | None,
        blocks: Any = None,
        attachments: Any = None,
        *,
        thread_ts: str | None = None,
        reply_broadcast: bool = False,
        client_msg_id: str | None = None,
        subtype: str | None = None,
        extra: dict[str, Any] | None = None,
        unfurl_links: bool = True,
        metadata: Any = None,
    ) -> Draft:
        """unfurl_links=False: no link previews for this message (kept, unshown, in its
        extra)."""
        text, blocks, attachments = check_content(text, blocks, attachments)
        if blocks is not None:
            blocks = with_ids(blocks)
        if client_msg_id is not None and not 0 < len(client_msg_id) <= 64:
            raise SlackError("invalid_arguments")
        extra = dict(extra or {})
        if not unfurl_links:
            extra[NO_UNFURL] = False
        checked = check_metadata(metadata)
        if checked is not None:
            extra[METADATA] = checked
        return cls(
            text, blocks, attachments, thread_ts, reply_broadcast, client_msg_id, subtype, extra
        )

    def as_json(self) -> dict[str, Any]:
        """The draft as a scheduled message keeps it until its time (services/scheduled.py);
        a client_msg_id is not kept."""
        return {
            "text": self.text,
            "blocks": self.blocks,
            "attachments": self.attachments,
            "thread_ts": self.thread_ts,
            "reply_broadcast": self.reply_broadcast,
            "subtype": self.subtype,
            "extra": self.extra,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Draft:
        return cls(
            data["text"],
            data["blocks"],
            data["attachments"],
            data["thread_ts"],
            data["reply_broadcast"],
            None,
            data["subtype"],
            data["extra"],
        )


def bot_fields(tx: Tx, who: Identity) -> dict[str, Any]:
    """What an app's bot's message says of the app: `app_id` and `bot_profile`."""
    if who.app_id is None or who.bot_id is None:
        return {}
    app = tx.get_app(who.team_id, who.app_id)
    bot = tx.get_user(who.team_id, who.user_id)
    if app is None or bot is None:
        return {}
    return {"app_id": app.id, "bot_profile": bot_profile_json(bot, app)}


def post_tx(tx: Tx, log: EventLog, who: Identity, target: str, draft: Draft) -> Message:
    """Posts a checked draft as who; a retry with the same client_msg_id returns the first."""
    channel, mine = writable_channel(tx, who, conversation_tx(tx, log, who, target), shown=False)
    if draft.client_msg_id:
        earlier = tx.message_by_client_id(channel.team_id, who.user_id, draft.client_msg_id)
        if earlier is not None:
            return earlier
    parent = thread_parent(tx, channel, draft.thread_ts) if draft.thread_ts else None
    return insert_tx(
        tx,
        log,
        channel,
        user_id=who.user_id,
        bot_id=who.bot_id,
        subtype=draft.subtype,
        text=draft.text,
        blocks=draft.blocks,
        attachments=draft.attachments,
        parent=parent,
        reply_broadcast=draft.reply_broadcast,
        client_msg_id=draft.client_msg_id,
        extra={**draft.extra, **bot_fields(tx, who)},
        team=mine.member_team or channel.team_id,
    )


async def post(hub: Hub, who: Identity, target: str, draft: Draft) -> Message:
    """Posts a checked draft (Draft.checked) as who where target says (conversation_tx)."""
    return await hub.commit(
        await home(hub, who, target), lambda tx, log: post_tx(tx, log, who, target, draft)
    )


async def post_ephemeral(
    hub: Hub,
    who: Identity,
    channel_id: str,
    user_id: str,
    *,
    text: str | None,
    blocks: Any = None,
    attachments: Any = None,
    thread_ts: str | None = None,
    extra: dict[str, Any] | None = None,
) -> str:
    """Shows a message to one member of a channel only: never stored, never logged. The
    channel is named as chat.postMessage's is: an id, a name, or a person (the caller's DM).

    It goes on the bus to the person's own stream, best effort, like typing and presence.
    """
    text, blocks, attachments = check_content(text, blocks, attachments)
    if blocks is not None:
        blocks = with_ids(blocks)

    def check(tx: Tx, target: str) -> tuple[Channel, str]:
        channel, _ = writable_channel(tx, who, target, shown=False)
        if not user_id or tx.membership(channel.team_id, channel.id, user_id) is None:
            raise SlackError("user_not_in_channel")
        return channel, from_micros(tx.now_us)

    where = await home(hub, who, channel_id)
    if is_person(channel_id):
        # The caller's DM with that person, opened if need be, as chat.postMessage does; a
        # refusal after opening it rolls the opening back.
        channel, ts = await hub.commit(
            where, lambda tx, log: check(tx, conversation_tx(tx, log, who, channel_id))
        )
    else:
        channel, ts = await hub.read(
            where, lambda tx: check(tx, named_channel_id(tx, who, channel_id))
        )
    if who.bot_id:
        # An app's: kept, so that a press on it reaches the app (services/ephemerals.py).
        shown = Ephemeral(
            who.team_id, user_id, ts, channel.id, who.bot_id, text, blocks, attachments
        )
        ts = await ephemerals.keep(hub, shown)
    event: dict[str, Any] = {
        "type": "message",
        "user": who.user_id,
        "text": text,
        "ts": ts,
        "team": who.team_id,
        "channel": channel.id,
        "channel_type": channel_type(channel),
        "is_ephemeral": True,
        "event_ts": ts,
    }
    if who.bot_id:
        event["bot_id"] = who.bot_id
    if blocks is not None:
        event["blocks"] = blocks
    if attachments is not None:
        event["attachments"] = attachments
    if thread_ts and is_ts(thread_ts):
        event["thread_ts"] = thread_ts
    event.update(extra or {})
    await hub.bus.publish(user_stream(user_id), EPHEMERAL_SEQ, orjson.dumps(event))
    return ts
