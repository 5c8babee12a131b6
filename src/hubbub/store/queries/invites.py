"""Invite links."""

from __future__ import annotations

from sqlalchemy import delete, insert, select

from hubbub.domain.model import Invite
from hubbub.store.queries.base import TxBase
from hubbub.store.tables import invites


class InviteQueries(TxBase):
    def insert_invite(
        self,
        team_id: str,
        code_hash: str,
        created_by: str,
        expires: int,
        user_id: str | None = None,
    ) -> None:
        self.conn.execute(
            insert(invites).values(
                team_id=team_id,
                code_hash=code_hash,
                created_by=created_by,
                created=self.now,
                expires=expires,
                user_id=user_id,
            )
        )

    def delete_invite(self, team_id: str, code_hash: str) -> bool:
        result = self.conn.execute(
            delete(invites).where(invites.c.team_id == team_id, invites.c.code_hash == code_hash)
        )
        return bool(result.rowcount)

    def get_invite(self, team_id: str, code_hash: str) -> Invite | None:
        row = self.conn.execute(
            select(invites).where(invites.c.team_id == team_id, invites.c.code_hash == code_hash)
        ).first()
        if row is None:
            return None
        return Invite(row.team_id, row.created_by, int(row.created), int(row.expires), row.user_id)
