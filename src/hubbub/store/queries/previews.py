"""The link previews' cache: one row per workspace and URL, kept until it expires."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, insert, select, tuple_

from hubbub.store.queries.base import TxBase
from hubbub.store.tables import link_previews


class PreviewQueries(TxBase):
    def cached_previews(
        self, team_id: str, url_hashes: Iterable[str]
    ) -> dict[str, tuple[str | None, int]]:
        """By URL hash: the cached preview (JSON, or None for a page without one) and when it
        expires (microseconds), for those still cached."""
        rows = self.conn.execute(
            select(link_previews.c.url_hash, link_previews.c.preview, link_previews.c.expires)
            .where(link_previews.c.team_id == team_id)
            .where(link_previews.c.url_hash.in_(list(url_hashes)))
            .where(link_previews.c.expires > self.now_us)
        )
        return {row.url_hash: (row.preview, int(row.expires)) for row in rows}

    def cache_preview(
        self, team_id: str, url_hash: str, url: str, preview: str | None, expires: int
    ) -> None:
        self.conn.execute(
            delete(link_previews).where(
                link_previews.c.team_id == team_id, link_previews.c.url_hash == url_hash
            )
        )
        self.conn.execute(
            insert(link_previews).values(
                team_id=team_id, url_hash=url_hash, url=url, preview=preview, expires=expires
            )
        )

    def delete_expired_previews(self, limit: int) -> int:
        """Deletes up to limit rows past their expiry, of every workspace; how many it did."""
        key = tuple_(link_previews.c.team_id, link_previews.c.url_hash)
        expired = (
            select(link_previews.c.team_id, link_previews.c.url_hash)
            .where(link_previews.c.expires <= self.now_us)
            .limit(limit)
        )
        return int(self.conn.execute(delete(link_previews).where(key.in_(expired))).rowcount)
