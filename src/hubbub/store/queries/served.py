"""Where the server is reached, as `hubbub serve` recorded it (services/served.py), and the
shared settings stored (hubbub/shared_settings.py): what is about the deployment, not a
workspace."""

from __future__ import annotations

from sqlalchemy import delete, insert, select

from hubbub.store.queries.base import TxBase
from hubbub.store.tables import served_at
from hubbub.store.tables import shared_settings as stored_settings

BASE_URL = "base_url"


class ServedQueries(TxBase):
    def record_base_url(self, url: str) -> None:
        # Delete and insert rather than an upsert, which SQLite and PostgreSQL spell apart; two
        # servers starting at once on PostgreSQL collide on the key and one is run again.
        self.conn.execute(delete(served_at).where(served_at.c.name == BASE_URL))
        self.conn.execute(insert(served_at).values(name=BASE_URL, url=url, updated=self.now))

    def recorded_base_url(self) -> str | None:
        found = self.conn.execute(
            select(served_at.c.url).where(served_at.c.name == BASE_URL)
        ).scalar()
        return None if found is None else str(found)

    def shared_settings(self) -> dict[str, str]:
        rows = self.conn.execute(select(stored_settings.c.name, stored_settings.c.value)).all()
        return {name: value for name, value in rows}

    def set_shared_setting(self, name: str, value: str | None) -> None:
        """Stores the value (JSON) under name, or forgets it for None."""
        self.conn.execute(delete(stored_settings).where(stored_settings.c.name == name))
        if value is not None:
            self.conn.execute(
                insert(stored_settings).values(name=name, value=value, updated=self.now)
            )
