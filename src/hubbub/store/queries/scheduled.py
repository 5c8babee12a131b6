"""Scheduled messages (chat.scheduleMessage): their rows until their job posts them."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import and_, delete, func, insert, or_, select

from hubbub.domain.scheduled import Scheduled
from hubbub.store.queries.base import TxBase
from hubbub.store.tables_jobs import scheduled_messages as sm


def _scheduled(row: Any) -> Scheduled:
    return Scheduled(
        team_id=row.team_id,
        id=row.scheduled_id,
        channel_id=row.channel_id,
        user_id=row.user_id,
        post_at=int(row.post_at),
        created=int(row.created),
        draft=orjson.loads(row.draft),
    )


class ScheduledQueries(TxBase):
    def insert_scheduled(self, item: Scheduled) -> None:
        self.conn.execute(
            insert(sm).values(
                team_id=item.team_id,
                scheduled_id=item.id,
                channel_id=item.channel_id,
                user_id=item.user_id,
                post_at=item.post_at,
                created=item.created,
                draft=orjson.dumps(item.draft).decode(),
            )
        )

    def get_scheduled(self, team_id: str, scheduled_id: str) -> Scheduled | None:
        row = self.conn.execute(
            select(sm).where(sm.c.team_id == team_id, sm.c.scheduled_id == scheduled_id)
        ).first()
        return None if row is None else _scheduled(row)

    def delete_scheduled(self, team_id: str, scheduled_id: str) -> bool:
        done = self.conn.execute(
            delete(sm).where(sm.c.team_id == team_id, sm.c.scheduled_id == scheduled_id)
        )
        return bool(done.rowcount)

    def scheduled_between(self, team_id: str, channel_id: str, low: int, high: int) -> int:
        """How many messages wait for the channel with post_at in [low, high]."""
        count = self.conn.execute(
            select(func.count()).where(
                sm.c.team_id == team_id,
                sm.c.channel_id == channel_id,
                sm.c.post_at.between(low, high),
            )
        ).scalar_one()
        return int(count)

    def list_scheduled(
        self,
        team_id: str,
        user_id: str,
        *,
        channel_id: str | None,
        oldest: int,
        latest: int,
        after: tuple[int, str] | None,
        limit: int,
    ) -> list[Scheduled]:
        """An author's waiting messages with post_at in [oldest, latest], soonest first, after
        the (post_at, id) a page ended on."""
        where = [
            sm.c.team_id == team_id,
            sm.c.user_id == user_id,
            sm.c.post_at.between(oldest, latest),
        ]
        if channel_id is not None:
            where.append(sm.c.channel_id == channel_id)
        if after is not None:
            at, scheduled_id = after
            where.append(
                or_(sm.c.post_at > at, and_(sm.c.post_at == at, sm.c.scheduled_id > scheduled_id))
            )
        rows = self.conn.execute(
            select(sm).where(*where).order_by(sm.c.post_at, sm.c.scheduled_id).limit(limit)
        )
        return [_scheduled(r) for r in rows]
