"""The transaction interface services use: named queries over one SQLAlchemy connection.

Dialect-neutral (SQLAlchemy Core), so the SQLite and PostgreSQL adapters share it. A `Tx` lives for
one unit of work; the adapter decides where it runs (the group-commit writer, or a read snapshot).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

import orjson
from sqlalchemy import (
    Connection,
    Row,
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.expression import Executable

from hubbub.domain.errors import SlackError
from hubbub.domain.model import Channel, Identity, Membership, Message, Reaction, Team, User
from hubbub.domain.ts import from_micros
from hubbub.store.prepared import Prepared, Runner, insert_all
from hubbub.store.tables import (
    channel_events,
    channels,
    members,
    messages,
    outbox,
    pins,
    reactions,
    teams,
    tokens,
    users,
)


def _key(table: Any, *names: str) -> Any:
    return and_(*(table.c[n] == bindparam(n) for n in names))


# The statements of the hot paths (post, history, auth), built once: see store/prepared.py.
_IDENTITY = Prepared(
    select(
        tokens.c.team_id,
        tokens.c.user_id,
        tokens.c.kind,
        tokens.c.scopes,
        users.c.is_admin,
        users.c.bot_id,
        users.c.deleted,
    )
    .join(users, and_(users.c.team_id == tokens.c.team_id, users.c.user_id == tokens.c.user_id))
    .where(tokens.c.token_hash == bindparam("token_hash"), tokens.c.revoked.is_(False))
)
_GET_TEAM = Prepared(select(teams).where(_key(teams, "team_id")))
_GET_USER = Prepared(select(users).where(_key(users, "team_id", "user_id")))
_GET_CHANNEL = Prepared(select(channels).where(_key(channels, "team_id", "channel_id")))
_MEMBERSHIP = Prepared(
    select(members.c.joined, members.c.last_read).where(
        _key(members, "team_id", "channel_id", "user_id")
    )
)
_NEXT_SEQ = Prepared(
    update(channels)
    .where(_key(channels, "team_id", "channel_id"))
    .values(last_seq=channels.c.last_seq + 1)
    .returning(channels.c.last_seq)
)
# A message's position: the next seq, and a ts that is the wall clock, bumped one microsecond past
# the channel's last where needed. One statement, so it holds under concurrent writers (the row
# lock orders them) and costs one round trip.
_NEXT_MESSAGE_POSITION = Prepared(
    update(channels)
    .where(_key(channels, "team_id", "channel_id"))
    .values(
        last_seq=channels.c.last_seq + 1,
        last_us=case(
            (bindparam("now_us") > channels.c.last_us, bindparam("now_us")),
            else_=channels.c.last_us + 1,
        ),
    )
    .returning(channels.c.last_seq, channels.c.last_us)
)
_CHANNEL_FOR = Prepared(
    select(channels, members.c.joined, members.c.last_read, members.c.user_id.label("member"))
    .select_from(
        channels.outerjoin(
            members,
            and_(
                members.c.team_id == channels.c.team_id,
                members.c.channel_id == channels.c.channel_id,
                members.c.user_id == bindparam("user_id"),
            ),
        )
    )
    .where(_key(channels, "team_id", "channel_id"))
)
_NEXT_TEAM_SEQ = Prepared(
    update(teams)
    .where(_key(teams, "team_id"))
    .values(last_seq=teams.c.last_seq + 1)
    .returning(teams.c.last_seq)
)
_INSERT_EVENT = insert_all(channel_events)
_INSERT_OUTBOX = Prepared(
    insert(outbox)
    .values({n: bindparam(n) for n in ("team_id", "stream", "seq", "created")})
    .returning(outbox.c.id)
)
_INSERT_MESSAGE = insert_all(messages)
_GET_MESSAGE = Prepared(select(messages).where(_key(messages, "team_id", "channel_id", "ts")))
_BY_CLIENT_ID = Prepared(
    select(messages).where(_key(messages, "team_id", "user_id", "client_msg_id"))
)


def _page(thread: bool, inclusive: bool, bounded: bool) -> Prepared:
    """History (newest first) or a thread (oldest first) between ts bounds."""
    c = messages.c
    query = select(messages).where(
        _key(messages, "team_id", "channel_id"),
        c.thread_ts == bindparam("thread_ts") if thread else c.in_channel.is_(True),
        c.ts >= bindparam("oldest") if inclusive else c.ts > bindparam("oldest"),
    )
    if bounded:
        query = query.where(
            c.ts <= bindparam("latest") if inclusive else c.ts < bindparam("latest")
        )
    order = c.ts if thread else c.ts.desc()
    return Prepared(query.order_by(order).limit(bindparam("limit")))


_PAGES = {
    (thread, inclusive, bounded): _page(thread, inclusive, bounded)
    for thread in (False, True)
    for inclusive in (False, True)
    for bounded in (False, True)
}
_REACTIONS_IN_RANGE = Prepared(
    select(reactions.c.ts, reactions.c.name, reactions.c.user_id)
    .where(
        _key(reactions, "team_id", "channel_id"),
        reactions.c.ts.between(bindparam("lo"), bindparam("hi")),
    )
    .order_by(reactions.c.created, reactions.c.name)
)
_PINS_IN_RANGE = Prepared(
    select(pins.c.ts).where(
        _key(pins, "team_id", "channel_id"), pins.c.ts.between(bindparam("lo"), bindparam("hi"))
    )
)
_PIN_COUNT = Prepared(select(func.count()).where(_key(pins, "team_id", "channel_id")))


def _loads(value: str | None) -> Any:
    return orjson.loads(value) if value else None


def _dumps(value: Any) -> str | None:
    return None if value is None else orjson.dumps(value).decode()


def _team(row: Row[Any]) -> Team:
    return Team(id=row.team_id, name=row.name, domain=row.domain, created=row.created)


def _user(row: Row[Any]) -> User:
    return User(
        team_id=row.team_id,
        id=row.user_id,
        name=row.name,
        real_name=row.real_name,
        email=row.email,
        is_admin=bool(row.is_admin),
        is_owner=bool(row.is_owner),
        is_bot=bool(row.is_bot),
        bot_id=row.bot_id,
        deleted=bool(row.deleted),
        tz=row.tz,
        manual_away=bool(row.manual_away),
        updated=row.updated,
        profile=orjson.loads(row.profile),
    )


def _channel(row: Row[Any]) -> Channel:
    return Channel(
        team_id=row.team_id,
        id=row.channel_id,
        name=row.name,
        is_private=bool(row.is_private),
        is_im=bool(row.is_im),
        is_mpim=bool(row.is_mpim),
        creator=row.creator,
        created=row.created,
        is_archived=bool(row.is_archived),
        topic=row.topic,
        topic_creator=row.topic_creator,
        topic_last_set=row.topic_last_set,
        purpose=row.purpose,
        purpose_creator=row.purpose_creator,
        purpose_last_set=row.purpose_last_set,
        last_seq=row.last_seq,
        last_us=row.last_us,
    )


def _message(row: Row[Any]) -> Message:
    return Message(
        team_id=row.team_id,
        channel_id=row.channel_id,
        ts=row.ts,
        user_id=row.user_id,
        bot_id=row.bot_id,
        subtype=row.subtype,
        text=row.text,
        blocks=_loads(row.blocks),
        attachments=_loads(row.attachments),
        thread_ts=row.thread_ts,
        reply_count=row.reply_count,
        reply_users=tuple(orjson.loads(row.reply_users)),
        latest_reply=row.latest_reply,
        edited_ts=row.edited_ts,
        edited_by=row.edited_by,
        client_msg_id=row.client_msg_id,
        extra=_loads(row.extra) or {},
    )


class Tx:
    """Queries for one unit of work. Methods raise SlackError only for conflicts they detect."""

    def __init__(self, conn: Connection, now_us: int, run: Runner | None = None) -> None:
        self.conn = conn
        self.now_us = now_us
        # Adapters pass the runner they keep per connection; building one costs a few lookups.
        self.run = run or Runner(conn)

    def _try(self, stmt: Executable) -> bool:
        """Runs a write that may break a unique key; False (and nothing written) if it did."""
        try:
            with self.conn.begin_nested():
                self.conn.execute(stmt)
        except IntegrityError:
            return False
        return True

    @property
    def now(self) -> int:
        return self.now_us // 1_000_000

    # -- teams -----------------------------------------------------------------------------

    def insert_team(self, team: Team) -> None:
        if not self._try(
            insert(teams).values(
                team_id=team.id, name=team.name, domain=team.domain, created=team.created
            )
        ):
            raise SlackError("domain_taken")

    def get_team(self, team_id: str) -> Team | None:
        row = self.run.first(_GET_TEAM, {"team_id": team_id})
        return _team(row) if row else None

    def get_team_by_domain(self, domain: str) -> Team | None:
        row = self.conn.execute(select(teams).where(teams.c.domain == domain)).first()
        return _team(row) if row else None

    def list_teams(self) -> list[Team]:
        return [_team(r) for r in self.conn.execute(select(teams).order_by(teams.c.team_id))]

    # -- users -----------------------------------------------------------------------------

    def insert_user(self, user: User, password_hash: str | None = None) -> None:
        if not self._try(
            insert(users).values(
                team_id=user.team_id,
                user_id=user.id,
                name=user.name,
                real_name=user.real_name,
                email=user.email,
                is_admin=user.is_admin,
                is_owner=user.is_owner,
                is_bot=user.is_bot,
                bot_id=user.bot_id,
                deleted=user.deleted,
                tz=user.tz,
                manual_away=user.manual_away,
                password_hash=password_hash,
                profile=orjson.dumps(user.profile).decode(),
                created=self.now,
                updated=user.updated,
            )
        ):
            raise SlackError("already_exists")

    def get_user(self, team_id: str, user_id: str) -> User | None:
        row = self.run.first(_GET_USER, {"team_id": team_id, "user_id": user_id})
        return _user(row) if row else None

    def get_user_by_email(self, team_id: str, email: str) -> User | None:
        row = self.conn.execute(
            select(users).where(users.c.team_id == team_id, users.c.email == email)
        ).first()
        return _user(row) if row else None

    def get_password_hash(self, team_id: str, user_id: str) -> str | None:
        value: str | None = self.conn.execute(
            select(users.c.password_hash).where(
                users.c.team_id == team_id, users.c.user_id == user_id
            )
        ).scalar()
        return value

    def get_users(self, team_id: str, user_ids: Iterable[str]) -> dict[str, User]:
        ids = list(set(user_ids))
        if not ids:
            return {}
        rows = self.conn.execute(
            select(users).where(users.c.team_id == team_id, users.c.user_id.in_(ids))
        )
        return {r.user_id: _user(r) for r in rows}

    def list_users(self, team_id: str, after: str, limit: int) -> list[User]:
        rows = self.conn.execute(
            select(users)
            .where(users.c.team_id == team_id, users.c.user_id > after)
            .order_by(users.c.user_id)
            .limit(limit)
        )
        return [_user(r) for r in rows]

    def update_user(self, team_id: str, user_id: str, **values: Any) -> None:
        if "profile" in values:
            values["profile"] = orjson.dumps(values["profile"]).decode()
        self.conn.execute(
            update(users)
            .where(users.c.team_id == team_id, users.c.user_id == user_id)
            .values(updated=self.now, **values)
        )

    # -- tokens ----------------------------------------------------------------------------

    def insert_token(
        self, token_hash: str, team_id: str, user_id: str, kind: str, scopes: str = ""
    ) -> None:
        self.conn.execute(
            insert(tokens).values(
                token_hash=token_hash,
                team_id=team_id,
                user_id=user_id,
                kind=kind,
                scopes=scopes,
                created=self.now,
            )
        )

    def identity(self, token_hash: str) -> tuple[Identity, bool] | None:
        """The caller behind a live token, and whether that user is deactivated."""
        row = self.run.first(_IDENTITY, {"token_hash": token_hash})
        if row is None:
            return None
        identity = Identity(
            team_id=row.team_id,
            user_id=row.user_id,
            token_kind=row.kind,
            token_hash=token_hash,
            is_admin=bool(row.is_admin),
            bot_id=row.bot_id,
            scopes=frozenset(s for s in row.scopes.split(",") if s),
        )
        return identity, bool(row.deleted)

    def revoke_token(self, token_hash: str) -> None:
        self.conn.execute(
            update(tokens).where(tokens.c.token_hash == token_hash).values(revoked=True)
        )

    # -- channels --------------------------------------------------------------------------

    def insert_channel(self, channel: Channel) -> None:
        if not self._try(
            insert(channels).values(
                team_id=channel.team_id,
                channel_id=channel.id,
                name=channel.name,
                is_private=channel.is_private,
                is_im=channel.is_im,
                is_mpim=channel.is_mpim,
                creator=channel.creator,
                created=channel.created,
                is_archived=False,
                topic=channel.topic,
                topic_creator=channel.topic_creator,
                topic_last_set=channel.topic_last_set,
                purpose=channel.purpose,
                purpose_creator=channel.purpose_creator,
                purpose_last_set=channel.purpose_last_set,
                last_seq=0,
                last_us=0,
            )
        ):
            raise SlackError("name_taken")

    def channel_for(
        self, team_id: str, channel_id: str, user_id: str
    ) -> tuple[Channel, Membership | None] | None:
        """A channel with user_id's membership of it, in one query."""
        row = self.run.first(
            _CHANNEL_FOR, {"team_id": team_id, "channel_id": channel_id, "user_id": user_id}
        )
        if row is None:
            return None
        membership = (
            Membership(channel_id, user_id, row.joined, row.last_read) if row.member else None
        )
        return _channel(row), membership

    def get_channel(self, team_id: str, channel_id: str) -> Channel | None:
        row = self.run.first(_GET_CHANNEL, {"team_id": team_id, "channel_id": channel_id})
        return _channel(row) if row else None

    def get_channel_by_name(self, team_id: str, name: str) -> Channel | None:
        row = self.conn.execute(
            select(channels).where(channels.c.team_id == team_id, channels.c.name == name)
        ).first()
        return _channel(row) if row else None

    def update_channel(self, team_id: str, channel_id: str, **values: Any) -> None:
        if not self._try(
            update(channels)
            .where(channels.c.team_id == team_id, channels.c.channel_id == channel_id)
            .values(**values)
        ):
            raise SlackError("name_taken")

    def visible_channels(
        self,
        team_id: str,
        user_id: str,
        *,
        kinds: frozenset[str],
        exclude_archived: bool,
        member_only: bool,
        after: str,
        limit: int,
    ) -> list[tuple[Channel, Membership | None]]:
        """Channels of the given kinds that user_id may see, ordered by id, from `after`.

        kinds: any of public_channel, private_channel, im, mpim. Private kinds show only to members.
        """
        m = members
        joined = and_(
            m.c.team_id == channels.c.team_id,
            m.c.channel_id == channels.c.channel_id,
            m.c.user_id == user_id,
        )
        kind_filters = []
        if "public_channel" in kinds:
            public = and_(
                channels.c.is_private.is_(False),
                channels.c.is_im.is_(False),
                channels.c.is_mpim.is_(False),
            )
            kind_filters.append(and_(public, m.c.user_id.is_not(None)) if member_only else public)
        for kind, cond in (
            (
                "private_channel",
                # DMs are stored as private too; they are listed only under "im".
                and_(
                    channels.c.is_private.is_(True),
                    channels.c.is_im.is_(False),
                    channels.c.is_mpim.is_(False),
                ),
            ),
            ("im", channels.c.is_im.is_(True)),
            ("mpim", channels.c.is_mpim.is_(True)),
        ):
            if kind in kinds:
                kind_filters.append(and_(cond, m.c.user_id.is_not(None)))
        if not kind_filters:
            return []
        query = (
            select(channels, m.c.joined, m.c.last_read, m.c.user_id.label("member_user"))
            .select_from(channels.outerjoin(m, joined))
            .where(channels.c.team_id == team_id, channels.c.channel_id > after, or_(*kind_filters))
            .order_by(channels.c.channel_id)
            .limit(limit)
        )
        if exclude_archived:
            query = query.where(channels.c.is_archived.is_(False))
        out: list[tuple[Channel, Membership | None]] = []
        for row in self.conn.execute(query):
            membership = (
                Membership(row.channel_id, user_id, row.joined, row.last_read)
                if row.member_user is not None
                else None
            )
            out.append((_channel(row), membership))
        return out

    def member_channels(
        self,
        team_id: str,
        user_id: str,
        viewer_id: str,
        *,
        kinds: frozenset[str],
        exclude_archived: bool,
        after: str,
        limit: int,
    ) -> list[Channel]:
        """Channels of the given kinds user_id belongs to and viewer_id may see, by id from `after`.

        Public channels show to any viewer; the other kinds only where the viewer is a member too.
        """
        c = channels.c
        target, viewer = members.alias("target"), members.alias("viewer")
        public = and_(c.is_private.is_(False), c.is_im.is_(False), c.is_mpim.is_(False))
        private = and_(c.is_private.is_(True), c.is_im.is_(False), c.is_mpim.is_(False))
        by_kind = {
            "public_channel": public,
            "private_channel": private,
            "im": c.is_im.is_(True),
            "mpim": c.is_mpim.is_(True),
        }
        wanted = [cond for kind, cond in by_kind.items() if kind in kinds]
        if not wanted:
            return []
        joined = channels.join(
            target,
            and_(
                target.c.team_id == c.team_id,
                target.c.channel_id == c.channel_id,
                target.c.user_id == user_id,
            ),
        ).outerjoin(
            viewer,
            and_(
                viewer.c.team_id == c.team_id,
                viewer.c.channel_id == c.channel_id,
                viewer.c.user_id == viewer_id,
            ),
        )
        query = (
            select(channels)
            .select_from(joined)
            .where(
                c.team_id == team_id,
                c.channel_id > after,
                or_(*wanted),
                or_(public, viewer.c.user_id.is_not(None)),
            )
            .order_by(c.channel_id)
            .limit(limit)
        )
        if exclude_archived:
            query = query.where(c.is_archived.is_(False))
        return [_channel(row) for row in self.conn.execute(query)]

    # -- membership ------------------------------------------------------------------------

    def add_member(self, team_id: str, channel_id: str, user_id: str) -> bool:
        """True if the user was added, False if already a member."""
        if self.membership(team_id, channel_id, user_id) is not None:
            return False
        self.conn.execute(
            insert(members).values(
                team_id=team_id,
                channel_id=channel_id,
                user_id=user_id,
                joined=self.now,
                last_read="0000000000.000000",
            )
        )
        return True

    def remove_member(self, team_id: str, channel_id: str, user_id: str) -> bool:
        result = self.conn.execute(
            delete(members).where(
                members.c.team_id == team_id,
                members.c.channel_id == channel_id,
                members.c.user_id == user_id,
            )
        )
        return bool(result.rowcount)

    def membership(self, team_id: str, channel_id: str, user_id: str) -> Membership | None:
        row = self.run.first(
            _MEMBERSHIP, {"team_id": team_id, "channel_id": channel_id, "user_id": user_id}
        )
        return Membership(channel_id, user_id, row.joined, row.last_read) if row else None

    def set_last_read(self, team_id: str, channel_id: str, user_id: str, ts: str) -> None:
        self.conn.execute(
            update(members)
            .where(
                members.c.team_id == team_id,
                members.c.channel_id == channel_id,
                members.c.user_id == user_id,
            )
            .values(last_read=ts)
        )

    def member_ids(self, team_id: str, channel_id: str, after: str, limit: int) -> list[str]:
        rows = self.conn.execute(
            select(members.c.user_id)
            .where(
                members.c.team_id == team_id,
                members.c.channel_id == channel_id,
                members.c.user_id > after,
            )
            .order_by(members.c.user_id)
            .limit(limit)
        )
        return [r.user_id for r in rows]

    def count_members(self, team_id: str, channel_id: str) -> int:
        value = self.conn.execute(
            select(func.count()).where(
                members.c.team_id == team_id, members.c.channel_id == channel_id
            )
        ).scalar()
        return int(value or 0)

    def count_members_many(self, team_id: str, channel_ids: Iterable[str]) -> dict[str, int]:
        """Member counts of a page of channels in one query; channels without members are absent."""
        ids = list(set(channel_ids))
        if not ids:
            return {}
        rows = self.conn.execute(
            select(members.c.channel_id, func.count().label("n"))
            .where(members.c.team_id == team_id, members.c.channel_id.in_(ids))
            .group_by(members.c.channel_id)
        )
        return {r.channel_id: int(r.n) for r in rows}

    def unread_count(self, team_id: str, channel_id: str, after_ts: str) -> int:
        value = self.conn.execute(
            select(func.count()).where(
                messages.c.team_id == team_id,
                messages.c.channel_id == channel_id,
                messages.c.in_channel.is_(True),
                messages.c.ts > after_ts,
            )
        ).scalar()
        return int(value or 0)

    # -- the event log ---------------------------------------------------------------------

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
        self.run.execute(
            _INSERT_EVENT,
            {
                "team_id": team_id,
                "stream": stream,
                "seq": seq,
                "type": type_,
                "payload": payload,
                "created": self.now_us,
            },
        )
        row = self.run.first(
            _INSERT_OUTBOX,
            {"team_id": team_id, "stream": stream, "seq": seq, "created": self.now_us},
        )
        return int(row.id)

    def unpublished(self, created_before_us: int, limit: int) -> list[tuple[int, str, int, bytes]]:
        """Outbox rows older than the bound: (outbox id, stream, seq, payload), oldest first."""
        rows = self.conn.execute(
            select(outbox.c.id, outbox.c.stream, outbox.c.seq, channel_events.c.payload)
            .join(
                channel_events,
                and_(
                    channel_events.c.team_id == outbox.c.team_id,
                    channel_events.c.stream == outbox.c.stream,
                    channel_events.c.seq == outbox.c.seq,
                ),
            )
            .where(outbox.c.created < created_before_us)
            .order_by(outbox.c.id)
            .limit(limit)
        )
        return [(r.id, r.stream, r.seq, r.payload) for r in rows]

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

    def joined_at(self, team_id: str, channel_id: str, user_id: str) -> int | None:
        """The seq before the first event logged since user_id joined the channel, if a member."""
        joined = self.conn.execute(
            select(members.c.joined).where(
                members.c.team_id == team_id,
                members.c.channel_id == channel_id,
                members.c.user_id == user_id,
            )
        ).scalar()
        if joined is None:
            return None
        first = self.conn.execute(
            select(func.min(channel_events.c.seq)).where(
                channel_events.c.team_id == team_id,
                channel_events.c.stream == channel_id,
                channel_events.c.created >= int(joined) * 1_000_000,
            )
        ).scalar()
        return None if first is None else int(first) - 1

    # -- messages --------------------------------------------------------------------------

    def insert_message(self, msg: Message, seq: int, in_channel: bool) -> None:
        self.run.execute(
            _INSERT_MESSAGE,
            {
                "team_id": msg.team_id,
                "channel_id": msg.channel_id,
                "ts": msg.ts,
                "user_id": msg.user_id,
                "bot_id": msg.bot_id,
                "subtype": msg.subtype,
                "text": msg.text,
                "blocks": _dumps(msg.blocks),
                "attachments": _dumps(msg.attachments),
                "extra": _dumps(msg.extra) if msg.extra else None,
                "thread_ts": msg.thread_ts,
                "in_channel": in_channel,
                "reply_count": 0,
                "reply_users": "[]",
                "latest_reply": None,
                "edited_ts": None,
                "edited_by": None,
                "client_msg_id": msg.client_msg_id,
                "seq": seq,
            },
        )

    def get_message(self, team_id: str, channel_id: str, ts: str) -> Message | None:
        row = self.run.first(_GET_MESSAGE, {"team_id": team_id, "channel_id": channel_id, "ts": ts})
        return _message(row) if row else None

    def message_by_client_id(
        self, team_id: str, user_id: str, client_msg_id: str
    ) -> Message | None:
        row = self.run.first(
            _BY_CLIENT_ID,
            {"team_id": team_id, "user_id": user_id, "client_msg_id": client_msg_id},
        )
        return _message(row) if row else None

    def update_message(self, team_id: str, channel_id: str, ts: str, **values: Any) -> None:
        for key in ("blocks", "attachments", "extra"):
            if key in values:
                values[key] = _dumps(values[key])
        if "reply_users" in values:
            values["reply_users"] = orjson.dumps(list(values["reply_users"])).decode()
        self.conn.execute(
            update(messages)
            .where(
                messages.c.team_id == team_id,
                messages.c.channel_id == channel_id,
                messages.c.ts == ts,
            )
            .values(**values)
        )

    def delete_message(self, team_id: str, channel_id: str, ts: str) -> None:
        for table in (reactions, pins, messages):
            self.conn.execute(
                delete(table).where(
                    table.c.team_id == team_id,
                    table.c.channel_id == channel_id,
                    table.c.ts == ts,
                )
            )

    def delete_marks(self, team_id: str, channel_id: str, ts: str) -> None:
        """Drops a message's reactions and pins, as when it becomes a tombstone."""
        for table in (reactions, pins):
            self.conn.execute(
                delete(table).where(
                    table.c.team_id == team_id,
                    table.c.channel_id == channel_id,
                    table.c.ts == ts,
                )
            )

    def thread_summary(
        self, team_id: str, channel_id: str, thread_ts: str
    ) -> tuple[int, list[str], str | None]:
        """A thread's reply count, its repliers by first reply, and its latest reply's ts."""
        c = messages.c
        rows = self.conn.execute(
            select(c.user_id, func.count().label("n"), func.max(c.ts).label("last"))
            .where(
                c.team_id == team_id,
                c.channel_id == channel_id,
                c.thread_ts == thread_ts,
                c.ts != thread_ts,
            )
            .group_by(c.user_id)
            .order_by(func.min(c.ts))
        ).all()
        latest = max((r.last for r in rows), default=None)
        return sum(int(r.n) for r in rows), [r.user_id for r in rows], latest

    def history(
        self,
        team_id: str,
        channel_id: str,
        *,
        oldest: str,
        latest: str | None,
        inclusive: bool,
        limit: int,
    ) -> list[Message]:
        """Channel-level messages between the bounds, newest first."""
        query = _PAGES[(False, inclusive, latest is not None)]
        params = {
            "team_id": team_id,
            "channel_id": channel_id,
            "oldest": oldest,
            "latest": latest,
            "limit": limit,
        }
        return self._hydrate([_message(r) for r in self.run.rows(query, params)])

    def replies(
        self,
        team_id: str,
        channel_id: str,
        thread_ts: str,
        *,
        oldest: str,
        latest: str | None,
        inclusive: bool,
        limit: int,
    ) -> list[Message]:
        """A thread's parent and replies between the bounds, oldest first."""
        query = _PAGES[(True, inclusive, latest is not None)]
        params = {
            "team_id": team_id,
            "channel_id": channel_id,
            "thread_ts": thread_ts,
            "oldest": oldest,
            "latest": latest,
            "limit": limit,
        }
        return self._hydrate([_message(r) for r in self.run.rows(query, params)])

    def hydrate(self, msgs: Sequence[Message]) -> list[Message]:
        return self._hydrate(list(msgs))

    def _hydrate(self, msgs: list[Message]) -> list[Message]:
        """Attaches reactions and pins to a page of messages of one channel."""
        if not msgs:
            return msgs
        team_id, channel_id = msgs[0].team_id, msgs[0].channel_id
        # A page is a ts range of one channel: one range scan instead of a long IN list.
        params = {
            "team_id": team_id,
            "channel_id": channel_id,
            "lo": min(m.ts for m in msgs),
            "hi": max(m.ts for m in msgs),
        }
        found: dict[str, dict[str, list[str]]] = {}
        for r in self.run.rows(_REACTIONS_IN_RANGE, params):
            found.setdefault(r.ts, {}).setdefault(r.name, []).append(r.user_id)
        pinned = {r.ts for r in self.run.rows(_PINS_IN_RANGE, params)}
        if not found and not pinned:
            return msgs
        out = []
        for m in msgs:
            rs = tuple(Reaction(n, tuple(u)) for n, u in found.get(m.ts, {}).items())
            pin = (channel_id,) if m.ts in pinned else ()
            out.append(replace(m, reactions=rs, pinned_to=pin))
        return out

    # -- reactions and pins ----------------------------------------------------------------

    def add_reaction(self, team_id: str, channel_id: str, ts: str, name: str, user_id: str) -> bool:
        return self._try(
            insert(reactions).values(
                team_id=team_id,
                channel_id=channel_id,
                ts=ts,
                name=name,
                user_id=user_id,
                created=self.now_us,
            )
        )

    def remove_reaction(
        self, team_id: str, channel_id: str, ts: str, name: str, user_id: str
    ) -> bool:
        result = self.conn.execute(
            delete(reactions).where(
                reactions.c.team_id == team_id,
                reactions.c.channel_id == channel_id,
                reactions.c.ts == ts,
                reactions.c.name == name,
                reactions.c.user_id == user_id,
            )
        )
        return bool(result.rowcount)

    def reaction_names(
        self, team_id: str, channel_id: str, ts: str, user_id: str | None = None
    ) -> list[str]:
        """The distinct reaction names on one message, or only those user_id added."""
        r = reactions.c
        query = select(r.name).where(r.team_id == team_id, r.channel_id == channel_id, r.ts == ts)
        if user_id is not None:
            query = query.where(r.user_id == user_id)
        return [row.name for row in self.conn.execute(query.distinct())]

    def user_reactions(
        self, team_id: str, user_id: str, before: tuple[int, str, str, str] | None, limit: int
    ) -> list[tuple[int, str, str, str]]:
        """A user's reactions as (created, channel, ts, name), newest first, below `before`."""
        r = reactions.c
        key = tuple_(r.created, r.channel_id, r.ts, r.name)
        query = select(r.created, r.channel_id, r.ts, r.name).where(
            r.team_id == team_id, r.user_id == user_id
        )
        if before is not None:
            query = query.where(key < tuple_(*before))
        newest_first = (r.created.desc(), r.channel_id.desc(), r.ts.desc(), r.name.desc())
        rows = self.conn.execute(query.order_by(*newest_first).limit(limit))
        return [(int(x.created), x.channel_id, x.ts, x.name) for x in rows]

    def add_pin(self, team_id: str, channel_id: str, ts: str, user_id: str) -> bool:
        return self._try(
            insert(pins).values(
                team_id=team_id,
                channel_id=channel_id,
                ts=ts,
                pinned_by=user_id,
                created=self.now,
            )
        )

    def get_pin(self, team_id: str, channel_id: str, ts: str) -> tuple[str, int] | None:
        """Who pinned the message and when, if it is pinned."""
        row = self.conn.execute(
            select(pins.c.pinned_by, pins.c.created).where(
                pins.c.team_id == team_id, pins.c.channel_id == channel_id, pins.c.ts == ts
            )
        ).first()
        return (row.pinned_by, int(row.created)) if row else None

    def remove_pin(self, team_id: str, channel_id: str, ts: str) -> bool:
        result = self.conn.execute(
            delete(pins).where(
                pins.c.team_id == team_id, pins.c.channel_id == channel_id, pins.c.ts == ts
            )
        )
        return bool(result.rowcount)

    def list_pins(self, team_id: str, channel_id: str) -> list[tuple[Message, str, int]]:
        rows = self.conn.execute(
            select(messages, pins.c.pinned_by, pins.c.created.label("pinned_at"))
            .join(
                pins,
                and_(
                    pins.c.team_id == messages.c.team_id,
                    pins.c.channel_id == messages.c.channel_id,
                    pins.c.ts == messages.c.ts,
                ),
            )
            .where(pins.c.team_id == team_id, pins.c.channel_id == channel_id)
            .order_by(pins.c.created.desc(), pins.c.ts.desc())
        )
        out = [(_message(r), r.pinned_by, r.pinned_at) for r in rows]
        hydrated = self._hydrate([m for m, _, _ in out])
        return [(h, by, at) for h, (_, by, at) in zip(hydrated, out, strict=True)]

    def pin_count(self, team_id: str, channel_id: str) -> int:
        row = self.run.first(_PIN_COUNT, {"team_id": team_id, "channel_id": channel_id})
        return int(row[0])
