"""Channel bookmarks: links a channel's members keep at its top. Only members see or change
them; each change logs a channel event (`bookmark_added`, `bookmark_updated`,
`bookmark_removed`, with the bookmark), heard by the channel's sockets: Slack documents none."""

from __future__ import annotations

from dataclasses import replace

from hubbub.domain.bookmarks import MAX_BOOKMARKS, Bookmark, bookmark_json
from hubbub.domain.errors import SlackError
from hubbub.domain.ids import new_id
from hubbub.domain.model import Identity
from hubbub.services.access import home, member_channel, writable_channel
from hubbub.services.hub import EventLog, Hub
from hubbub.store.tx import Tx


def _log(log: EventLog, kind: str, found: Bookmark) -> None:
    event = {"type": kind, "channel_id": found.channel_id, "bookmark": bookmark_json(found)}
    log.channel_event(found.team_id, found.channel_id, event)


async def add(
    hub: Hub, who: Identity, channel_id: str, title: str, link: str, emoji: str
) -> Bookmark:
    def unit(tx: Tx, log: EventLog) -> Bookmark:
        channel, _ = writable_channel(tx, who, channel_id)
        if tx.count_bookmarks(channel.team_id, channel.id) >= MAX_BOOKMARKS:
            raise SlackError("too_many_bookmarks")
        found = Bookmark(
            channel.team_id, channel.id, new_id("Bk"), title, link, emoji, tx.now, 0, who.user_id
        )
        found = tx.insert_bookmark(found)
        _log(log, "bookmark_added", found)
        return found

    return await hub.commit(await home(hub, who, channel_id), unit)


def _existing(tx: Tx, who: Identity, channel_id: str, bookmark_id: str) -> Bookmark:
    channel, _ = writable_channel(tx, who, channel_id)
    found = tx.get_bookmark(channel.team_id, channel.id, bookmark_id)
    if found is None:
        raise SlackError("not_found")
    return found


async def edit(
    hub: Hub,
    who: Identity,
    channel_id: str,
    bookmark_id: str,
    *,
    title: str | None,
    link: str | None,
    emoji: str | None,
) -> Bookmark:
    """What is given changes; the rest stays."""

    def unit(tx: Tx, log: EventLog) -> Bookmark:
        found = _existing(tx, who, channel_id, bookmark_id)
        changed = replace(
            found,
            title=found.title if title is None else title,
            link=found.link if link is None else link,
            emoji=found.emoji if emoji is None else emoji,
            updated=tx.now,
            updated_by=who.user_id,
        )
        tx.update_bookmark(changed)
        _log(log, "bookmark_updated", changed)
        return changed

    return await hub.commit(await home(hub, who, channel_id), unit)


async def remove(hub: Hub, who: Identity, channel_id: str, bookmark_id: str) -> None:
    def unit(tx: Tx, log: EventLog) -> None:
        found = _existing(tx, who, channel_id, bookmark_id)
        tx.delete_bookmark(found.team_id, found.channel_id, found.id)
        _log(log, "bookmark_removed", found)

    await hub.commit(await home(hub, who, channel_id), unit)


async def list_bookmarks(hub: Hub, who: Identity, channel_id: str) -> list[Bookmark]:
    def unit(tx: Tx) -> list[Bookmark]:
        channel, _ = member_channel(tx, who, channel_id)
        return tx.list_bookmarks(channel.team_id, channel.id)

    return await hub.read(await home(hub, who, channel_id), unit)
