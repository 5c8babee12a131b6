"""Notifications, per-conversation notification preferences and do-not-disturb snoozes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, text, tuple_, update

from hubbub.domain.notify import ALL, Notification, Pref
from hubbub.store.prepared import Prepared, insert_all
from hubbub.store.queries.base import TxBase
from hubbub.store.rows import key
from hubbub.store.tables import dnd, members, notification_prefs, notifications

# Asked for every message of a channel by the notify reactor (a shared channel's other
# workspaces' are remembered: services/notify.py): prepared once (store/prepared.py).
_LISTENERS = Prepared(
    select(notification_prefs.c.user_id)
    .where(key(notification_prefs, "team_id", "channel_id"), notification_prefs.c.level == ALL)
    .limit(bindparam("limit"))
)
_ADD_NOTIFICATION = insert_all(notifications)
_ADD_NOTIFICATIONS_PG = Prepared(
    text(
        "INSERT INTO notifications"
        " (team_id, user_id, channel_id, ts, author_id, reason, thread_ts, created)"
        " SELECT CAST(:team_id AS text), u, CAST(:channel_id AS text), CAST(:ts AS text),"
        " CAST(:author_id AS text), r, CAST(:thread_ts AS text), CAST(:created AS bigint)"
        " FROM unnest(CAST(:users AS text[]), CAST(:reasons AS text[])) AS batch (u, r)"
        " ON CONFLICT DO NOTHING RETURNING user_id"
    )
)
# People whose records one statement looks up: far below the values a statement may bind
# (PostgreSQL 65,535; SQLite 32,766).
_ROWS_PER_STATEMENT = 1000


class NotifyQueries(TxBase):
    # -- notifications ------------------------------------------------------------------------

    def add_notifications(
        self,
        team_id: str,
        channel_id: str,
        ts: str,
        reasons: Mapping[str, str],
        *,
        author_id: str,
        thread_ts: str | None,
    ) -> set[str]:
        """Records each person's notification of one message (person -> reason); returns those
        written, without those who had it already (a rerun writes nothing twice). In person
        order, so concurrent writers of the same rows take their locks in one order."""
        people = sorted(reasons)
        fixed: dict[str, Any] = {
            "team_id": team_id,
            "channel_id": channel_id,
            "ts": ts,
            "author_id": author_id,
            "thread_ts": thread_ts,
            "created": self.now_us,
        }
        if self.run.dialect.name == "postgresql":
            # The batch as two arrays: one statement, the same text whatever its size.
            found = self.run.rows(
                _ADD_NOTIFICATIONS_PG,
                {**fixed, "users": people, "reasons": [reasons[u] for u in people]},
            )
            return {row.user_id for row in found}
        # SQLite's one writer runs this unit alone: what is not there now is written by it.
        added: set[str] = set()
        n = notifications.c
        for start in range(0, len(people), _ROWS_PER_STATEMENT):
            chunk = people[start : start + _ROWS_PER_STATEMENT]
            of_message = (n.team_id == team_id, n.channel_id == channel_id, n.ts == ts)
            there = self.conn.execute(select(n.user_id).where(*of_message, n.user_id.in_(chunk)))
            new = sorted(set(chunk) - {row.user_id for row in there})
            if new:
                rows: list[Mapping[str, Any]] = [
                    {**fixed, "user_id": u, "reason": reasons[u], "emailed": None} for u in new
                ]
                self.run.execute_many(_ADD_NOTIFICATION, rows)
            added.update(new)
        return added

    def get_notification(
        self, team_id: str, user_id: str, channel_id: str, ts: str
    ) -> Notification | None:
        n = notifications.c
        row = self.conn.execute(
            select(notifications).where(
                n.team_id == team_id, n.user_id == user_id, n.channel_id == channel_id, n.ts == ts
            )
        ).first()
        return _notification(row) if row else None

    def user_notifications(
        self, team_id: str, user_id: str, before: tuple[int, str, str] | None, limit: int
    ) -> list[Notification]:
        """A person's notifications, newest first, below `before` (created, channel, ts)."""
        n = notifications.c
        query = select(notifications).where(n.team_id == team_id, n.user_id == user_id)
        if before is not None:
            query = query.where(tuple_(n.created, n.channel_id, n.ts) < tuple_(*before))
        newest_first = (n.created.desc(), n.channel_id.desc(), n.ts.desc())
        rows = self.conn.execute(query.order_by(*newest_first).limit(limit))
        return [_notification(r) for r in rows]

    def mark_emailed(self, team_id: str, user_id: str, channel_id: str, ts: str) -> None:
        n = notifications.c
        self.conn.execute(
            update(notifications)
            .where(
                n.team_id == team_id, n.user_id == user_id, n.channel_id == channel_id, n.ts == ts
            )
            .values(emailed=self.now_us)
        )

    def members_among(self, team_id: str, channel_id: str, user_ids: Iterable[str]) -> list[str]:
        """Those of user_ids who are members of the conversation."""
        ids = list(set(user_ids))
        if not ids:
            return []
        m = members.c
        rows = self.conn.execute(
            select(m.user_id).where(
                m.team_id == team_id, m.channel_id == channel_id, m.user_id.in_(ids)
            )
        )
        return sorted(r.user_id for r in rows)

    # -- preferences --------------------------------------------------------------------------

    def set_notification_pref(
        self, team_id: str, user_id: str, channel_id: str, pref: Pref
    ) -> None:
        p = notification_prefs.c
        self.conn.execute(
            delete(notification_prefs).where(
                p.team_id == team_id, p.user_id == user_id, p.channel_id == channel_id
            )
        )
        if pref != Pref():
            self.conn.execute(
                insert(notification_prefs).values(
                    team_id=team_id,
                    user_id=user_id,
                    channel_id=channel_id,
                    level=pref.level,
                    muted=pref.muted,
                    updated=self.now_us,
                )
            )

    def notification_prefs(
        self, team_id: str, channel_id: str, user_ids: Iterable[str] | None = None
    ) -> dict[str, Pref]:
        """The set preferences for one conversation, of the named people (or of everyone)."""
        p = notification_prefs.c
        query = select(p.user_id, p.level, p.muted).where(
            p.team_id == team_id, p.channel_id == channel_id
        )
        if user_ids is not None:
            ids = list(set(user_ids))
            if not ids:
                return {}
            query = query.where(p.user_id.in_(ids))
        return {r.user_id: Pref(r.level, bool(r.muted)) for r in self.conn.execute(query)}

    def user_notification_prefs(self, team_id: str, user_id: str) -> dict[str, Pref]:
        """One person's set preferences, by conversation."""
        p = notification_prefs.c
        rows = self.conn.execute(
            select(p.channel_id, p.level, p.muted).where(p.team_id == team_id, p.user_id == user_id)
        )
        return {r.channel_id: Pref(r.level, bool(r.muted)) for r in rows}

    def listeners(self, team_id: str, channel_id: str, limit: int) -> list[str]:
        """Who set a conversation to `all` (muted or not: the rules decide)."""
        rows = self.run.rows(
            _LISTENERS, {"team_id": team_id, "channel_id": channel_id, "limit": limit}
        )
        return [r.user_id for r in rows]

    # -- do not disturb -----------------------------------------------------------------------

    def snooze_until(self, team_id: str, user_id: str) -> int:
        """The end of a person's snooze (unix seconds), 0 if they never snoozed."""
        value = self.conn.execute(
            select(dnd.c.snooze_until).where(dnd.c.team_id == team_id, dnd.c.user_id == user_id)
        ).scalar()
        return int(value or 0)

    def snoozes(self, team_id: str, user_ids: Iterable[str]) -> dict[str, int]:
        ids = list(set(user_ids))
        if not ids:
            return {}
        rows = self.conn.execute(
            select(dnd.c.user_id, dnd.c.snooze_until).where(
                dnd.c.team_id == team_id, dnd.c.user_id.in_(ids)
            )
        )
        return {r.user_id: int(r.snooze_until) for r in rows}

    def set_snooze(self, team_id: str, user_id: str, until: int) -> None:
        """until 0 ends a snooze."""
        self.conn.execute(delete(dnd).where(dnd.c.team_id == team_id, dnd.c.user_id == user_id))
        if until:
            self.conn.execute(
                insert(dnd).values(
                    team_id=team_id, user_id=user_id, snooze_until=until, updated=self.now_us
                )
            )


def _notification(r: Any) -> Notification:
    return Notification(
        user_id=r.user_id,
        channel_id=r.channel_id,
        ts=r.ts,
        author_id=r.author_id,
        reason=r.reason,
        thread_ts=r.thread_ts,
        created=int(r.created),
        emailed=None if r.emailed is None else int(r.emailed),
    )
