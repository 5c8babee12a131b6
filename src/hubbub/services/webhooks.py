"""Incoming webhooks: an admin makes one for a channel; whoever holds its URL posts there as
the webhook's bot, with Slack's payload (`text`, `blocks`, `attachments`, `thread_ts`,
`unfurl_links`).

As with Slack's app webhooks, the channel and the author are the webhook's, fixed when it was
made: `channel`, `username`, `icon_emoji` and `icon_url` in a payload are ignored (only legacy
custom integrations honoured them), so a URL that leaks cannot post elsewhere or as someone
else."""

from __future__ import annotations

import hmac
from typing import Any

from hubbub.domain.errors import SlackError
from hubbub.domain.ids import new_id, token_hash
from hubbub.domain.model import Message
from hubbub.domain.shapes import NO_UNFURL
from hubbub.domain.text import check_content
from hubbub.domain.webhooks import Webhook, new_secret, secret_shape_ok
from hubbub.services.channel_tx import join_tx
from hubbub.services.hub import EventLog, Hub
from hubbub.services.messages import insert_tx, thread_parent
from hubbub.services.workspaces import add_bot_tx
from hubbub.store.tx import Tx

DEFAULT_NAME = "incoming-webhook"
MAX_NAME = 60


async def create_webhook(
    hub: Hub, domain: str, channel_name: str, *, name: str = DEFAULT_NAME
) -> tuple[Webhook, str]:
    """A webhook posting to the named channel as a new bot of its own, which joins the
    channel; returns it and its URL (the only time the secret is seen)."""
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise SlackError("invalid_name")
    team_id = await hub.shards.team_for_domain(domain)
    if team_id is None:
        raise SlackError("team_not_found")
    secret = new_secret()

    def unit(tx: Tx, log: EventLog) -> Webhook:
        channel = tx.get_channel_by_name(team_id, channel_name.strip().removeprefix("#"))
        if channel is None or channel.is_im or channel.is_mpim:
            raise SlackError("channel_not_found")
        if channel.is_archived:
            raise SlackError("is_archived")
        hook_id = new_id("B")
        # Its name is made unique by the webhook's id; it is shown as the name given.
        unique = f"{name}-{hook_id[1:].lower()}"
        bot = add_bot_tx(tx, log, team_id, unique, name, bot_id=hook_id)
        join_tx(tx, log, channel, bot.id)
        hook = Webhook(team_id, hook_id, channel.id, bot.id, tx.now)
        tx.insert_webhook(hook, token_hash(secret))
        return hook

    hook = await hub.commit(team_id, unit)
    return hook, hub.urls.webhook(hook.team_id, hook.id, secret)


async def post(hub: Hub, team_id: str, webhook_id: str, secret: str, payload: Any) -> Message:
    """Posts a webhook's payload (what its body parsed to; None if it was no JSON object).

    The URL is checked before the payload, so a caller without the secret learns nothing from
    the errors. Slack's webhook errors: no_service, invalid_token, channel_not_found,
    channel_is_archived, invalid_payload, no_text, and chat.postMessage's content errors.
    """
    secret_hash = token_hash(secret) if secret_shape_ok(secret) else None

    def unit(tx: Tx, log: EventLog) -> Message:
        if tx.get_team(team_id) is None:
            raise SlackError("no_team")
        found = tx.get_webhook(team_id, webhook_id)
        if found is None:
            raise SlackError("no_service")
        hook, stored = found
        if secret_hash is None or not hmac.compare_digest(stored, secret_hash):
            raise SlackError("invalid_token")
        bot = tx.get_user(team_id, hook.user_id)
        if bot is None or bot.deleted:
            raise SlackError("no_service")
        channel = tx.get_channel(team_id, hook.channel_id)
        if channel is None:
            raise SlackError("channel_not_found")
        if channel.is_archived:
            raise SlackError("channel_is_archived")
        fields = _fields(payload)
        text, blocks, attachments = check_content(
            fields["text"], fields["blocks"], fields["attachments"]
        )
        thread_ts = fields["thread_ts"]
        parent = thread_parent(tx, channel, thread_ts) if thread_ts else None
        extra = {NO_UNFURL: False} if payload.get("unfurl_links") is False else {}
        return insert_tx(
            tx,
            log,
            channel,
            user_id=bot.id,
            bot_id=bot.bot_id,
            text=text,
            blocks=blocks,
            attachments=attachments,
            parent=parent,
            extra=extra,
        )

    try:
        return await hub.commit(team_id, unit)
    except SlackError as exc:
        if exc.code == "team_not_found":
            raise SlackError("no_team") from exc
        raise


_STRINGS = ("text", "thread_ts")


def _fields(payload: Any) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise SlackError("invalid_payload")
    out: dict[str, Any] = {}
    for name in _STRINGS:
        value = payload.get(name)
        if value is not None and not isinstance(value, str):
            raise SlackError("invalid_payload")
        out[name] = value or None
    out["blocks"], out["attachments"] = payload.get("blocks"), payload.get("attachments")
    return out
