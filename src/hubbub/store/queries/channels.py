"""Conversations and who is in them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, insert, or_, select, update

from hubbub.domain.errors import SlackError
from hubbub.domain.model import Channel, Membership
from hubbub.store.prepared import Prepared, insert_all
from hubbub.store.queries.base import TxBase
from hubbub.store.rows import channel_row, key
from hubbub.store.tables import channels, members, messages

_GET_CHANNEL = Prepared(select(channels).where(key(channels, "team_id", "channel_id")))
# Built once (store/prepared.py): an import adds and marks read every member of every
# conversation, a Core statement each cost it ~4% of the writer's time at 10,000 members.
_ADD_MEMBER = insert_all(members)
_COUNT_MEMBER = Prepared(
    update(channels)
    .where(key(channels, "team_id", "channel_id"))
    .values(num_members=channels.c.num_members + bindparam("delta"))
)
_SET_LAST_READ = Prepared(
    update(members)
    .where(key(members, "team_id", "channel_id", "user_id"))
    .values(last_read=bindparam("ts"))
)
_SET_JOINED_AFTER = Prepared(
    update(members)
    .where(key(members, "team_id", "channel_id", "user_id"))
    .values(joined_after=bindparam("seq"))
)
_MEMBERSHIP = Prepared(
    select(members.c.joined, members.c.last_read, members.c.member_team).where(
        key(members, "team_id", "channel_id", "user_id")
    )
)
_CHANNEL_FOR = Prepared(
    select(
        channels,
        members.c.joined,
        members.c.last_read,
        members.c.member_team,
        members.c.user_id.label("member"),
    )
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
    .where(key(channels, "team_id", "channel_id"))
)


class ChannelQueries(TxBase):
    # -- channels -----------------------------------------------------------------------------

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
            Membership(channel_id, user_id, row.joined, row.last_read, row.member_team)
            if row.member
            else None
        )
        return channel_row(row), membership

    def get_channel(self, team_id: str, channel_id: str) -> Channel | None:
        row = self.run.first(_GET_CHANNEL, {"team_id": team_id, "channel_id": channel_id})
        return channel_row(row) if row else None

    def get_channel_by_name(self, team_id: str, name: str) -> Channel | None:
        row = self.conn.execute(
            select(channels).where(channels.c.team_id == team_id, channels.c.name == name)
        ).first()
        return channel_row(row) if row else None

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
            select(
                channels,
                m.c.joined,
                m.c.last_read,
                m.c.member_team,
                m.c.user_id.label("member_user"),
            )
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
                Membership(row.channel_id, user_id, row.joined, row.last_read, row.member_team)
                if row.member_user is not None
                else None
            )
            out.append((channel_row(row), membership))
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
        return [channel_row(row) for row in self.conn.execute(query)]

    # -- membership ---------------------------------------------------------------------------

    def add_member(
        self, team_id: str, channel_id: str, user_id: str, member_team: str | None = None
    ) -> bool:
        """True if the user was added, False if already a member. member_team: the workspace
        of a member from another workspace the channel is shared with."""
        if self.membership(team_id, channel_id, user_id) is not None:
            return False
        self.run.execute(
            _ADD_MEMBER,
            {
                "team_id": team_id,
                "channel_id": channel_id,
                "user_id": user_id,
                "joined": self.now,
                "last_read": "0000000000.000000",
                "member_team": member_team,
                "joined_after": None,
            },
        )
        self._count_member(team_id, channel_id, 1)
        return True

    def _count_member(self, team_id: str, channel_id: str, delta: int) -> None:
        self.run.execute(
            _COUNT_MEMBER, {"team_id": team_id, "channel_id": channel_id, "delta": delta}
        )

    def set_joined_after(self, team_id: str, channel_id: str, user_id: str, seq: int) -> None:
        """Where a member's share of the channel's log begins (hub.py EventLog, at their join)."""
        self.run.execute(
            _SET_JOINED_AFTER,
            {"team_id": team_id, "channel_id": channel_id, "user_id": user_id, "seq": seq},
        )

    def remove_member(self, team_id: str, channel_id: str, user_id: str) -> bool:
        result = self.conn.execute(
            delete(members).where(
                members.c.team_id == team_id,
                members.c.channel_id == channel_id,
                members.c.user_id == user_id,
            )
        )
        if not result.rowcount:
            return False
        self._count_member(team_id, channel_id, -1)
        return True

    def membership(self, team_id: str, channel_id: str, user_id: str) -> Membership | None:
        row = self.run.first(
            _MEMBERSHIP, {"team_id": team_id, "channel_id": channel_id, "user_id": user_id}
        )
        if row is None:
            return None
        return Membership(channel_id, user_id, row.joined, row.last_read, row.member_team)

    def set_last_read(self, team_id: str, channel_id: str, user_id: str, ts: str) -> None:
        self.run.execute(
            _SET_LAST_READ,
            {"team_id": team_id, "channel_id": channel_id, "user_id": user_id, "ts": ts},
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
            select(channels.c.num_members).where(
                channels.c.team_id == team_id, channels.c.channel_id == channel_id
            )
        ).scalar()
        return int(value or 0)

    def count_members_many(self, team_id: str, channel_ids: Iterable[str]) -> dict[str, int]:
        """Member counts of a page of channels in one query."""
        ids = list(set(channel_ids))
        if not ids:
            return {}
        rows = self.conn.execute(
            select(channels.c.channel_id, channels.c.num_members).where(
                channels.c.team_id == team_id, channels.c.channel_id.in_(ids)
            )
        )
        return {r.channel_id: int(r.num_members) for r in rows}

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
