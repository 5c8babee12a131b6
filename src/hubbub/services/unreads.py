"""Unread state: what a person has not read in each of their conversations (client.counts), and
the `*_marked` events that tell all their sessions when they moved a read cursor."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import orjson

from hubbub.domain.mentions import mention_markers, mentions
from hubbub.domain.model import Channel, Identity, ReadState
from hubbub.services import shares
from hubbub.services.hub import EventLog, Hub
from hubbub.services.messages import TOMBSTONE, channel_type, user_stream
from hubbub.store.tx import Tx

# The event a read cursor's move sends, by the conversation's channel_type, as Slack names them.
MARKED = {
    "channel": "channel_marked",
    "group": "group_marked",
    "mpim": "group_marked",
    "im": "im_marked",
}


@dataclass(frozen=True, slots=True)
class Unread:
    state: ReadState
    mention_count: int

    @property
    def has_unreads(self) -> bool:
        return self.state.unread_count > 0


def _unreads_tx(
    tx: Tx, who: Identity, channel_id: str | None = None, team_id: str | None = None
) -> list[Unread]:
    """Two queries for all of who's conversations (of team_id's, who's own by default: a
    shared channel's are its host's): the counts, then the few unread texts that may mention
    them, which domain/mentions.py decides on."""
    team_id = team_id or who.team_id
    states = tx.read_states(team_id, who.user_id, tombstone=TOMBSTONE, channel_id=channel_id)
    # A user group's mention counts where the group is the channel's host's (its own ids).
    groups = frozenset(tx.usergroups_of(team_id, who.user_id))
    candidates = tx.unread_texts(
        team_id,
        who.user_id,
        mention_markers(who.user_id, groups),
        tombstone=TOMBSTONE,
        channel_id=channel_id,
    )
    mentioned = Counter(c for c, text in candidates if mentions(text, who.user_id, groups))
    # A DM is all about its two people: every unread message in it counts, as Slack's badges do.
    return [Unread(s, s.unread_count if s.is_im else mentioned[s.channel_id]) for s in states]


async def unreads(hub: Hub, who: Identity) -> list[Unread]:
    """client.counts: every conversation who is a member of, archived ones left out; those
    other workspaces share with who's read from their hosts' shards."""
    found = await hub.read(who.team_id, lambda tx: _unreads_tx(tx, who))
    for host, channel_ids in (await shares.hosted_elsewhere(hub, who)).items():

        def unit(tx: Tx, host: str = host, ids: list[str] = channel_ids) -> list[Unread]:
            return [
                u
                for u in _unreads_tx(tx, who, team_id=host)
                if u.state.channel_id in ids and tx.accepted_share(u.state.channel_id, who.team_id)
            ]

        found += await hub.read(host, unit)
    return found


def marked_tx(tx: Tx, log: EventLog, who: Identity, channel: Channel, ts: str) -> None:
    """Tells every session of who that their read cursor in channel moved to ts.

    Ephemeral (seq 0 on their own stream, published after the commit), not logged: a session
    that misses it (disconnected, the bus down) loses nothing, since a client reads
    client.counts again after every reconnect, and a log of every mark would grow by one row
    for each message anyone reads. The counts are taken in this unit, so they match ts.
    """
    found = _unreads_tx(tx, who, channel.id, channel.team_id)
    # An archived channel has no counts (client.counts leaves it out): nothing is unread there.
    unread, mentions_ = (found[0].state.unread_count, found[0].mention_count) if found else (0, 0)
    event = {
        "type": MARKED[channel_type(channel)],
        "channel": channel.id,
        "ts": ts,
        "unread_count": unread,
        "unread_count_display": unread,
        "num_mentions": mentions_,
        "num_mentions_display": mentions_,
        "mention_count": mentions_,
        "mention_count_display": mentions_,
        "event_ts": log.tx_ts(),
    }
    log.notices.append((user_stream(who.user_id), orjson.dumps(event)))
