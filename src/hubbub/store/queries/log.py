"""The ordered event log of each channel and team, and the outbox."""

from __future__ import annotations

from collections.abc import Sequence

import orjson
from sqlalchemy import (
    ColumnElement,
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    select,
    union_all,
    update,
)

from hubbub.domain.ts import from_micros
from hubbub.store.prepared import Prepared, insert_all
from hubbub.store.queries.base import TxBase
from hubbub.store.rows import key
from hubbub.store.tables import channel_events, channels, members, outbox, teams

_NEXT_SEQ = Prepared(
    update(channels)
    .where(key(channels, "team_id", "channel_id"))
    .values(last_seq=channels.c.last_seq + 1)
    .returning(channels.c.last_seq)
)
# A message's position: the next seq, and a ts that is the wall clock, bumped one microsecond past
# the channel's last where needed. One statement, so it holds under concurrent writers (the row
# lock orders them) and costs one round trip.
_NEXT_MESSAGE_POSITION = Prepared(
    update(channels)
    .where(key(channels, "team_id", "channel_id"))
    .values(
        last_seq=channels.c.last_seq + 1,
        last_us=case(
            (bindparam("now_us") > channels.c.last_us, bindparam("now_us")),
            else_=channels.c.last_us + 1,
        ),
    )
    .returning(channels.c.last_seq, channels.c.last_us)
)
_NEXT_TEAM_SEQ = Prepared(
    update(teams)
    .where(key(teams, "team_id"))
    .values(last_seq=teams.c.last_seq + 1)
    .returning(teams.c.last_seq)
)
_INSERT_EVENT = insert_all(channel_events)
_OUTBOX_INSERT = (
    insert(outbox)
    .values({n: bindparam(n) for n in ("team_id", "stream", "seq", "created")})
    .returning(outbox.c.id)
)
_INSERT_OUTBOX = Prepared(_OUTBOX_INSERT)
_QUEUE_NOTICE = Prepared(
    insert(outbox)
    .values({n: bindparam(n) for n in ("team_id", "stream", "seq", "created", "payload")})
    .returning(outbox.c.id)
)
# Where a member's share of a channel's log begins: the seq after the one their join recorded
# (members.joined_after), or for a member made with no event (an import) the first event
# logged since the second they were made. COALESCE reads the log only for those. A guest's
# socket connecting reads it for each shared channel: one statement.
_FIRST_SINCE_JOINED = Prepared(
    select(
        func.coalesce(
            members.c.joined_after + 1,
            select(func.min(channel_events.c.seq))
            .where(
                channel_events.c.team_id == members.c.team_id,
                channel_events.c.stream == members.c.channel_id,
                channel_events.c.created >= members.c.joined * 1_000_000,
            )
            .scalar_subquery(),
        ).label("first_seq")
    ).where(
        members.c.team_id == bindparam("team_id"),
        members.c.channel_id == bindparam("channel_id"),
        members.c.user_id == bindparam("user_id"),
    )
)
# PostgreSQL takes both inserts in one statement (an INSERT in a WITH): one round trip fewer
# for every event, inside the transaction that holds the channel's row for its seq.
_LOG_AND_QUEUE = Prepared(
    _OUTBOX_INSERT.add_cte(
        insert(channel_events)
        .values({c.name: bindparam(c.name) for c in channel_events.columns})
        .cte("logged")
    )
)


# (team id, stream)
Stream = tuple[str, str]


