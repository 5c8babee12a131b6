"""The PostgreSQL adapter: the store of the scaled deployment (docs/architecture.md §1-2).

PostgreSQL does what the SQLite adapter's writer thread does by hand: concurrent units of work
run in their own transactions, and row locks order them (a message takes its channel's next seq
with `UPDATE … RETURNING`, which holds the channel row until the commit, so seq order is commit
order). The driver is psycopg 3, synchronous, in a small pool of worker threads: the prepared
statements (store/prepared.py) run straight on its cursors, as on sqlite3.

A unit that loses a deadlock, a serialization conflict or a race for a unique key is run again
from the start, which is why units are plain functions of their Tx.

Identity version (Store.identity_version): every process LISTENs on one channel; a unit that
changes who a token names sends NOTIFY in its own transaction, delivered at commit. The
committing process bumps its own copy before answering, so its next request sees the change;
other processes see it when the notification arrives, a few milliseconds later.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import itertools
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

import psycopg
from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from hubbub.domain.errors import Unavailable
from hubbub.store.listen import Listener, dsn_of
from hubbub.store.migrate import upgrade
from hubbub.store.prepared import Runner
from hubbub.store.tx import Tx

T = TypeVar("T")

IDENTITY_CHANNEL = "hubbub_identity"
# Conflicts PostgreSQL resolves by aborting one transaction: run it again. A unique violation
# that reaches here (units catch the ones they expect, store/queries/base.py `_try`) means the
# unit decided on reads a concurrent commit made stale, e.g. two posts racing with one
# client_msg_id: run again, the unit sees the winner's row.
_RETRY_SQLSTATES = frozenset(
    {"40001", "40P01", "23505"}  # serialization_failure, deadlock_detected, unique_violation
)
_MAX_ATTEMPTS = 5
_MIGRATION_LOCK = 726354  # any constant: the advisory lock's key
# The server is shutting down or starting: admin_shutdown, crash_shutdown, cannot_connect_now.
_UNREACHABLE = frozenset({"57P01", "57P02", "57P03"})


def _now_us() -> int:
    return time.time_ns() // 1000


@contextlib.contextmanager
def unavailable_when_unreachable() -> Iterator[None]:
    """A database that cannot be reached (down, restarting, connections cut) is a reason to
    retry, not a server error. Whether a write cut off mid-commit landed is unknown: clients
    retry with their client_msg_id."""
    try:
        yield
    except (DBAPIError, psycopg.Error) as exc:
        state = _sqlstate(exc)
        if isinstance(_driver_error(exc), psycopg.OperationalError) and (
            state is None or state.startswith("08") or state in _UNREACHABLE
        ):
            raise Unavailable from exc
        raise


@contextlib.contextmanager
def one_off_engine(url: str) -> Iterator[Engine]:
    """An engine without a pool, for admin commands that open a connection or two and go."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        yield engine
    finally:
        engine.dispose()


class _DeadConnection(Exception):
    """A pooled connection turned out dead before the unit's commit: nothing of it landed."""


@contextlib.contextmanager
def _dead_before_commit(conn: Connection) -> Iterator[None]:
    """Inside the transaction, around the unit's statements (not its COMMIT, whose failure
    leaves unknown whether it landed): an error on a connection the server has dropped becomes
    _DeadConnection, for the unit to run again on a fresh one. Checking each connection before
    use instead (pool_pre_ping) would cost a round trip per unit of work."""
    try:
        yield
    except _DeadConnection:
        raise
    except (DBAPIError, psycopg.Error) as exc:
        raw = None if conn.closed or conn.invalidated else conn.connection.driver_connection
        if raw is None or raw.broken or raw.closed:
            raise _DeadConnection from exc
        raise


def _driver_error(exc: Exception) -> object:
    """The driver's own error, raised through SQLAlchemy or straight from psycopg (the
    prepared statements run on psycopg's own cursors)."""
    return exc.orig if isinstance(exc, DBAPIError) else exc


def _sqlstate(exc: Exception) -> str | None:
    return getattr(_driver_error(exc), "sqlstate", None)


