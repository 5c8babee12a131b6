"""Notifications, per-conversation notification preferences and do-not-disturb snoozes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, tuple_, update

from hubbub.domain.notify import ALL, Notification, Pref
from hubbub.store.prepared import Prepared
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


class NotifyQueries(TxBase):
    # -- notifications ------------------------------------------------------------------------

    def add_notification(
        self,
        team_id: str,
        user_id: str,
        channel_id: str,
        ts: str,
        *,
        author_id: str,
        reason: str,
        thread_ts: str | None,
    ) -> bool:
        """False (and nothing written) if this person has this notification already."""
        return self._try(
            insert(notifications).values(
                team_id=team_id,
                user_id=user_id,
                channel_id=channel_id,
                ts=ts,
                author_id=author_id,
                reason=reason,
                thread_ts=thread_ts,
                created=self.now_us,
                emailed=None,
            )
        )

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
