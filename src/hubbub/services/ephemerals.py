"""Apps' ephemeral messages after they are shown (domain/ephemerals.py): kept a day, so that a
press on one reaches its app (services/interactions.py `press_ephemeral`), its response_url
replaces or deletes it for the person's clients, and the image proxy serves its images to its one
reader. Only an app's bot's ones with blocks or attachments are kept: nothing else in one can be
pressed or fetched. docs/integrations.md, Interactivity."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import orjson

from hubbub.domain.apps import App
from hubbub.domain.blocks import with_ids
from hubbub.domain.ephemerals import Ephemeral
from hubbub.domain.errors import SlackError
from hubbub.domain.text import check_content
from hubbub.domain.ts import from_micros
from hubbub.services.hub import EventLog, Hub
from hubbub.services.messages import EPHEMERAL_SEQ, user_stream
from hubbub.store.tx import Tx

# How many later µs are tried when the person was shown another at the same ts.
_TRIES = 8


def _micros(ts: str) -> int:
    seconds, _, micros = ts.partition(".")
    return int(seconds) * 1_000_000 + int(micros or 0)


async def keep(hub: Hub, shown: Ephemeral) -> str:
    """The ts the ephemeral is shown with: its own, or, when the person already has one of that
    ts, the next free µs; kept only if it has blocks or attachments and a bot."""
    if (shown.blocks is None and shown.attachments is None) or not shown.bot_id:
        return shown.ts

    def unit(tx: Tx, _log: EventLog) -> str:
        start = _micros(shown.ts)
        for step in range(_TRIES):
            ts = from_micros(start + step)
            if tx.insert_ephemeral(replace(shown, ts=ts)):
                return ts
        return shown.ts  # shown, but not pressable: as if it had no elements

    ts: str = await hub.commit(shown.team_id, unit)
    return ts


async def find(hub: Hub, team_id: str, user_id: str, channel_id: str, ts: str) -> Ephemeral:
    """The ephemeral the person was shown at ts in the channel; message_not_found for none
    (never shown, expired, another's, in another channel)."""
    found = await hub.read(team_id, lambda tx: tx.get_ephemeral(team_id, user_id, ts))
    if found is None or found.channel_id != channel_id:
        raise SlackError("message_not_found")
    return found


async def on_original(
    hub: Hub, app: App, channel_id: str, user_id: str, ts: str, response: dict[str, Any]
) -> bool:
    """replace_original or delete_original of a response_url on an ephemeral message of the
    app's bot: the person's clients hear message_changed or message_deleted on their own stream
    (never logged, as the message was not); False when the pressed message is no such one."""
    team_id = app.team_id
    found = await hub.read(team_id, lambda tx: tx.get_ephemeral(team_id, user_id, ts))
    if found is None or found.channel_id != channel_id or found.bot_id != app.bot_id:
        return False
    now = from_micros(int(time.time() * 1_000_000))
    base = {
        "type": "message",
        "channel": channel_id,
        "hidden": True,
        "is_ephemeral": True,
        "ts": now,
        "event_ts": now,
    }
    if response.get("delete_original"):
        await hub.commit(team_id, lambda tx, _log: tx.delete_ephemeral(team_id, user_id, found.ts))
        event = {**base, "subtype": "message_deleted", "deleted_ts": found.ts}
    else:
        text, blocks, attachments = check_content(
            response.get("text"), response.get("blocks"), response.get("attachments")
        )
        if blocks is not None:
            blocks = with_ids(blocks)
        new = replace(found, text=text, blocks=blocks, attachments=attachments)
        await hub.commit(team_id, lambda tx, _log: tx.replace_ephemeral(new))
        message: dict[str, Any] = {
            "type": "message",
            "user": app.bot_user_id,
            "bot_id": app.bot_id,
            "text": text,
            "ts": found.ts,
            "is_ephemeral": True,
        }
        if blocks is not None:
            message["blocks"] = blocks
        if attachments is not None:
            message["attachments"] = attachments
        event = {**base, "subtype": "message_changed", "message": message}
    await hub.bus.publish(user_stream(user_id), EPHEMERAL_SEQ, orjson.dumps(event))
    return True
