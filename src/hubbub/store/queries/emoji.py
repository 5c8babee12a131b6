"""Custom emoji (domain/emoji.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update

from hubbub.domain.emoji import CustomEmoji
from hubbub.store.queries.base import TxBase
from hubbub.store.tables import emoji


def _emoji(row: Any) -> CustomEmoji:
    return CustomEmoji(
        team_id=row.team_id,
        name=row.name,
        user_id=row.user_id,
        created=int(row.created),
        blob_key=row.blob_key,
        sha256=row.sha256,
        mimetype=row.mimetype,
        alias_for=row.alias_for,
    )


class EmojiQueries(TxBase):
    def insert_emoji(self, found: CustomEmoji) -> bool:
        """False (nothing written) if the name is taken."""
        return self._try(
            insert(emoji).values(
                team_id=found.team_id,
                name=found.name,
                user_id=found.user_id,
                created=found.created,
                blob_key=found.blob_key,
                sha256=found.sha256,
                mimetype=found.mimetype,
                alias_for=found.alias_for,
            )
        )

    def get_emoji(self, team_id: str, name: str) -> CustomEmoji | None:
        row = self.conn.execute(
            select(emoji).where(emoji.c.team_id == team_id, emoji.c.name == name)
        ).first()
        return _emoji(row) if row else None

    def list_emoji(self, team_id: str) -> list[CustomEmoji]:
        rows = self.conn.execute(
            select(emoji).where(emoji.c.team_id == team_id).order_by(emoji.c.name)
        )
        return [_emoji(r) for r in rows]

    def count_emoji(self, team_id: str) -> int:
        return int(
            self.conn.execute(
                select(func.count()).select_from(emoji).where(emoji.c.team_id == team_id)
            ).scalar_one()
        )

    def remove_emoji(self, team_id: str, name: str) -> list[str]:
        """Removes the emoji and its aliases; answers the names removed."""
        named = (emoji.c.team_id == team_id) & or_(emoji.c.name == name, emoji.c.alias_for == name)
        names = list(self.conn.execute(select(emoji.c.name).where(named)).scalars())
        if names:
            self.conn.execute(delete(emoji).where(named))
        return names

    def rename_emoji(self, team_id: str, name: str, new_name: str) -> bool:
        """The emoji's row takes new_name, and its aliases name it so; False (nothing written)
        if new_name is taken."""
        ours = emoji.c.team_id == team_id
        if not self._try(update(emoji).where(ours, emoji.c.name == name).values(name=new_name)):
            return False
        self.conn.execute(
            update(emoji).where(ours, emoji.c.alias_for == name).values(alias_for=new_name)
        )
        return True
