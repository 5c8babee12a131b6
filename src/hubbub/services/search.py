"""search.messages: what a person may find, from every shard that holds something they may see
(docs/search.md).

Who sees what is the rule of services/access.py `visible_channel`, applied twice: once as the
scope of the SQL on each shard (store/queries/search.py), and again on each result's channel
before it is shown, so that a slip in either alone shows nothing it should not. A person's own
workspace is searched on its shard; the channels other workspaces share with theirs on each
host's shard (services/shares.py `hosted_elsewhere`), through the host's record of the share.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import datetime, tzinfo
from functools import partial

import structlog

from hubbub.domain.errors import SlackError
from hubbub.domain.model import Channel, Identity, Message, User
from hubbub.domain.names import im_key
from hubbub.domain.search_query import Ref, SearchQuery, parse
from hubbub.domain.shapes import USER_TEAM
from hubbub.domain.shares import ACCEPTED
from hubbub.domain.ts import from_micros
from hubbub.domain.zones import zone_named
from hubbub.services import shares
from hubbub.services.access import visible_channel
from hubbub.services.hub import Hub
from hubbub.store.queries.search import Found, Hit
from hubbub.store.queries.search_statements import Page, Scope
from hubbub.store.tx import Tx

log = structlog.get_logger()

# The newest matches a search ranks, per shard: a bound on the work one search does however
# common its words; 50 pages of 20 (docs/search.md, "Candidates and ranking").
MAX_MATCHES = 1_000
MAX_PAGE = 100
MAX_COUNT = 100


@dataclass(frozen=True, slots=True)
class Match:
    message: Message
    channel: Channel  # as the searcher sees it
    username: str
    score: float


@dataclass(frozen=True, slots=True)
class Results:
    query: SearchQuery
    total: int
    matches: list[Match]
    latest_us: int  # the newest instant these results cover (a cursor keeps to it)


@dataclass(frozen=True, slots=True)
class Ask:
    """What the caller asked for beyond the query: which page, in which order, as of when."""

    count: int = 20
    page: int = 1
    by_time: bool = False
    ascending: bool = False
    latest_us: int | None = None  # None: now

    @property
    def offset(self) -> int:
        """How many results come before the page asked for."""
        return (self.page - 1) * self.count


def page_of(ask: Ask, single: bool, latest_us: int, now_us: int) -> Page:
    """What each shard reads for the page asked: that page itself on one shard; with several,
    every row up to its end, merged and cut afterwards."""
    return Page(
        window=MAX_MATCHES,
        limit=ask.count if single else ask.offset + ask.count,
        offset=ask.offset if single else 0,
        latest_ts=from_micros(latest_us),
        now_s=now_us // 1_000_000,
        by_time=ask.by_time,
        ascending=ask.ascending,
    )


async def search_messages(hub: Hub, who: Identity, text: str, ask: Ask) -> Results:
    if who.token_kind == "xoxb":
        raise SlackError("not_allowed_token_type")  # people search, as in Slack
    now_us, latest_us = now_and_latest(ask)
    query = await parsed(hub, who, text, now_us)
    empty = Results(query, 0, [], latest_us)
    # type: asks for files: no message has a filetype.
    if query.impossible or query.filetypes or ask.page > MAX_PAGE:
        return empty
    hosts = sorted(await shares.hosted_elsewhere(hub, who))
    scopes = await _scopes(hub, who, query, hosts)
    if not scopes:
        return empty
    single = len(scopes) == 1
    page = page_of(ask, single, latest_us, now_us)
    found: list[tuple[Hit, str]] = []
    total = 0
    for scope in scopes:
        result = await hub.read(
            scope.team_id, partial(_search, scope=scope, query=query, page=page)
        )
        total += result.total
        found += [(hit, scope.team_id) for hit in result.hits]
    if not single:
        found.sort(key=lambda item: _order(item[0], ask))
        found = found[ask.offset : ask.offset + ask.count]
    matches = await _shown(hub, who, found)
    return Results(query, min(total, MAX_MATCHES), matches, latest_us)


async def parsed(hub: Hub, who: Identity, text: str, now_us: int) -> SearchQuery:
    """The query, its days being the searcher's: `today` and `on:2026-12-06` begin at their
    midnight, in the time zone of their profile (users.tz)."""
    zone = await hub.read(who.team_id, partial(_zone_of, who=who))
    return parse(text, datetime.fromtimestamp(now_us / 1e6, zone).date(), zone)


def _zone_of(tx: Tx, *, who: Identity) -> tzinfo:
    user = tx.get_user(who.team_id, who.user_id)
    return zone_named(user.tz if user is not None else "UTC")


def _search(tx: Tx, *, scope: Scope, query: SearchQuery, page: Page) -> Found:
    return tx.search_messages(scope, query, page)


def now_and_latest(ask: Ask) -> tuple[int, int]:
    """(now, the newest instant a search covers) in µs: a cursor's instant, never the future."""
    now_us = time.time_ns() // 1000
    return now_us, min(ask.latest_us, now_us) if ask.latest_us is not None else now_us


def _order(hit: Hit, ask: Ask) -> tuple[object, ...]:
    """The order each shard sorts by (store/queries/search.py), to merge their pages."""
    if not ask.by_time:
        return (-hit.score, _desc(hit.ts), hit.channel_id)
    return (hit.ts if ask.ascending else _desc(hit.ts), hit.channel_id)


