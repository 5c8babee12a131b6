"""Use cases of the real-time gateway: connect tickets, where a session starts, socket actions.

The gateway (realtime/) holds the sockets; everything it asks of the store goes through here.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import orjson

from hubbub.domain import cursor
from hubbub.domain.errors import SlackError
from hubbub.domain.model import Channel, Identity, Message, Team, User
from hubbub.services import posting, shares, users
from hubbub.services.access import home, member_channel
from hubbub.services.auth import whoami
from hubbub.services.hub import Hub
from hubbub.services.messages import EPHEMERAL_SEQ, user_stream

__all__ = ["user_stream"]
from hubbub.store.tx import Tx
from hubbub.tickets.port import Positions, Ticket

# How many events of one stream a resume may replay; beyond it the client must resync.
RESUME_MAX_EVENTS = 10_000
# A person's typing in a channel is told at most this often (Slack's clients send it as often).
TYPING_EVERY_S = 3.0
MAX_CURSOR_CHARS = 100_000

# -- cursors ---------------------------------------------------------------------------------
#
# A position is "<stream>:<seq>": the last event of that stream the client has. Every logged event
# a socket receives carries its own position in `hubbub_cursor`; a resume cursor is the latest
# position of each stream joined with commas (hello and the too-slow goodbye carry a whole one).


def format_cursor(positions: Positions) -> str:
    return ",".join(f"{stream}:{seq}" for stream, seq in sorted(positions.items()))


def parse_cursor(text: str) -> Positions:
    """The positions of a resume cursor; invalid_cursor if it is not one."""
    if len(text) > MAX_CURSOR_CHARS:
        raise SlackError("invalid_cursor")
    out: Positions = {}
    for part in text.split(","):
        stream, sep, seq = part.strip().partition(":")
        if not sep:
            raise SlackError("invalid_cursor")
        out[cursor.identifier(stream)] = max(out.get(stream, 0), cursor.decimal(seq))
    return out


# -- tickets ---------------------------------------------------------------------------------


async def consume_ticket(hub: Hub, key: str) -> Ticket | None:
    """The ticket behind a socket's `?ticket=`, once; None if unknown, used or expired, or an
    upload URL's or a trigger_id's (whose secrets must open nothing else)."""
    ticket = await hub.tickets.consume(key)
    return None if ticket is None or not ticket.for_socket else ticket


@dataclass(frozen=True, slots=True)
class Connect:
    url: str
    user: User
    team: Team


async def connect(
    hub: Hub, who: Identity, resume: str | None, *, batch_presence: bool = False
) -> Connect:
    """rtm.connect: a single-use URL for the gateway, carrying the resume cursor if any."""
    positions = parse_cursor(resume) if resume else None
    team, user = await whoami(hub, who)
    key = await hub.tickets.issue(Ticket(who, positions, batch_presence))
    return Connect(hub.urls.rtm(key, await hub.gateways.choose()), user, team)


# -- where a session starts ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Start:
    """Per stream the session follows: where it starts (last seq it has) and the log's head."""

    positions: Positions
    heads: Positions
    resync: bool
    # Conversations the person left while away: replayed up to and including their own
    # member_left_channel (stream -> its seq), never followed live.
    left: Positions = field(default_factory=dict)
    # Channels another workspace shares with the person's: stream -> the host, whose shard
    # holds its log.
    hosts: dict[str, str] = field(default_factory=dict)