class LogQueries(TxBase):
    def next_seq(self, team_id: str, channel_id: str) -> int:
        """Takes the channel's next seq, for an event that is not a message."""
        row = self.run.first(_NEXT_SEQ, {"team_id": team_id, "channel_id": channel_id})
        return int(row.last_seq)

    def next_message_position(self, team_id: str, channel_id: str) -> tuple[int, str]:
        """Takes the channel's next seq and a ts strictly greater than any before it."""
        row = self.run.first(
            _NEXT_MESSAGE_POSITION,
            {"team_id": team_id, "channel_id": channel_id, "now_us": self.now_us},
        )
        return int(row.last_seq), from_micros(row.last_us)

    def next_team_seq(self, team_id: str) -> int:
        row = self.run.first(_NEXT_TEAM_SEQ, {"team_id": team_id})
        return int(row.last_seq)

    def append_event(self, team_id: str, stream: str, seq: int, type_: str, payload: bytes) -> int:
        """Logs the event and queues it in the outbox; returns the outbox row's id."""
        event = {"team_id": team_id, "stream": stream, "seq": seq, "created": self.now_us}
        if self.run.dialect.name == "postgresql":
            row = self.run.first(_LOG_AND_QUEUE, {**event, "type": type_, "payload": payload})
        else:
            self.run.execute(_INSERT_EVENT, {**event, "type": type_, "payload": payload})
            row = self.run.first(_INSERT_OUTBOX, event)
        return int(row.id)

    def queue_notice(self, team_id: str, stream: str, payload: bytes) -> int:
        """Queues a notice (seq 0, never logged) in the outbox, so the relay publishes it if
        the commit's own publish does not; returns the outbox row's id."""
        row = self.run.first(
            _QUEUE_NOTICE,
            {
                "team_id": team_id,
                "stream": stream,
                "seq": 0,
                "created": self.now_us,
                "payload": payload,
            },
        )
        return int(row.id)

    def unpublished(
        self, created_before_us: int, limit: int
    ) -> list[tuple[int, str, int, bytes, str]]:
        """Outbox rows older than the bound: (outbox id, stream, seq, payload, team id), oldest
        first."""
        return self._outbox_rows(outbox.c.created < created_before_us, limit)

    def claim_unpublished(
        self, created_before_us: int, limit: int
    ) -> list[tuple[int, str, int, bytes, str]]:
        """As unpublished, for the relay of one process among many: the rows it returns are
        dated now, so no other relay takes them within its grace period; rows another relay is
        claiming at this moment are skipped, not waited for (FOR UPDATE SKIP LOCKED on
        PostgreSQL; SQLite's one writer needs neither)."""
        stale = (
            select(outbox.c.id)
            .where(outbox.c.created < created_before_us)
            .order_by(outbox.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        claimed = self.conn.execute(
            update(outbox)
            .where(outbox.c.id.in_(stale.scalar_subquery()))
            .values(created=self.now_us)
            .returning(outbox.c.id)
        )
        ids = [row.id for row in claimed]
        return self._outbox_rows(outbox.c.id.in_(ids), limit) if ids else []

    def _outbox_rows(
        self, where: ColumnElement[bool], limit: int
    ) -> list[tuple[int, str, int, bytes, str]]:
        rows = self.conn.execute(
            select(
                outbox.c.id,
                outbox.c.stream,
                outbox.c.seq,
                func.coalesce(outbox.c.payload, channel_events.c.payload).label("payload"),
                outbox.c.team_id,
            )
            .outerjoin(
                channel_events,
                and_(
                    channel_events.c.team_id == outbox.c.team_id,
                    channel_events.c.stream == outbox.c.stream,
                    channel_events.c.seq == outbox.c.seq,
                ),
            )
            .where(where)
            .order_by(outbox.c.id)
            .limit(limit)
        )
        return [(r.id, r.stream, r.seq, r.payload, r.team_id) for r in rows]

    def delete_outbox(self, ids: Sequence[int]) -> None:
        for start in range(0, len(ids), 500):
            self.conn.execute(delete(outbox).where(outbox.c.id.in_(ids[start : start + 500])))

    def events_after(
        self, team_id: str, stream: str, after_seq: int, limit: int
    ) -> list[tuple[int, str, bytes]]:
        rows = self.conn.execute(
            select(channel_events.c.seq, channel_events.c.type, channel_events.c.payload)
            .where(
                channel_events.c.team_id == team_id,
                channel_events.c.stream == stream,
                channel_events.c.seq > after_seq,
            )
            .order_by(channel_events.c.seq)
            .limit(limit)
        )
        return [(r.seq, r.type, r.payload) for r in rows]

    def log_floors(self, team_id: str, streams: Sequence[str]) -> dict[str, int]:
        """The oldest seq each stream's log still holds (jobs/event_sweep.py trims the rest),
        for the streams that hold any."""
        found: dict[str, int] = {}
        for start in range(0, len(streams), 500):
            rows = self.conn.execute(
                select(channel_events.c.stream, func.min(channel_events.c.seq).label("floor"))
                .where(
                    channel_events.c.team_id == team_id,
                    channel_events.c.stream.in_(streams[start : start + 500]),
                )
                .group_by(channel_events.c.stream)
            )
            found.update({r.stream: int(r.floor) for r in rows})
        return found

    def overfull_streams(self, keep: int, after: tuple[str, str], limit: int) -> list[Stream]:
        """Streams (channels' and teams') whose log holds events more than keep behind their
        head, in (team, stream) order after `after`, at most limit: what the sweep trims. A
        stream's head is its row's last_seq; seqs are gapless, so its log holds head - floor + 1
        events."""
        heads = union_all(
            select(channels.c.team_id, channels.c.channel_id.label("stream"), channels.c.last_seq),
            select(teams.c.team_id, teams.c.team_id.label("stream"), teams.c.last_seq),
        ).subquery()
        floor = (
            select(func.min(channel_events.c.seq))
            .where(
                channel_events.c.team_id == heads.c.team_id,
                channel_events.c.stream == heads.c.stream,
            )
            .scalar_subquery()
        )
        rows = self.conn.execute(
            select(heads.c.team_id, heads.c.stream)
            .where(
                heads.c.last_seq > keep,
                func.coalesce(floor, heads.c.last_seq) <= heads.c.last_seq - keep,
                (heads.c.team_id > after[0])
                | ((heads.c.team_id == after[0]) & (heads.c.stream > after[1])),
            )
            .order_by(heads.c.team_id, heads.c.stream)
            .limit(limit)
        )
        return [(r.team_id, r.stream) for r in rows]

    def trim_log(self, team_id: str, stream: str, keep: int, batch: int) -> int:
        """Deletes the stream's oldest events, at most batch, keeping the newest keep and every
        event the outbox still names (the relay joins its rows to their events); returns how
        many went."""
        head = self._head(team_id, stream)
        floor = self.log_floors(team_id, [stream]).get(stream)
        if head is None or floor is None:
            return 0
        queued = self.conn.execute(
            select(func.min(outbox.c.seq)).where(
                outbox.c.team_id == team_id, outbox.c.stream == stream
            )
        ).scalar()
        upto = min(head - keep, floor + batch - 1)
        if queued is not None:
            upto = min(upto, int(queued) - 1)
        if upto < floor:
            return 0
        result = self.conn.execute(
            delete(channel_events).where(
                channel_events.c.team_id == team_id,
                channel_events.c.stream == stream,
                channel_events.c.seq <= upto,
            )
        )
        return int(result.rowcount)

    def _head(self, team_id: str, stream: str) -> int | None:
        if stream == team_id:
            found = select(teams.c.last_seq).where(teams.c.team_id == team_id)
        else:
            found = select(channels.c.last_seq).where(
                channels.c.team_id == team_id, channels.c.channel_id == stream
            )
        head = self.conn.execute(found).scalar()
        return None if head is None else int(head)

    def stream_heads(self, team_id: str, user_id: str) -> dict[str, int]:
        """The last seq of the team stream and of every conversation user_id is a member of."""
        heads = {
            r.channel_id: int(r.last_seq)
            for r in self.conn.execute(
                select(channels.c.channel_id, channels.c.last_seq)
                .join(
                    members,
                    and_(
                        members.c.team_id == channels.c.team_id,
                        members.c.channel_id == channels.c.channel_id,
                    ),
                )
                .where(members.c.team_id == team_id, members.c.user_id == user_id)
            )
        }
        team = self.conn.execute(select(teams.c.last_seq).where(teams.c.team_id == team_id))
        heads[team_id] = int(team.scalar() or 0)
        return heads

    def left_after(
        self, team_id: str, channel_id: str, user_id: str, after_seq: int, until_seq: int
    ) -> int | None:
        """The seq of user_id's first `member_left_channel` in the channel's log after after_seq
        (and at most until_seq), if any."""
        return self._first_of(
            "member_left_channel", team_id, channel_id, user_id, after_seq, until_seq
        )

    def joined_after(
        self, team_id: str, channel_id: str, user_id: str, after_seq: int, until_seq: int
    ) -> int | None:
        """The seq of user_id's first `member_joined_channel` in that range of the log, if any."""
        return self._first_of(
            "member_joined_channel", team_id, channel_id, user_id, after_seq, until_seq
        )

    def _first_of(
        self, kind: str, team_id: str, channel_id: str, user_id: str, after_seq: int, until: int
    ) -> int | None:
        rows = self.conn.execute(
            select(channel_events.c.seq, channel_events.c.payload)
            .where(
                channel_events.c.team_id == team_id,
                channel_events.c.stream == channel_id,
                channel_events.c.seq > after_seq,
                channel_events.c.seq <= until,
                channel_events.c.type == kind,
            )
            .order_by(channel_events.c.seq)
        )
        for row in rows:
            if orjson.loads(row.payload).get("user") == user_id:
                return int(row.seq)
        return None

    def joined_at(self, team_id: str, channel_id: str, user_id: str) -> int | None:
        """The seq before the first event logged since user_id joined the channel, if a member."""
        row = self.run.first(
            _FIRST_SINCE_JOINED, {"team_id": team_id, "channel_id": channel_id, "user_id": user_id}
        )
        return None if row is None or row.first_seq is None else int(row.first_seq) - 1
