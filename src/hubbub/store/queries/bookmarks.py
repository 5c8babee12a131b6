"""Channel bookmarks (domain/bookmarks.py)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import delete, func, insert, select, update

from hubbub.domain.bookmarks import Bookmark
from hubbub.store.queries.base import TxBase
from hubbub.store.tables import bookmarks


def _bookmark(row: Any) -> Bookmark:
    return Bookmark(
        team_id=row.team_id,
        channel_id=row.channel_id,
        id=row.bookmark_id,
        title=row.title,
        link=row.link,
        emoji=row.emoji,
        created=int(row.created),
        updated=int(row.updated),
        updated_by=row.updated_by,
        position=int(row.position),
    )


def _key(team_id: str, channel_id: str) -> Any:
    return (bookmarks.c.team_id == team_id) & (bookmarks.c.channel_id == channel_id)


class BookmarkQueries(TxBase):
    def insert_bookmark(self, found: Bookmark) -> Bookmark:
        """Writes it one past the channel's last; answers it with its position."""
        last = self.conn.execute(
            select(func.max(bookmarks.c.position)).where(_key(found.team_id, found.channel_id))
        ).scalar()
        found = replace(found, position=int(last or 0) + 1)
        self.conn.execute(
            insert(bookmarks).values(
                team_id=found.team_id,
                channel_id=found.channel_id,
                bookmark_id=found.id,
                position=found.position,
                title=found.title,
                link=found.link,
                emoji=found.emoji,
                created=found.created,
                updated=found.updated,
                updated_by=found.updated_by,
            )
        )
        return found

    def get_bookmark(self, team_id: str, channel_id: str, bookmark_id: str) -> Bookmark | None:
        row = self.conn.execute(
            select(bookmarks).where(
                _key(team_id, channel_id), bookmarks.c.bookmark_id == bookmark_id
            )
        ).first()
        return _bookmark(row) if row else None

    def list_bookmarks(self, team_id: str, channel_id: str) -> list[Bookmark]:
        rows = self.conn.execute(
            select(bookmarks)
            .where(_key(team_id, channel_id))
            .order_by(bookmarks.c.position, bookmarks.c.bookmark_id)
        )
        return [_bookmark(r) for r in rows]

    def count_bookmarks(self, team_id: str, channel_id: str) -> int:
        return int(
            self.conn.execute(
                select(func.count()).select_from(bookmarks).where(_key(team_id, channel_id))
            ).scalar_one()
        )

    def update_bookmark(self, found: Bookmark) -> None:
        self.conn.execute(
            update(bookmarks)
            .where(_key(found.team_id, found.channel_id), bookmarks.c.bookmark_id == found.id)
            .values(
                title=found.title,
                link=found.link,
                emoji=found.emoji,
                updated=found.updated,
                updated_by=found.updated_by,
            )
        )

    def delete_bookmark(self, team_id: str, channel_id: str, bookmark_id: str) -> None:
        self.conn.execute(
            delete(bookmarks).where(
                _key(team_id, channel_id), bookmarks.c.bookmark_id == bookmark_id
            )
        )
