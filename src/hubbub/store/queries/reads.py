"""Read state: what each member has not read yet, for all their conversations at once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, bindparam, func, or_, select

from hubbub.domain.model import ReadState
from hubbub.store.queries.base import TxBase
from hubbub.store.tables import channels, members, messages

_msg = messages.alias("msg")


def _shown(tombstone: str) -> Any:
    """Messages of the member's conversation as the channel shows them: no thread-only reply,
    no deleted parent left as a placeholder."""
    return and_(
        _msg.c.team_id == members.c.team_id,
        _msg.c.channel_id == members.c.channel_id,
        _msg.c.in_channel.is_(True),
        or_(_msg.c.subtype.is_(None), _msg.c.subtype != tombstone),
    )


def _unread(tombstone: str) -> Any:
    """Shown messages after the member's last_read that someone else wrote."""
    return and_(
        _shown(tombstone), _msg.c.ts > members.c.last_read, _msg.c.user_id != bindparam("user_id")
    )


def _mine(team_id: str, user_id: str, channel_id: str | None) -> Any:
    """The member's rows, joined to their conversations; archived ones left out."""
    where = [
        members.c.team_id == team_id,
        members.c.user_id == user_id,
        channels.c.is_archived.is_(False),
    ]
    if channel_id is not None:
        where.append(members.c.channel_id == channel_id)
    return and_(*where)


_JOIN = members.join(
    channels,
    and_(channels.c.team_id == members.c.team_id, channels.c.channel_id == members.c.channel_id),
)


class ReadQueries(TxBase):
    def read_states(
        self, team_id: str, user_id: str, *, tombstone: str, channel_id: str | None = None
    ) -> list[ReadState]:
        """Each conversation of user_id (or only channel_id): one query, whatever their number.

        Each count is a range scan of the messages primary key from the member's last_read, and
        the latest message one step back along it from the end.
        """
        unread = select(func.count()).where(_unread(tombstone)).scalar_subquery()
        latest = (
            select(_msg.c.ts)
            .where(_shown(tombstone))
            .order_by(_msg.c.ts.desc())
            .limit(1)
            .scalar_subquery()
        )
        query = (
            select(
                members.c.channel_id,
                members.c.last_read,
                channels.c.is_private,
                channels.c.is_im,
                channels.c.is_mpim,
                unread.label("unread"),
                latest.label("latest"),
            )
            .select_from(_JOIN)
            .where(_mine(team_id, user_id, channel_id))
            .order_by(members.c.channel_id)
        )
        rows = self.conn.execute(query, {"user_id": user_id})
        return [
            ReadState(
                channel_id=r.channel_id,
                is_private=bool(r.is_private),
                is_im=bool(r.is_im),
                is_mpim=bool(r.is_mpim),
                last_read=r.last_read,
                latest=r.latest,
                unread_count=int(r.unread),
            )
            for r in rows
        ]

    def unread_texts(
        self,
        team_id: str,
        user_id: str,
        markers: Sequence[str],
        *,
        tombstone: str,
        channel_id: str | None = None,
    ) -> list[tuple[str, str]]:
        """(channel, text) of the unread messages of user_id's conversations, DMs aside, whose
        text holds one of the markers: the few that may mention them, in one query."""
        holds = [_msg.c.text.like(f"%{_escaped(m)}%", escape="\\") for m in markers]
        query = (
            select(_msg.c.channel_id, _msg.c.text)
            .select_from(_JOIN.join(_msg, _unread(tombstone)))
            .where(_mine(team_id, user_id, channel_id), channels.c.is_im.is_(False), or_(*holds))
        )
        return [(r.channel_id, r.text) for r in self.conn.execute(query, {"user_id": user_id})]


def _escaped(text: str) -> str:
    """text as a LIKE pattern matches it: its wildcards taken literally."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
