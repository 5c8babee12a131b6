"""Pinning messages to their channel."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from hubbub.domain.errors import SlackError
from hubbub.domain.model import Channel, Identity, Message
from hubbub.domain.shapes import message_json
from hubbub.domain.urls import PublicUrls
from hubbub.services.access import home, visible_channel, writable_channel
from hubbub.services.file_shown import Known, commit_showing_files, files_elsewhere, with_files
from hubbub.services.hub import EventLog, Hub
from hubbub.services.messages import existing_message
from hubbub.store.tx import Tx


@dataclass(frozen=True, slots=True)
class Pin:
    message: Message
    created: int
    created_by: str


def _target(
    tx: Tx, who: Identity, urls: PublicUrls, known: Known, channel_id: str, ts: str
) -> tuple[Channel, Message]:
    """The message, with its files as the pin events show it (under commit_showing_files)."""
    channel, _ = writable_channel(tx, who, channel_id)
    [msg] = tx.hydrate([existing_message(tx, channel, ts, malformed="bad_timestamp")])
    [msg] = with_files(tx, urls, [msg], known=known)
    return channel, msg


def item_json(pin: Pin) -> dict[str, Any]:
    return {
        "type": "message",
        "created": pin.created,
        "created_by": pin.created_by,
        "channel": pin.message.channel_id,
        "message": message_json(pin.message),
    }


def _event(kind: str, who: Identity, pin: Pin, pin_count: int) -> dict[str, Any]:
    return {
        "type": kind,
        "user": who.user_id,
        "channel_id": pin.message.channel_id,
        "item": item_json(pin),
        "item_user": pin.message.user_id,
        "pin_count": pin_count,
        "pinned_info": {
            "channel": pin.message.channel_id,
            "pinned_by": pin.created_by,
            "pinned_ts": pin.created,
        },
    }


async def add(hub: Hub, who: Identity, channel_id: str, ts: str) -> None:
    def unit(tx: Tx, log: EventLog, known: Known) -> None:
        channel, msg = _target(tx, who, hub.urls, known, channel_id, ts)
        if not tx.add_pin(channel.team_id, channel.id, msg.ts, who.user_id):
            raise SlackError("already_pinned")
        pin = Pin(replace(msg, pinned_to=(channel.id,)), tx.now, who.user_id)
        count = tx.pin_count(channel.team_id, channel.id)
        log.channel_event(channel.team_id, channel.id, _event("pin_added", who, pin, count))

    await commit_showing_files(hub, await home(hub, who, channel_id), unit)


async def remove(hub: Hub, who: Identity, channel_id: str, ts: str) -> None:
    def unit(tx: Tx, log: EventLog, known: Known) -> None:
        channel, msg = _target(tx, who, hub.urls, known, channel_id, ts)
        pinned = tx.get_pin(channel.team_id, channel.id, msg.ts)
        if pinned is None:
            raise SlackError("no_pin")
        tx.remove_pin(channel.team_id, channel.id, msg.ts)
        count = tx.pin_count(channel.team_id, channel.id)
        by, at = pinned
        event = _event("pin_removed", who, Pin(replace(msg, pinned_to=()), at, by), count)
        event["has_pins"] = count > 0
        log.channel_event(channel.team_id, channel.id, event)

    await commit_showing_files(hub, await home(hub, who, channel_id), unit)


async def list_pins(hub: Hub, who: Identity, channel_id: str) -> list[Pin]:
    """A channel's pins, newest first; anyone who may read the channel may list them."""

    def unit(tx: Tx) -> list[Pin]:
        channel, _ = visible_channel(tx, who, channel_id)
        found = tx.list_pins(channel.team_id, channel.id)
        shown = with_files(tx, hub.urls, [m for m, _, _ in found])
        return [Pin(m, at, by) for m, (_, by, at) in zip(shown, found, strict=True)]

    pins = await hub.read(await home(hub, who, channel_id), unit)
    shown = await files_elsewhere(hub, [p.message for p in pins])
    return [replace(p, message=m) for p, m in zip(pins, shown, strict=True)]
