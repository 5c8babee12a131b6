"""Emoji reactions on messages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hubbub.domain.errors import SlackError
from hubbub.domain.model import Channel, Identity, Message
from hubbub.domain.text import MAX_EMOJI_PER_MESSAGE, MAX_REACTIONS_PER_USER, check_reaction_name
from hubbub.services import emoji, shares
from hubbub.services.access import home, visible_channel, writable_channel
from hubbub.services.file_shown import files_elsewhere, with_files
from hubbub.services.hub import EventLog, Hub
from hubbub.services.messages import existing_message
from hubbub.store.tx import Tx

# A key of reactions.list's order: (created of the person's newest reaction, channel, ts) of
# the last message listed.
ListKey = tuple[int, str, str]


def _target(tx: Tx, who: Identity, channel_id: str, ts: str) -> tuple[Channel, Message]:
    channel, _ = writable_channel(tx, who, channel_id)
    return channel, existing_message(tx, channel, ts, malformed="bad_timestamp")


def _event(kind: str, who: Identity, msg: Message, name: str) -> dict[str, Any]:
    return {
        "type": kind,
        "user": who.user_id,
        "reaction": name,
        "item_user": msg.user_id,
        "item": {"type": "message", "channel": msg.channel_id, "ts": msg.ts},
    }


def _check_room(tx: Tx, who: Identity, msg: Message, name: str) -> None:
    own = tx.reaction_names(msg.team_id, msg.channel_id, msg.ts, who.user_id)
    if name in own:
        raise SlackError("already_reacted")
    if len(own) >= MAX_REACTIONS_PER_USER:
        raise SlackError("too_many_reactions")
    names = tx.reaction_names(msg.team_id, msg.channel_id, msg.ts)
    if name not in names and len(names) >= MAX_EMOJI_PER_MESSAGE:
        raise SlackError("too_many_emoji")


async def add(hub: Hub, who: Identity, channel_id: str, ts: str, name: str) -> None:
    name = check_reaction_name(name)
    base = name.partition("::")[0]

    def unit(tx: Tx, log: EventLog) -> None:
        channel, msg = _target(tx, who, channel_id, ts)
        # Only on adding: a reaction with a name no longer known (one imported, or a custom
        # emoji since removed) can still be taken away. Custom ones are the channel's host's.
        if base not in emoji.known_names() and tx.get_emoji(channel.team_id, base) is None:
            raise SlackError("invalid_name")
        _check_room(tx, who, msg, name)
        if not tx.add_reaction(channel.team_id, channel.id, msg.ts, name, who.user_id):
            raise SlackError("already_reacted")
        log.channel_event(channel.team_id, channel.id, _event("reaction_added", who, msg, name))

    await hub.commit(await home(hub, who, channel_id), unit)


async def remove(hub: Hub, who: Identity, channel_id: str, ts: str, name: str) -> None:
    name = check_reaction_name(name)

    def unit(tx: Tx, log: EventLog) -> None:
        channel, msg = _target(tx, who, channel_id, ts)
        if not tx.remove_reaction(channel.team_id, channel.id, msg.ts, name, who.user_id):
            raise SlackError("no_reaction")
        log.channel_event(channel.team_id, channel.id, _event("reaction_removed", who, msg, name))

    await hub.commit(await home(hub, who, channel_id), unit)


async def get(hub: Hub, who: Identity, channel_id: str, ts: str) -> Message:
    """The message with its reactions; any member of the workspace who may read it may ask."""

    def unit(tx: Tx) -> Message:
        channel, _ = visible_channel(tx, who, channel_id)
        [msg] = tx.hydrate([existing_message(tx, channel, ts, malformed="bad_timestamp")])
        return with_files(tx, hub.urls, [msg])[0]

    msg = await hub.read(await home(hub, who, channel_id), unit)
    return (await files_elsewhere(hub, [msg]))[0]


@dataclass(frozen=True, slots=True)
class Listing:
    messages: list[Message]  # one per reaction, so a message may repeat, as in Slack
    next_key: ListKey | None


async def list_for(
    hub: Hub, who: Identity, user_id: str | None, after: ListKey | None, limit: int
) -> Listing:
    """The messages a person reacted to, newest reaction first, that the caller may read.

    Reactions in a channel another workspace shares with the person's are on its host's shard:
    each host is asked too, and the pages merged in the one order of keys (channel ids are
    unique across workspaces). A page may hold fewer than `limit` items while more remain
    (Slack's rule for cursors).
    """
    target = user_id or who.user_id
    if target != who.user_id:
        person = await hub.read(who.team_id, lambda tx: tx.get_user(who.team_id, target))
        if person is None:
            raise SlackError("user_not_found")
    sources = [who.team_id, *sorted(await shares.hosted_elsewhere(hub, who))]
    rows: list[tuple[ListKey, str]] = []
    for team in sources:

        def page(tx: Tx, team: str = team) -> list[ListKey]:
            return tx.user_reacted(team, target, after, limit + 1)

        rows += [(key, team) for key in await hub.read(team, page)]
    rows.sort(reverse=True)
    more = len(rows) > limit
    rows = rows[:limit]
    found: dict[tuple[str, str], Message] = {}
    for team in sources:
        wanted = [(channel, ts) for (_, channel, ts), t in rows if t == team]
        if not wanted:
            continue

        def readable(
            tx: Tx, team: str = team, wanted: list[tuple[str, str]] = wanted
        ) -> dict[tuple[str, str], Message]:
            found = _readable(tx, who, team, wanted)
            shown = with_files(tx, hub.urls, list(found.values()))
            return {(m.channel_id, m.ts): m for m in shown}

        found.update(await hub.read(team, readable))
    messages = [found[(c, ts)] for (_, c, ts), _ in rows if (c, ts) in found]
    messages = await files_elsewhere(hub, messages)
    return Listing(messages, rows[-1][0] if more and rows else None)


def _readable(
    tx: Tx, who: Identity, team_id: str, wanted: list[tuple[str, str]]
) -> dict[tuple[str, str], Message]:
    """Of these messages of team_id's channels, those the caller may read."""
    readable = _readable_channels(tx, who, {channel for channel, _ in wanted})
    return _hydrated(tx, team_id, [key for key in wanted if key[0] in readable])


def _readable_channels(tx: Tx, who: Identity, channel_ids: set[str]) -> set[str]:
    readable = set()
    for channel_id in channel_ids:
        try:
            visible_channel(tx, who, channel_id)
        except SlackError:
            continue
        readable.add(channel_id)
    return readable


def _hydrated(
    tx: Tx, team_id: str, wanted: list[tuple[str, str]]
) -> dict[tuple[str, str], Message]:
    by_channel: dict[str, list[Message]] = {}
    for channel_id, ts in dict.fromkeys(wanted):
        msg = tx.get_message(team_id, channel_id, ts)
        if msg is not None:
            by_channel.setdefault(channel_id, []).append(msg)
    return {(m.channel_id, m.ts): m for msgs in by_channel.values() for m in tx.hydrate(msgs)}
