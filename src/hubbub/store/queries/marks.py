"""Reactions and pins."""

from __future__ import annotations

from sqlalchemy import and_, delete, func, insert, select, tuple_

from hubbub.domain.model import Message
from hubbub.store.prepared import Prepared
from hubbub.store.queries.messages import MessageQueries
from hubbub.store.rows import key, message_row
from hubbub.store.tables import messages, pins, reactions

_PIN_COUNT = Prepared(select(func.count()).where(key(pins, "team_id", "channel_id")))


class MarkQueries(MessageQueries):
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

    def user_reacted(
        self, team_id: str, user_id: str, before: tuple[int, str, str] | None, limit: int
    ) -> list[tuple[int, str, str]]:
        """The messages a user reacted to as (created of their newest reaction on it, channel,
        ts), newest first, below `before`: each message once, however many names it got."""
        r = reactions.c
        newest = func.max(r.created)
        query = (
            select(newest.label("created"), r.channel_id, r.ts)
            .where(r.team_id == team_id, r.user_id == user_id)
            .group_by(r.channel_id, r.ts)
        )
        if before is not None:
            query = query.having(tuple_(newest, r.channel_id, r.ts) < tuple_(*before))
        newest_first = (newest.desc(), r.channel_id.desc(), r.ts.desc())
        rows = self.conn.execute(query.order_by(*newest_first).limit(limit))
        return [(int(x.created), x.channel_id, x.ts) for x in rows]

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
        out = [(message_row(r), r.pinned_by, r.pinned_at) for r in rows]
        hydrated = self._hydrate([m for m, _, _ in out])
        return [(h, by, at) for h, (_, by, at) in zip(hydrated, out, strict=True)]

    def pin_count(self, team_id: str, channel_id: str) -> int:
        row = self.run.first(_PIN_COUNT, {"team_id": team_id, "channel_id": channel_id})
        return int(row[0])
