"""The SQLite adapter: one file in WAL mode, one writer thread that commits in groups.

Every fsync costs about half a millisecond here, while a commit of a hundred rows costs little more
than a commit of one, so the writer gathers whatever units of work are waiting into one transaction
(each in its own savepoint, so one failure does not spoil the others) and answers each caller only
after that commit.

Reads run on a small pool of reader threads, each with its own read-only connection, against a
WAL snapshot of their own. A point query takes a few microseconds, less than the hop to another
thread, but a read that walks many rows on the event loop's thread would stall every socket and
request of the process for as long as it runs (a 100k-row read held the loop for ~100 ms). WAL
lets readers run beside the writer and beside each other; the pool bounds how many connections
and threads reads may take (Settings.sqlite_readers).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from hubbub.store.migrate import upgrade
from hubbub.store.prepared import Runner
from hubbub.store.queries.search_index import (
    forget_new_docs,
    fts_pending,
    mark_days,
    write_fts,
)
from hubbub.store.tx import Tx
from hubbub.store.version_file import VersionFile

T = TypeVar("T")

MAX_BATCH = 512
READERS = 4
Job = tuple[asyncio.Future[Any], Callable[[Tx], Any]]
Outcome = tuple[asyncio.Future[Any], Any, BaseException | None]
_STOP = object()


def _engine(path: Path, *, writer: bool) -> Engine:
    # A reader's connection is used, and finally closed, by different threads of the pool.
    engine = create_engine(
        f"sqlite:///{path}", poolclass=NullPool, connect_args={"check_same_thread": False}
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Autocommit at the driver, so the BEGIN below is the only one and savepoints work.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        # FULL: an acknowledged commit survives power loss, not only a process crash.
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA busy_timeout=10000")
        if not writer:
            # A unit handed to read() that writes fails instead of writing outside the writer.
            cur.execute("PRAGMA query_only=ON")
        cur.close()

    if writer:

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _now_us() -> int:
    return time.time_ns() // 1000


class SqliteStore:
    def __init__(self, path: Path, *, readers: int = READERS) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._write_engine = _engine(path, writer=True)
        self._read_engine = _engine(path, writer=False)
        with self._write_engine.connect() as conn:
            upgrade(conn)
            conn.commit()
        # Beside the database, so `hubbub admin` in another process bumps the same version.
        self._identity = VersionFile(path.with_name(path.name + "-identity"))
        self._jobs: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._local = threading.local()
        self._readers: list[Connection] = []
        self._readers_lock = threading.Lock()
        self._read_pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=readers, thread_name_prefix="hubbub-sqlite-reader"
        )
        self._thread = threading.Thread(
            target=self._writer, name="hubbub-sqlite-writer", daemon=True
        )
        self._thread.start()

    # -- the port --------------------------------------------------------------------------

    async def write(self, fn: Callable[[Tx], T]) -> T:
        fut: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._jobs.put((fut, fn))
        return await fut

    async def read(self, fn: Callable[[Tx], T], *, snapshot: bool = True) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._read_pool, self._read_sync, fn, snapshot)

    def _read_sync(self, fn: Callable[[Tx], T], snapshot: bool) -> T:
        # The snapshot is opened and closed on the driver: a read is often one point query, and
        # the engine's transaction bookkeeping would cost more than the query. Statements the
        # engine sends run inside it too, as the driver is in autocommit mode otherwise.
        conn, run = self._reader()
        if not snapshot:
            return fn(Tx(conn, _now_us(), run))
        raw = run.raw
        raw.execute("BEGIN")
        try:
            return fn(Tx(conn, _now_us(), run))
        finally:
            if raw.in_transaction:
                raw.execute("COMMIT")

    def identity_version(self) -> int:
        return self._identity.read()

    async def close(self) -> None:
        self._jobs.put(_STOP)
        await asyncio.to_thread(self._thread.join)
        await asyncio.to_thread(self._read_pool.shutdown, wait=True)
        self._identity.close()
        with self._readers_lock:
            for conn in self._readers:
                conn.close()
            self._readers.clear()
        self._write_engine.dispose()
        self._read_engine.dispose()

    # -- internals -------------------------------------------------------------------------

    def _reader(self) -> tuple[Connection, Runner]:
        """This reader thread's connection, opened on first use."""
        found: tuple[Connection, Runner] | None = getattr(self._local, "reader", None)
        if found is None:
            conn = self._read_engine.connect()
            found = self._local.reader = (conn, Runner(conn))
            with self._readers_lock:
                self._readers.append(conn)
        return found

    def _writer(self) -> None:
        with self._write_engine.connect() as conn:
            while True:
                first = self._jobs.get()
                if first is _STOP:
                    return
                batch = [first]
                stop = False
                while len(batch) < MAX_BATCH:
                    try:
                        job = self._jobs.get_nowait()
                    except queue.Empty:
                        break
                    if job is _STOP:
                        stop = True
                        break
                    batch.append(job)
                _answer(self._commit(conn, batch))
                if stop:
                    return

    def _commit(self, conn: Connection, batch: list[Job]) -> list[Outcome]:
        """Commits the batch; each unit's outcome is its result or its exception.

        Units rarely fail, so a batch first runs without savepoints (two statements fewer per
        unit). Most failures are a check refusing (not_in_channel, is_archived, ...) before the
        unit wrote anything: there is nothing to take back, and the batch goes on. A unit that
        fails after writing makes that attempt roll back whole, and the batch runs again with a
        savepoint around each unit, so the failure takes back only its own writes.
        """
        try:
            return self._attempt(conn, batch, isolate=False)
        except _UnitFailed:
            pass
        except Exception as exc:
            # The commit itself failed: nothing of this batch is on disk.
            return [(fut, None, exc) for fut, _ in batch]
        try:
            return self._attempt(conn, batch, isolate=True)
        except Exception as exc:
            return [(fut, None, exc) for fut, _ in batch]

    def _attempt(self, conn: Connection, batch: list[Job], *, isolate: bool) -> list[Outcome]:
        outcomes: list[Outcome] = []
        identity_changed = False
        # The search index's FTS5 writes wait for the end of the batch (search_index.py).
        search_fts = fts_pending(conn)
        search_fts.clear()
        forget_new_docs(conn)
        with conn.begin():
            # Savepoints straight on the driver: the engine's nested transactions cost more
            # Python time than the unit of work they wrap.
            run = Runner(conn)
            raw = run.raw
            for fut, fn in batch:
                if fut.cancelled():
                    continue
                if isolate:
                    raw.execute("SAVEPOINT unit")
                unit_fts = len(search_fts)
                tx = Tx(conn, _now_us(), run)
                changes = raw.total_changes
                try:
                    result = fn(tx)
                except BaseException as exc:  # even an interrupt must not kill the writer
                    if isolate:
                        raw.execute("ROLLBACK TO unit")
                        raw.execute("RELEASE unit")
                        del search_fts[unit_fts:]
                    elif not _wrote_nothing(exc, raw, changes):
                        raise _UnitFailed from exc
                    outcomes.append((fut, None, exc))
                else:
                    if isolate:
                        raw.execute("RELEASE unit")
                    outcomes.append((fut, result, None))
                identity_changed = identity_changed or tx.identity_changed
            write_fts(run, search_fts)
            mark_days(conn)
        # After the commit, before anyone hears of it: a cache that sees the old version can
        # only hold what was true before this batch, and drops it at its next check.
        if identity_changed:
            self._identity.bump()
        return outcomes


class _UnitFailed(Exception):
    pass


def _wrote_nothing(exc: BaseException, raw: Any, changes_before: int) -> bool:
    """Whether a unit that raised left the transaction as it found it: no row inserted,
    changed or deleted since it began (SQLite's count of changes on this connection), the
    transaction still open, and the error our own (an error of the database may have left a
    statement half done, or rolled the transaction back)."""
    return (
        isinstance(exc, Exception)
        and not isinstance(exc, sqlite3.Error | DBAPIError)
        and raw.in_transaction
        and raw.total_changes == changes_before
    )


def _answer(outcomes: list[Outcome]) -> None:
    by_loop: dict[asyncio.AbstractEventLoop, list[Any]] = {}
    for outcome in outcomes:
        by_loop.setdefault(outcome[0].get_loop(), []).append(outcome)
    for loop, items in by_loop.items():
        # A closed loop means nobody is waiting for the answer.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(_resolve, items)


def _resolve(items: list[tuple[asyncio.Future[Any], Any, BaseException | None]]) -> None:
    for fut, result, exc in items:
        if fut.done():
            continue
        if exc is not None:
            fut.set_exception(exc)
        else:
            fut.set_result(result)