async def start(
    hub: Hub, who: Identity, resume: Positions | None, max_events: int = RESUME_MAX_EVENTS
) -> Start:
    """The team stream and every conversation who is a member of, from one snapshot.

    Without a resume cursor the session starts at the heads. With one, each stream starts at the
    cursor's position; a conversation joined since (absent from the cursor) starts where the
    person joined; one left since is replayed up to the person's leaving. A cursor ahead of the
    log, missing the team stream, further behind than max_events on any stream, or from before
    what a stream's log still holds (jobs/event_sweep.py trims it) asks for a resync: the
    session then starts at the heads.
    """

    shared = await shares.shared_streams(hub, who)
    hosts = {stream: s.host_team_id for stream, s in shared.items()}

    def unit(tx: Tx) -> Start:
        heads = tx.stream_heads(who.team_id, who.user_id)
        heads.update({stream: s.head for stream, s in shared.items()})
        if resume is None:
            return Start(dict(heads), heads, False, hosts=hosts)
        resync = Start(dict(heads), heads, True, hosts=hosts)
        if who.team_id not in resume:
            return resync
        floors = tx.log_floors(who.team_id, [s for s in heads if s not in shared])
        floors.update({stream: s.floor for stream, s in shared.items() if s.floor is not None})
        positions: Positions = {}
        for stream, head in heads.items():
            pos = resume.get(stream)
            floor = floors.get(stream)
            if pos is not None and not _kept_after(pos, floor, head):
                return resync
            if stream != who.team_id:
                # Joined (again) since the cursor: from the join, never through an old leave.
                if stream in shared:
                    joined = shared[stream].joined
                else:
                    joined = tx.joined_at(who.team_id, stream, who.user_id)
                if pos is None or (joined is not None and joined > pos):
                    pos = joined
                    if pos is not None and not _join_kept(pos, floor):
                        return resync
            if pos is None or pos > head or head - pos > max_events:
                return resync
            positions[stream] = pos
        left: Positions = {}
        for stream, pos in resume.items():
            if stream in heads:
                continue
            if _trimmed_after(pos, tx.log_floors(who.team_id, [stream]).get(stream)):
                # Their leave may have been in what was trimmed: it cannot be shown.
                return resync
            # Only a conversation whose log shows this person leaving after the cursor: so a
            # forged cursor naming one they never belonged to gets nothing.
            seq = _left_since(tx, who.team_id, stream, who.user_id, pos, pos + max_events)
            if seq is not None:
                positions[stream] = pos
                left[stream] = seq
        return Start(positions, heads, False, left, hosts)

    begun = await hub.read(who.team_id, unit)
    if resume is None or begun.resync:
        return begun
    return await _left_elsewhere(hub, who, resume, begun, max_events)


def _kept_after(pos: int, floor: int | None, head: int) -> bool:
    """Whether a stream's log still holds every event after pos: nothing after it yet, or
    its oldest event (floor) follows pos at once or earlier."""
    return pos >= head or (floor is not None and pos >= floor - 1)


def _trimmed_after(pos: int, floor: int | None) -> bool:
    """Whether events after pos were trimmed from a stream whose head is not known here (one
    the person left): its log holds events, the oldest well after pos."""
    return floor is not None and pos < floor - 1


def _join_kept(joined: int, floor: int | None) -> bool:
    """Whether a start found from the log (the seq before the first event since joining) is
    where the person joined, not just where the trimmed log begins: with older events gone, the
    first one left cannot tell."""
    return floor is None or floor == 1 or joined >= floor


class _Trimmed(Exception):
    """A host's log no longer holds what a resume needs: the session resyncs."""


def _left_since(
    tx: Tx, team_id: str, stream: str, user_id: str, pos: int, until: int
) -> int | None:
    """The seq of the person's first leave of the conversation after pos, if they were in it
    at pos (no join of theirs before that leave). A position rewound to before they joined would
    otherwise replay what the conversation said before them: a private channel's history."""
    seq = tx.left_after(team_id, stream, user_id, pos, until)
    if seq is None or tx.joined_after(team_id, stream, user_id, pos, seq) is not None:
        return None
    return seq


async def _left_elsewhere(
    hub: Hub, who: Identity, resume: Positions, begun: Start, max_events: int
) -> Start:
    """Adds the shared channels of other workspaces that the person left while away, or lost
    with their workspace's disconnection: their leave is in the host's log, so only the host's
    shard can show it. A channel counts only if the host's record shows it was shared with the
    person's workspace and its log shows them leaving after the cursor, having been a member
    at the cursor (_left_since)."""
    missing = [s for s in resume if s != who.team_id and s not in begun.positions]
    if not missing:
        return begun

    def recorded(tx: Tx) -> dict[str, str]:
        found = {s: tx.shared_channel(who.team_id, s) for s in missing}
        return {s: r.host_team_id for s, r in found.items() if r is not None}

    positions, left, hosts = dict(begun.positions), dict(begun.left), dict(begun.hosts)
    for stream, host in sorted((await hub.read(who.team_id, recorded)).items()):
        pos = resume[stream]

        def leave(tx: Tx, host: str = host, stream: str = stream, pos: int = pos) -> int | None:
            if tx.share(host, stream, who.team_id) is None:
                return None
            if _trimmed_after(pos, tx.log_floors(host, [stream]).get(stream)):
                raise _Trimmed
            return _left_since(tx, host, stream, who.user_id, pos, pos + max_events)

        try:
            seq = await hub.read(host, leave)
        except _Trimmed:
            return replace(begun, positions=dict(begun.heads), left={}, resync=True)
        if seq is not None:
            positions[stream], left[stream], hosts[stream] = pos, seq, host
    return replace(begun, positions=positions, left=left, hosts=hosts)