class PostgresStore:
    def __init__(self, url: str, *, pool_size: int = 8) -> None:
        self.url = url
        self._engine: Engine = create_engine(url, pool_size=pool_size, max_overflow=0)
        with self._engine.connect() as conn:
            # Two processes starting at once must not both migrate.
            conn.exec_driver_sql(f"SELECT pg_advisory_lock({_MIGRATION_LOCK})")
            conn.commit()
            try:
                upgrade(conn)
                conn.commit()
            except BaseException:
                conn.rollback()
                raise
            finally:
                conn.exec_driver_sql(f"SELECT pg_advisory_unlock({_MIGRATION_LOCK})")
                conn.commit()
        self._workers = concurrent.futures.ThreadPoolExecutor(
            max_workers=pool_size, thread_name_prefix="hubbub-postgres"
        )
        self._version = itertools.count(1)
        self._identity = next(self._version)
        # Every notification, and every (re)connection, may mean a token names someone else.
        self._listener = Listener(dsn_of(self._engine), IDENTITY_CHANNEL, self._bump_identity)
        self._listener.start()

    # -- the port --------------------------------------------------------------------------

    async def write(self, fn: Callable[[Tx], T]) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._workers, self._write_sync, fn)

    async def read(self, fn: Callable[[Tx], T], *, snapshot: bool = True) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._workers, self._read_sync, fn, snapshot)

    def identity_version(self) -> int:
        return self._identity

    async def close(self) -> None:
        await asyncio.to_thread(self._listener.stop)
        self._workers.shutdown(wait=True)
        self._engine.dispose()

    # -- internals -------------------------------------------------------------------------

    def _write_sync(self, fn: Callable[[Tx], T]) -> T:
        with unavailable_when_unreachable():
            return self._write_attempts(fn)

    def _write_attempts(self, fn: Callable[[Tx], T]) -> T:
        for attempt in itertools.count(1):
            try:
                with self._engine.connect() as conn, conn.begin(), _dead_before_commit(conn):
                    tx = Tx(conn, _now_us(), Runner(conn))
                    result = fn(tx)
                    if tx.identity_changed:
                        conn.exec_driver_sql(f"NOTIFY {IDENTITY_CHANNEL}")
            except _DeadConnection as dead:
                self._drop_pool(dead, attempt)
                continue
            except (DBAPIError, psycopg.Error) as exc:
                if _sqlstate(exc) in _RETRY_SQLSTATES and attempt < _MAX_ATTEMPTS:
                    time.sleep(0.001 * attempt)
                    continue
                raise
            if tx.identity_changed:
                self._identity = next(self._version)
            return result
        raise AssertionError("unreachable")

    def _read_sync(self, fn: Callable[[Tx], T], snapshot: bool) -> T:
        with unavailable_when_unreachable():
            for attempt in itertools.count(1):
                try:
                    return self._read_once(fn, snapshot)
                except _DeadConnection as dead:
                    self._drop_pool(dead, attempt)
        raise AssertionError("unreachable")

    def _read_once(self, fn: Callable[[Tx], T], snapshot: bool) -> T:
        with self._engine.connect() as conn, _dead_before_commit(conn):
            # A read commits nothing: an error anywhere in it, the closing COMMIT included,
            # can be met by running it again.
            if not snapshot:
                # One statement: consistent on its own, and no transaction to open and close.
                conn = conn.execution_options(isolation_level="AUTOCOMMIT")
                return fn(Tx(conn, _now_us(), Runner(conn)))
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                return fn(Tx(conn, _now_us(), Runner(conn)))

    def _drop_pool(self, dead: _DeadConnection, attempt: int) -> None:
        """Every pooled connection is as old as the dead one: the server went away since they
        were made. Fresh ones from here on; the unit runs again unless that keeps failing."""
        self._engine.dispose(close=False)
        if attempt >= _MAX_ATTEMPTS:
            assert dead.__cause__ is not None
            raise dead.__cause__

    def _bump_identity(self, _payload: str | None) -> None:
        self._identity = next(self._version)
