"""Reading conversations: listings, history, threads and details."""

from __future__ import annotations

from dataclasses import dataclass, replace

from hubbub.domain.errors import SlackError
from hubbub.domain.model import Channel, Identity, Membership, Message
from hubbub.domain.shapes import channel_json
from hubbub.services import shares
from hubbub.services.access import as_seen_by, home, visible_channel, with_shares
from hubbub.services.file_shown import files_elsewhere, with_files
from hubbub.services.hub import Hub
from hubbub.store.tx import Tx

KINDS = frozenset({"public_channel", "private_channel", "mpim", "im"})


# -- listing ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Listed:
    channel: Channel
    membership: Membership | None
    num_members: int | None


@dataclass(frozen=True, slots=True)
class ChannelPage:
    items: list[Listed]
    next_after: str | None  # the key to continue after; None on the last page


def _page(items: list[Listed], limit: int) -> ChannelPage:
    if len(items) > limit:
        return ChannelPage(items[:limit], items[limit - 1].channel.id)
    return ChannelPage(items, None)


async def list_conversations(
    hub: Hub,
    who: Identity,
    *,
    kinds: frozenset[str],
    exclude_archived: bool,
    after: str,
    limit: int,
) -> ChannelPage:
    """Every public channel, and the private ones, DMs and group DMs the caller is in, with
    the channels other workspaces share with the caller's."""

    def unit(tx: Tx) -> list[Listed]:
        rows = tx.visible_channels(
            who.team_id,
            who.user_id,
            kinds=kinds,
            exclude_archived=exclude_archived,
            member_only=False,
            after=after,
            limit=limit + 1,
        )
        counts = tx.count_members_many(who.team_id, [c.id for c, _ in rows if not c.is_im])
        return [
            Listed(_shown(tx, c, who), m, None if c.is_im else counts.get(c.id, 0)) for c, m in rows
        ]

    own = await hub.read(who.team_id, unit)
    shared = await _shared_listed(hub, who, kinds, exclude_archived, after)
    merged = sorted([*own, *shared], key=lambda item: item.channel.id)
    return _page(merged[: limit + 1], limit)


def _shown(tx: Tx, channel: Channel, who: Identity) -> Channel:
    return as_seen_by(with_shares(tx, channel) if channel.has_shares else channel, who.user_id)


async def _shared_listed(
    hub: Hub,
    who: Identity,
    kinds: frozenset[str],
    exclude_archived: bool,
    after: str,
    member: str | None = None,
) -> list[Listed]:
    """The channels other workspaces share with who's, as who's workspace shows them, each read
    from its host's shard through the same check as any other read of it; with `member`, only
    those that person of who's workspace is in."""
    if not kinds & {"public_channel", "private_channel"}:
        return []
    out: list[Listed] = []
    for host, channel_ids in (await shares.hosted_elsewhere(hub, who)).items():

        def unit(tx: Tx, ids: list[str] = channel_ids) -> list[Listed]:
            listed = []
            for channel_id in (i for i in ids if i > after):
                try:
                    channel, membership = visible_channel(tx, who, channel_id)
                except SlackError:
                    continue  # disconnected since, or private here and who is not in it
                if (
                    member is not None
                    and tx.membership(channel.team_id, channel.id, member) is None
                ):
                    continue
                kind = "private_channel" if channel.private_here else "public_channel"
                if kind in kinds and not (exclude_archived and channel.is_archived):
                    count = tx.count_members(channel.team_id, channel.id)
                    listed.append(Listed(channel, membership, count))
            return listed

        out += await hub.read(host, unit)
    return out


