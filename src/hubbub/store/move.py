"""`hubbub admin move-workspace`: moves one workspace to another shard while the cluster runs.

1. Freeze: the mover takes the workspace's fence on its shard (store/fence.py). That waits for
   the writes under way to commit; every later write waits in its server (store/sharded.py).
   Reads go on, from the old shard.
2. Copy every row of the workspace, table by table, from one snapshot of the old shard into
   one transaction on the new shard (after removing what an earlier, failed attempt left
   there), including outbox rows nobody has published yet, jobs and the search index, under
   new ids.
3. Verify, before that transaction commits: each table's row count and a digest of its rows in
   key order, computed by each PostgreSQL over its own copy, must match.
4. Flip: the directory points at the new shard; its NOTIFY drops every process's cached
   entry, and the waiting writes go to the new shard.
5. After a grace period for reads still on their way to the old shard, its copy is deleted
   and the fence lifted (a write that still arrives there finds no workspace, and asks again).

Should the mover die, its session's end lifts the fence: before the flip the workspace simply
stays where it was; between the flip and the clean-up, a later `move-workspace` to the shard it
is on finishes the clean-up (it deletes the copies on every other shard).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, Table, delete, insert, select, text

from hubbub.domain.errors import SlackError
from hubbub.store import fence
from hubbub.store.directory import Directory
from hubbub.store.postgres import one_off_engine
from hubbub.store.tables import metadata, outbox, search_docs
from hubbub.store.tables_jobs import dead_jobs, jobs

GRACE_S = 1.0
_CHUNK = 5000
# Tables keyed by ids of each shard's own, whose rows move under new ids, in their order: the
# queues, and the search index (its ids order its rows by when they were indexed; on the new
# shard they carry on after that shard's own, and its GIN index follows its rows).
QUEUES: tuple[Table, ...] = (outbox, jobs, dead_jobs, search_docs)
# Every other table of workspaces' rows keeps them as they are; a table without team_id holds
# none (served_at, about the deployment) and stays.
TABLES: tuple[Table, ...] = tuple(
    t for t in metadata.sorted_tables if t not in QUEUES and "team_id" in t.c
)


class MoveFailed(SlackError):
    """The copy did not verify: nothing changed, the workspace stays where it was."""

    def __init__(self, detail: str) -> None:
        super().__init__("move_failed", detail=detail)


@dataclass
class MoveReport:
    team_id: str
    domain: str
    source: str
    target: str
    rows: dict[str, int] = field(default_factory=dict)
    # Shards a move interrupted after its flip had left a copy on, deleted now.
    cleaned: list[str] = field(default_factory=list)
    frozen_ms: float = 0.0
    total_ms: float = 0.0


def move_workspace(
    directory: Directory,
    urls: dict[str, str],
    domain: str,
    target: str,
    *,
    grace_s: float = GRACE_S,
) -> MoveReport:
    started = time.monotonic()
    found = directory.team_for_domain(domain)
    entry = directory.entry(found) if found else None
    if entry is None:
        raise SlackError("team_not_found")
    if target not in urls or entry.shard not in urls:
        raise SlackError("shard_not_found")
    team_id = entry.team_id
    report = MoveReport(team_id, domain, entry.shard, target)
    if entry.shard == target:
        # Already there: what is left to do is the clean-up of an interrupted move, if any.
        report.cleaned = _clean_up(urls, team_id, target)
        return report
    with (
        one_off_engine(urls[entry.shard]) as source,
        one_off_engine(urls[target]) as dest,
        source.connect().execution_options(isolation_level="AUTOCOMMIT") as session,
    ):
        fence.freeze(session, team_id)
        frozen = time.monotonic()
        try:
            report.rows = _copy(source, dest, team_id)
            directory.place(team_id, target)
            report.frozen_ms = (time.monotonic() - frozen) * 1000
            time.sleep(grace_s)
            with source.begin() as conn:
                _delete_workspace(conn, team_id)
        finally:
            fence.thaw(session, team_id)
    report.total_ms = (time.monotonic() - started) * 1000
    return report


def _clean_up(urls: dict[str, str], team_id: str, home: str) -> list[str]:
    """Deletes the workspace's rows from every shard but its home; returns those it cleaned."""
    cleaned = []
    for name, url in urls.items():
        if name != home:
            with one_off_engine(url) as engine, engine.begin() as conn:
                if _delete_workspace(conn, team_id):
                    cleaned.append(name)
    return cleaned


def _copy(source: Engine, dest: Engine, team_id: str) -> dict[str, int]:
    rows: dict[str, int] = {}
    with (
        source.connect().execution_options(isolation_level="REPEATABLE READ") as read,
        read.begin(),
        dest.begin() as write,
    ):
        _delete_workspace(write, team_id)
        for table in TABLES:
            rows[str(table.name)] = _copy_table(read, write, table, team_id)
            if _digest(read, table, team_id) != _digest(write, table, team_id):
                raise MoveFailed(f"{table.name}: the copy differs from the original")
        for queue in QUEUES:
            rows[str(queue.name)] = _copy_queue(read, write, queue, team_id)
    return rows


def _copy_table(read: Connection, write: Connection, table: Table, team_id: str) -> int:
    result = read.execution_options(yield_per=_CHUNK).execute(
        select(table).where(table.c.team_id == team_id)
    )
    copied = 0
    for chunk in result.mappings().partitions():
        write.execute(insert(table), [dict(row) for row in chunk])
        copied += len(chunk)
    return copied


def _copy_queue(read: Connection, write: Connection, queue: Table, team_id: str) -> int:
    """Outbox rows the shard's relay has not yet followed up and trimmed (the new shard's relay
    publishes them after its grace period; a second publish is dropped by receivers), jobs
    not yet done, and the search index: under new ids, in their order."""
    columns = [c for c in queue.c if c.name != "id"]
    # In chunks: the search index holds a row per message, too many to hold in memory at once.
    result = read.execution_options(yield_per=_CHUNK).execute(
        select(*columns).where(queue.c.team_id == team_id).order_by(queue.c.id)
    )
    copied = 0
    for chunk in result.mappings().partitions():
        write.execute(insert(queue), [dict(row) for row in chunk])
        copied += len(chunk)
    return copied


def _digest(conn: Connection, table: Table, team_id: str) -> tuple[int, str | None]:
    """Row count and an md5 over the rows' text in key order, computed by PostgreSQL."""
    order = ", ".join(f"t.{c.name}" for c in table.primary_key.columns)
    found = conn.execute(
        text(
            f"SELECT count(*), md5(string_agg(md5(t::text), '' ORDER BY {order}))"
            f" FROM {table.name} t WHERE t.team_id = :team_id"
        ),
        {"team_id": team_id},
    ).one()
    return int(found[0]), found[1]


def _delete_workspace(conn: Connection, team_id: str) -> bool:
    """Deletes every row of the workspace here; True if there were any."""
    deleted = 0
    for table in (*TABLES, *QUEUES):
        deleted += conn.execute(delete(table).where(table.c.team_id == team_id)).rowcount
    return deleted > 0
