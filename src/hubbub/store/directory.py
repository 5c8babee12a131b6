"""The directory: which shard holds each workspace (docs/architecture.md §2). A PostgreSQL database
of its own, small and rarely written (a workspace created, a workspace moved), read through each
process's cache (store/sharded.py). Its tables are created on first use, not by Alembic: they share
no schema with the shards.

Every change to a workspace's row sends NOTIFY with its team id in the same transaction, so
every process drops its cached entry at the commit.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    Column,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    func,
    insert,
    select,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from hubbub.store.listen import dsn_of

CHANNEL = "hubbub_directory"
# A reservation this old whose workspace never reached its shard was left by a process that
# died between the two: its domain may be taken again.
STALE_RESERVATION_S = 60
_CREATE_LOCK = 726355  # advisory lock key: two processes starting at once create the table once

metadata = MetaData()

workspaces = Table(
    "directory_workspaces",
    metadata,
    Column("team_id", String(16), primary_key=True),
    Column("domain", String(32), nullable=False, unique=True),
    Column("shard", String(32), nullable=False),
    # "creating" from reserve() until the workspace's first commit on its shard, then "active".
    Column("state", String(16), nullable=False),
    Column("updated", BigInteger, nullable=False),
)

# Where the deployment's servers are reached, as the last to start recorded it (the shards'
# served_at, kept here since every process opens the directory).
served_at = Table(
    "directory_served_at",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("url", Text, nullable=False),
    Column("updated", BigInteger, nullable=False),
)
_BASE_URL = "base_url"

# The deployment's shared settings (the shards' shared_settings, kept here likewise).
shared_settings = Table(
    "directory_shared_settings",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated", BigInteger, nullable=False),
)


@dataclass(frozen=True, slots=True)
class Entry:
    team_id: str
    domain: str
    shard: str
    state: str
    updated: int


class Directory:
    """Synchronous: callers run it on a worker thread."""

    def __init__(self, url: str) -> None:
        self._engine = create_engine(url, pool_size=2, max_overflow=2, pool_pre_ping=True)
        with self._engine.begin() as conn:
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_CREATE_LOCK})")
            metadata.create_all(conn)

    @property
    def dsn(self) -> str:
        return dsn_of(self._engine)

    def close(self) -> None:
        self._engine.dispose()

    # -- reads ------------------------------------------------------------------------------

    def entry(self, team_id: str) -> Entry | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(workspaces).where(workspaces.c.team_id == team_id)).first()
        return Entry(*row) if row else None

    def team_for_domain(self, domain: str) -> str | None:
        with self._engine.connect() as conn:
            found = conn.execute(
                select(workspaces.c.team_id).where(workspaces.c.domain == domain)
            ).scalar()
        return found

    def entries(self) -> list[Entry]:
        with self._engine.connect() as conn:
            rows = conn.execute(select(workspaces).order_by(workspaces.c.domain)).all()
        return [Entry(*row) for row in rows]

    def recorded_base_url(self) -> str | None:
        with self._engine.connect() as conn:
            found = conn.execute(
                select(served_at.c.url).where(served_at.c.name == _BASE_URL)
            ).scalar()
        return None if found is None else str(found)

    def shared_settings(self) -> dict[str, str]:
        with self._engine.connect() as conn:
            rows = conn.execute(select(shared_settings.c.name, shared_settings.c.value)).all()
        return {name: value for name, value in rows}

    def counts(self) -> dict[str, int]:
        """Workspaces per shard."""
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(workspaces.c.shard, func.count()).group_by(workspaces.c.shard)
            ).all()
        return {shard: count for shard, count in rows}

    # -- writes -----------------------------------------------------------------------------

    def reserve(self, team_id: str, domain: str, shard: str) -> bool:
        """Claims the domain for a new workspace on the shard; False if it is taken."""
        now = int(time.time())
        try:
            return self._reserve(team_id, domain, shard, now)
        except IntegrityError:  # another process claimed it between our look and our insert
            return False

    def _reserve(self, team_id: str, domain: str, shard: str, now: int) -> bool:
        with self._engine.begin() as conn:
            taken = conn.execute(
                select(workspaces.c.team_id, workspaces.c.state, workspaces.c.updated)
                .where(workspaces.c.domain == domain)
                .with_for_update()
            ).first()
            if taken is not None:
                old_team, state, updated = taken
                if state != "creating" or now - updated < STALE_RESERVATION_S:
                    return False
                _delete(conn, old_team)
            conn.execute(
                insert(workspaces).values(
                    team_id=team_id, domain=domain, shard=shard, state="creating", updated=now
                )
            )
        return True

    def record_base_url(self, url: str) -> None:
        row = {"name": _BASE_URL, "url": url, "updated": int(time.time())}
        try:
            with self._engine.begin() as conn:
                conn.execute(served_at.delete().where(served_at.c.name == _BASE_URL))
                conn.execute(insert(served_at).values(**row))
        except IntegrityError:
            pass  # another server recorded at the same moment: theirs is as recent

    def set_shared_setting(self, name: str, value: str | None) -> None:
        with self._engine.begin() as conn:
            conn.execute(shared_settings.delete().where(shared_settings.c.name == name))
            if value is not None:
                row = {"name": name, "value": value, "updated": int(time.time())}
                conn.execute(insert(shared_settings).values(**row))

    def activate(self, team_id: str) -> None:
        self._set(team_id, state="active")

    def place(self, team_id: str, shard: str) -> None:
        """Points the workspace at another shard: the flip of a move."""
        self._set(team_id, shard=shard)

    def release(self, team_id: str) -> None:
        with self._engine.begin() as conn:
            _delete(conn, team_id)

    def _set(self, team_id: str, **values: str) -> None:
        with self._engine.begin() as conn:
            conn.execute(
                workspaces.update()
                .where(workspaces.c.team_id == team_id)
                .values(updated=int(time.time()), **values)
            )
            _notify(conn, team_id)


def _delete(conn: Connection, team_id: str) -> None:
    conn.execute(workspaces.delete().where(workspaces.c.team_id == team_id))
    _notify(conn, team_id)


def _notify(conn: Connection, team_id: str) -> None:
    conn.execute(select(func.pg_notify(CHANNEL, team_id)))
