"""Apps' ephemeral messages, by the person who sees them and their ts (services/ephemerals.py)."""

from __future__ import annotations

import orjson
from sqlalchemy import delete, insert, select, update

from hubbub.domain.ephemerals import TTL_S, Ephemeral
from hubbub.store.queries.base import TxBase
from hubbub.store.tables_apps import ephemerals


class EphemeralQueries(TxBase):
    def insert_ephemeral(self, shown: Ephemeral) -> bool:
        """Keeps it for a day; False (nothing written) when the person has one of its ts. The
        person's expired ones go as it comes (by the key's prefix: what a person was shown in
        a day is all there is to scan)."""
        self.conn.execute(
            delete(ephemerals).where(
                ephemerals.c.team_id == shown.team_id,
                ephemerals.c.user_id == shown.user_id,
                ephemerals.c.expires < self.now,
            )
        )
        return self._try(
            insert(ephemerals).values(
                team_id=shown.team_id,
                user_id=shown.user_id,
                ts=shown.ts,
                channel_id=shown.channel_id,
                bot_id=shown.bot_id,
                body=orjson.dumps(shown.body()).decode(),
                expires=self.now + TTL_S,
            )
        )

    def get_ephemeral(self, team_id: str, user_id: str, ts: str) -> Ephemeral | None:
        """The one the person was shown at ts, unless expired."""
        row = self.conn.execute(
            select(ephemerals).where(
                ephemerals.c.team_id == team_id,
                ephemerals.c.user_id == user_id,
                ephemerals.c.ts == ts,
                ephemerals.c.expires >= self.now,
            )
        ).first()
        if row is None:
            return None
        body = orjson.loads(row.body)
        return Ephemeral(
            team_id=row.team_id,
            user_id=row.user_id,
            ts=row.ts,
            channel_id=row.channel_id,
            bot_id=row.bot_id,
            text=body.get("text") or "",
            blocks=body.get("blocks"),
            attachments=body.get("attachments"),
        )

    def replace_ephemeral(self, shown: Ephemeral) -> None:
        """Its content changed (replace_original), kept a day from now."""
        self.conn.execute(
            update(ephemerals)
            .where(
                ephemerals.c.team_id == shown.team_id,
                ephemerals.c.user_id == shown.user_id,
                ephemerals.c.ts == shown.ts,
            )
            .values(body=orjson.dumps(shown.body()).decode(), expires=self.now + TTL_S)
        )

    def delete_ephemeral(self, team_id: str, user_id: str, ts: str) -> None:
        self.conn.execute(
            delete(ephemerals).where(
                ephemerals.c.team_id == team_id,
                ephemerals.c.user_id == user_id,
                ephemerals.c.ts == ts,
            )
        )