def _desc(ts: str) -> str:
    """A ts whose text order is the reverse of ts's (ts is digits and one dot)."""
    return ts.translate(_FLIP)


_FLIP = str.maketrans("0123456789", "9876543210")


async def named(
    hub: Hub, who: Identity, query: SearchQuery
) -> tuple[tuple[str, ...] | None, tuple[str, ...] | None]:
    """The conversations `in:` names and the people `from:` names (None: no such modifier;
    empty: it names nothing). Names are the searcher's workspace's: its people, its channels
    and its own names for the channels shared with it."""

    def resolve(tx: Tx) -> tuple[tuple[str, ...] | None, tuple[str, ...] | None]:
        channel_ids = _channels(tx, who, query) if query.scoped else None
        author_ids = _people(tx, who, query.authors) if query.authors else None
        return channel_ids, author_ids

    return await hub.read(who.team_id, resolve)


async def _scopes(hub: Hub, who: Identity, query: SearchQuery, hosts: list[str]) -> list[Scope]:
    """Where to look: the searcher's workspace and each host sharing channels with it, narrowed
    to the channels and people the query names."""
    channel_ids, author_ids = await named(hub, who, query)
    if channel_ids == () or author_ids == ():
        return []
    scopes = [Scope(who.team_id, who.user_id, None, channel_ids, author_ids)]
    scopes += [Scope(h, who.user_id, who.team_id, channel_ids, author_ids) for h in hosts]
    return scopes


def _channels(tx: Tx, who: Identity, query: SearchQuery) -> tuple[str, ...]:
    """The conversations `in:` names, by id or by the searcher's names for them. Whether the
    searcher may see them is the scope's to decide: a name or id of something hidden simply
    finds nothing, as one that does not exist."""
    found = [ref.id for ref in query.channels if ref.id]
    names = [ref.name for ref in query.channels if ref.name]
    if names:
        found += tx.channel_ids_named(who.team_id, names)
        found += [
            s.channel_id for s in tx.shared_channels_in(who.team_id, ACCEPTED) if s.name in names
        ]
    for other in _people(tx, who, query.dms):
        im = tx.get_channel_by_name(who.team_id, im_key(who.user_id, other))
        if im is not None:
            found.append(im.id)
    return tuple(dict.fromkeys(found))


def _people(tx: Tx, who: Identity, refs: tuple[Ref, ...]) -> tuple[str, ...]:
    found = [who.user_id if ref.id == "me" else ref.id for ref in refs if ref.id]
    found += tx.user_ids_named(who.team_id, [ref.name for ref in refs if ref.name])
    return tuple(dict.fromkeys(found))


async def _shown(hub: Hub, who: Identity, found: list[tuple[Hit, str]]) -> list[Match]:
    """The page's messages as the searcher sees them, each channel checked again."""
    by_team: dict[str, list[Hit]] = {}
    for hit, team in found:
        by_team.setdefault(team, []).append(hit)
    shown: dict[tuple[str, str], tuple[Message, Channel]] = {}
    for team, hits in by_team.items():
        shown.update(await hub.read(team, partial(_readable, who=who, team_id=team, hits=hits)))
    names = await _usernames(hub, [m for m, _ in shown.values()])
    out = []
    for hit, _ in found:
        pair = shown.get((hit.channel_id, hit.ts))
        if pair is not None:
            msg, channel = pair
            out.append(Match(msg, channel, _username(msg, names), hit.score))
    return out


def _readable(
    tx: Tx, *, who: Identity, team_id: str, hits: list[Hit]
) -> dict[tuple[str, str], tuple[Message, Channel]]:
    channels: dict[str, Channel | None] = {}
    for channel_id in {h.channel_id for h in hits}:
        try:
            channels[channel_id], _ = visible_channel(tx, who, channel_id)
        except SlackError:
            # The scope let through a channel the access rule refuses: never shown, and said.
            log.error("search_scope_disagrees", team=team_id, channel=channel_id)
            channels[channel_id] = None
    msgs = tx.get_messages(team_id, ((h.channel_id, h.ts) for h in hits if channels[h.channel_id]))
    out = {}
    for key, msg in msgs.items():
        channel = channels[msg.channel_id]
        if channel is not None:
            out[key] = (msg, channel)
    return out


async def _usernames(hub: Hub, found: list[Message]) -> dict[tuple[str, str], str]:
    """(workspace, user) → name, each author read from their own workspace's shard."""
    wanted: dict[str, set[str]] = {}
    for msg in found:
        wanted.setdefault(msg.extra.get(USER_TEAM, msg.team_id), set()).add(msg.user_id)
    names: dict[tuple[str, str], str] = {}
    for team, ids in wanted.items():
        people = await hub.read(team, partial(_people_of, team_id=team, user_ids=ids))
        names.update({(team, uid): user.name for uid, user in people.items()})
    return names


def _people_of(tx: Tx, *, team_id: str, user_ids: set[str]) -> dict[str, User]:
    return tx.get_users(team_id, user_ids)


def _username(msg: Message, names: dict[tuple[str, str], str]) -> str:
    # A bot may post under a name of its choosing (chat.postMessage `username`).
    chosen = msg.extra.get("username")
    if isinstance(chosen, str) and chosen:
        return chosen
    return names.get((msg.extra.get(USER_TEAM, msg.team_id), msg.user_id), msg.user_id)


def iid(msg: Message) -> str:
    """Slack's id of a search match: stable for the message."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"hubbub:{msg.team_id}:{msg.channel_id}:{msg.ts}"))