@dataclass(frozen=True, slots=True)
class Heads:
    positions: Positions
    hosts: dict[str, str]  # as Start.hosts


async def heads(hub: Hub, who: Identity) -> Heads:
    """The last seq of the team stream and of each conversation who is a member of."""
    shared = await shares.shared_streams(hub, who)
    own = await hub.read(who.team_id, lambda tx: tx.stream_heads(who.team_id, who.user_id))
    own.update({stream: s.head for stream, s in shared.items()})
    return Heads(own, {stream: s.host_team_id for stream, s in shared.items()})


async def joined(hub: Hub, who: Identity, channel_ids: list[str]) -> Positions:
    """For each conversation who is a member of: the seq before the first event since joining."""
    shared = await shares.shared_streams(hub, who)

    def unit(tx: Tx) -> Positions:
        found = {
            c: shared[c].joined if c in shared else tx.joined_at(who.team_id, c, who.user_id)
            for c in channel_ids
        }
        return {c: pos for c, pos in found.items() if pos is not None}

    return await hub.read(who.team_id, unit)


async def events_after(
    hub: Hub, team_id: str, stream: str, after: int, limit: int
) -> list[tuple[int, bytes]]:
    """The logged events of a stream after a seq, in order, for replay and gap filling.

    team_id: the workspace whose shard holds the stream's log; for a shared channel, its host
    (Start.hosts, or the `team` of the join notice)."""
    rows = await hub.read(
        team_id, lambda tx: tx.events_after(team_id, stream, after, limit), snapshot=False
    )
    return [(seq, payload) for seq, _, payload in rows]


# -- what a socket may do --------------------------------------------------------------------


async def send_message(hub: Hub, who: Identity, channel_id: Any, text: Any) -> Message:
    """An RTM `message` frame: posted like chat.postMessage, so it is in history and fans out."""
    if not isinstance(channel_id, str) or not isinstance(text, str):
        raise SlackError("invalid_arguments")
    return await posting.post(hub, who, channel_id, posting.Draft.checked(text))


async def typing(hub: Hub, who: Identity, channel_id: Any) -> None:
    """Tells the channel's other members that who is typing: ephemeral, never logged.

    At most once per TYPING_EVERY_S per person and channel, whatever number of sockets they
    type on and whichever processes hold them (a claim in the Tickets port, in Redis when
    shared). Nobody is told in a channel of more members than the shared setting
    large_room_members: each notice is a frame to every member's sockets, 100,000 of them in
    the biggest rooms, for what nobody there can follow (Mattermost stops its typing notices
    past a channel size too).

    Published on the channel's own stream with seq 0, which gateways pass through without the
    seq checks of logged events, so the channel's seq stays gap-free.
    """
    if not isinstance(channel_id, str):
        raise SlackError("channel_not_found")
    if not await hub.tickets.claim(
        f"typing:{who.team_id}:{who.user_id}:{channel_id}", TYPING_EVERY_S
    ):
        return
    where = await home(hub, who, channel_id)

    def read(tx: Tx) -> tuple[Channel, int]:
        channel, _ = member_channel(tx, who, channel_id)
        return channel, tx.count_members(channel.team_id, channel.id)

    channel, members = await hub.read(where, read)
    if members > hub.live.large_room_members:
        return
    event = {"type": "user_typing", "channel": channel.id, "user": who.user_id}
    await hub.bus.publish(channel.id, EPHEMERAL_SEQ, orjson.dumps(event))


async def connected(hub: Hub, who: Identity) -> None:
    """A socket opened: presence counts it (services/users.py tells subscribers of a change)."""
    await users.connected(hub, who)


async def disconnected(hub: Hub, who: Identity) -> None:
    await users.disconnected(hub, who)


async def presence_of(hub: Hub, who: Identity, user_ids: Any) -> dict[str, str]:
    """presence_sub and presence_query: the presence of the named people of who's workspace."""
    return await users.presence_of(hub, who, user_ids)


presence_stream = users.presence_stream
