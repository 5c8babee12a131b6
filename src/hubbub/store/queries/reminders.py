"""Reminders (reminders.*): their rows, kept after they are said until deleted."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, or_, select, update

from hubbub.domain.reminders import Recurrence, Reminder
from hubbub.store.queries.base import TxBase
from hubbub.store.tables_jobs import reminders as rm


def _reminder(row: Any) -> Reminder:
    return Reminder(
        team_id=row.team_id,
        id=row.reminder_id,
        creator=row.creator,
        user_id=row.user_id,
        text=row.text,
        time=int(row.time),
        complete_ts=int(row.complete_ts),
        said_ts=int(row.said_ts),
        recurrence=None if row.recurrence is None else Recurrence.from_stored(row.recurrence),
    )


class ReminderQueries(TxBase):
    def insert_reminder(self, item: Reminder) -> None:
        self.conn.execute(
            insert(rm).values(
                team_id=item.team_id,
                reminder_id=item.id,
                creator=item.creator,
                user_id=item.user_id,
                text=item.text,
                time=item.time,
                complete_ts=item.complete_ts,
                said_ts=item.said_ts,
                recurrence=None if item.recurrence is None else item.recurrence.stored(),
            )
        )

    def get_reminder(self, team_id: str, reminder_id: str) -> Reminder | None:
        row = self.conn.execute(
            select(rm).where(rm.c.team_id == team_id, rm.c.reminder_id == reminder_id)
        ).first()
        return None if row is None else _reminder(row)

    def complete_reminder(self, team_id: str, reminder_id: str, at: int) -> None:
        self.conn.execute(
            update(rm)
            .where(rm.c.team_id == team_id, rm.c.reminder_id == reminder_id)
            .values(complete_ts=at)
        )

    def said_reminder(self, team_id: str, reminder_id: str, at: int) -> None:
        self.conn.execute(
            update(rm)
            .where(rm.c.team_id == team_id, rm.c.reminder_id == reminder_id)
            .values(said_ts=at)
        )

    def move_reminder(self, team_id: str, reminder_id: str, at: int) -> None:
        """A recurring reminder's next occurrence."""
        self.conn.execute(
            update(rm)
            .where(rm.c.team_id == team_id, rm.c.reminder_id == reminder_id)
            .values(time=at)
        )

    def delete_reminder(self, team_id: str, reminder_id: str) -> None:
        self.conn.execute(
            delete(rm).where(rm.c.team_id == team_id, rm.c.reminder_id == reminder_id)
        )

    def list_reminders(self, team_id: str, user_id: str, limit: int) -> list[Reminder]:
        """Those for user_id and those user_id set, by time."""
        rows = self.conn.execute(
            select(rm)
            .where(rm.c.team_id == team_id, or_(rm.c.user_id == user_id, rm.c.creator == user_id))
            .order_by(rm.c.time, rm.c.reminder_id)
            .limit(limit)
        ).all()
        return [_reminder(r) for r in rows]