async def user_conversations(
    hub: Hub,
    who: Identity,
    user_id: str,
    *,
    kinds: frozenset[str],
    exclude_archived: bool,
    after: str,
    limit: int,
) -> ChannelPage:
    """The conversations user_id is in, limited to those the caller may see, with the channels
    other workspaces share with theirs (the caller's own: the client's sidebar)."""

    def unit(tx: Tx) -> list[Listed]:
        if user_id != who.user_id and tx.get_user(who.team_id, user_id) is None:
            raise SlackError("user_not_found")
        rows = tx.member_channels(
            who.team_id,
            user_id,
            who.user_id,
            kinds=kinds,
            exclude_archived=exclude_archived,
            after=after,
            limit=limit + 1,
        )
        return [Listed(_shown(tx, c, who), None, None) for c in rows]

    own = await hub.read(who.team_id, unit)
    found = await _shared_listed(hub, who, kinds, exclude_archived, after, member=user_id)
    shared = [Listed(item.channel, None, None) for item in found]
    merged = sorted([*own, *shared], key=lambda item: item.channel.id)
    return _page(merged[: limit + 1], limit)


# -- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Page:
    messages: list[Message]
    has_more: bool
    pin_count: int = 0


async def history(
    hub: Hub,
    who: Identity,
    channel_id: str,
    *,
    oldest: str,
    latest: str | None,
    inclusive: bool,
    limit: int,
    forward: bool = False,
) -> Page:
    """Newest first; `forward` (no `latest`): the `limit` messages nearest `oldest`, still
    newest first, as Slack answers `oldest` without `latest`; has_more: newer ones are left."""

    def unit(tx: Tx) -> Page:
        channel, _ = visible_channel(tx, who, channel_id)
        found = tx.history(
            channel.team_id,
            channel.id,
            oldest=oldest,
            latest=None if forward else latest,
            inclusive=inclusive,
            limit=limit + 1,
            forward=forward,
        )
        pin_count = tx.pin_count(channel.team_id, channel.id)
        page = found[:limit][::-1] if forward else found[:limit]
        return Page(with_files(tx, hub.urls, page), len(found) > limit, pin_count)

    return await _with_files_elsewhere(hub, await hub.read(await home(hub, who, channel_id), unit))


async def replies(
    hub: Hub,
    who: Identity,
    channel_id: str,
    thread_ts: str,
    *,
    oldest: str,
    latest: str | None,
    inclusive: bool,
    limit: int,
) -> Page:
    def unit(tx: Tx) -> Page:
        channel, _ = visible_channel(tx, who, channel_id)
        parent = tx.get_message(channel.team_id, channel.id, thread_ts)
        if parent is None:
            raise SlackError("thread_not_found")
        top = parent.thread_ts or parent.ts
        found = tx.replies(
            channel.team_id,
            channel.id,
            top,
            oldest=oldest,
            latest=latest,
            inclusive=inclusive,
            limit=limit + 1,
        )
        if not found or found[0].ts != top:
            # Slack always leads a page of replies with the parent.
            head = tx.hydrate([tx.get_message(channel.team_id, channel.id, top) or parent])
            found = head + found
            return Page(with_files(tx, hub.urls, found[: limit + 1]), len(found) > limit + 1)
        return Page(with_files(tx, hub.urls, found[:limit]), len(found) > limit)

    return await _with_files_elsewhere(hub, await hub.read(await home(hub, who, channel_id), unit))


async def _with_files_elsewhere(hub: Hub, page: Page) -> Page:
    """Files of the page's messages whose rows are on another shard (services/file_shown.py)."""
    return replace(page, messages=await files_elsewhere(hub, page.messages))


async def info(hub: Hub, who: Identity, channel_id: str, *, num_members: bool) -> dict[str, object]:
    def unit(tx: Tx) -> dict[str, object]:
        channel, membership = visible_channel(tx, who, channel_id)
        out = channel_json(
            channel,
            viewer=who.user_id,
            is_member=membership is not None,
            last_read=membership.last_read if membership else None,
            num_members=tx.count_members(channel.team_id, channel.id) if num_members else None,
        )
        if membership is not None:
            out["unread_count"] = tx.unread_count(channel.team_id, channel.id, membership.last_read)
            out["unread_count_display"] = out["unread_count"]
        return out

    return await hub.read(await home(hub, who, channel_id), unit)
