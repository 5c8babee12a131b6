"""The jobs table as a queue: enqueue in a unit of work, claim with a lease, finish, retry, bury.

A claimed job is leased until its timeout has passed; a worker that dies mid-job leaves the lease
to run out, and the job is claimed again (at least once: handlers are idempotent). Claims skip
rows another worker is claiming at that moment (FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite's
one writer needs neither).
"""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import and_, bindparam, delete, func, insert, literal, or_, select, update

from hubbub.domain.jobs import Claimed
from hubbub.store.prepared import Prepared
from hubbub.store.queries.base import TxBase
from hubbub.store.rows import key as key_of
from hubbub.store.tables_jobs import dead_jobs, jobs

# Queueing a job is on the write path of whatever queues it (a message's follow-up, a producer
# of many jobs): built once, run on the driver (store/prepared.py).
_ENQUEUE = Prepared(
    insert(jobs).values(
        {n: bindparam(n) for n in ("team_id", "kind", "key", "payload", "run_at", "created")}
        | {"attempts": 0}
    )
)
_DUE = (
    select(jobs.c.id)
    .where(
        jobs.c.run_at <= bindparam("now"),
        or_(jobs.c.leased_until.is_(None), jobs.c.leased_until < bindparam("now")),
    )
    .order_by(jobs.c.run_at)
    .limit(bindparam("limit"))
    .with_for_update(skip_locked=True)
)
_CLAIM = Prepared(
    update(jobs)
    .where(jobs.c.id.in_(_DUE.scalar_subquery()))
    .values(leased_until=bindparam("leased_until"), attempts=jobs.c.attempts + 1)
    .returning(jobs.c.id, jobs.c.team_id, jobs.c.kind, jobs.c.payload, jobs.c.attempts)
)
_FINISH = Prepared(delete(jobs).where(key_of(jobs, "id")))
_KEY_TAKEN = Prepared(
    select(literal(1))
    .where(key_of(jobs, "team_id", "kind", "key"))
    .union_all(select(literal(1)).where(key_of(dead_jobs, "team_id", "kind", "key")))
    .limit(1)
)


class JobQueries(TxBase):
    def enqueue_job(
        self,
        team_id: str,
        kind: str,
        payload: dict[str, Any],
        *,
        key: str | None = None,
        delay_us: int = 0,
    ) -> bool:
        """False if a job of this kind and key is already queued (or was dead-lettered)."""
        named = {"team_id": team_id, "kind": kind, "key": key}
        if key is not None and self.run.first(_KEY_TAKEN, named) is not None:
            return False
        now = self.now_us
        payload_json = orjson.dumps(payload)
        self.run.execute(
            _ENQUEUE, {**named, "payload": payload_json, "run_at": now + delay_us, "created": now}
        )
        return True

    def claim_jobs(self, limit: int, lease_us: int, shard: str) -> list[Claimed]:
        """Due jobs, oldest first, leased to the caller; each claim counts as an attempt. Their
        ids name the shard and the row; their payloads are left as they are stored: this runs
        in the writer, which every unit of work waits for."""
        now = self.now_us
        cur = self.run.execute(_CLAIM, {"now": now, "limit": limit, "leased_until": now + lease_us})
        return [
            Claimed(f"{shard}/{row_id}", team_id, kind, payload, attempts)
            for row_id, team_id, kind, payload, attempts in sorted(cur.fetchall())
        ]

    def finish_job(self, job_id: str) -> None:
        self.finish_jobs([job_id])

    def finish_jobs(self, job_ids: list[str]) -> None:
        self.run.execute_many(_FINISH, [{"id": int(i)} for i in job_ids])

    def retry_job(self, job_id: str, delay_us: int, error: str, *, counts: bool = True) -> None:
        """Runs the job again after the delay. A job put off by its workspace's rate limit was
        not tried, so its attempt does not count."""
        values: dict[str, Any] = {
            "run_at": self.now_us + delay_us,
            "leased_until": None,
            "last_error": error[:2000],
        }
        if not counts:
            values["attempts"] = jobs.c.attempts - 1
        self.conn.execute(update(jobs).where(jobs.c.id == int(job_id)).values(**values))

    def bury_job(self, job_id: str, error: str) -> None:
        """Moves a job that failed its last try to the dead letters."""
        row = self.conn.execute(select(jobs).where(jobs.c.id == int(job_id))).first()
        if row is None:
            return
        self.conn.execute(
            insert(dead_jobs).values(
                team_id=row.team_id,
                kind=row.kind,
                key=row.key,
                payload=row.payload,
                attempts=row.attempts,
                last_error=error[:2000],
                created=row.created,
                died=self.now_us,
            )
        )
        self.finish_job(job_id)

    def dead_letters(self, limit: int = 100) -> list[dict[str, Any]]:
        rows = self.conn.execute(select(dead_jobs).order_by(dead_jobs.c.id.desc()).limit(limit))
        return [
            {
                "id": row.id,
                "team_id": row.team_id,
                "kind": row.kind,
                "attempts": row.attempts,
                "error": row.last_error,
                "died": row.died,
            }
            for row in rows
        ]

    def revive_dead(self, ids: list[int] | None = None) -> int:
        """Queues dead letters again, with a fresh count of tries."""
        query = select(dead_jobs)
        if ids is not None:
            query = query.where(dead_jobs.c.id.in_(ids))
        rows = self.conn.execute(query).all()
        for row in rows:
            self.conn.execute(
                insert(jobs).values(
                    team_id=row.team_id,
                    kind=row.kind,
                    key=row.key,
                    payload=row.payload,
                    run_at=self.now_us,
                    attempts=0,
                    created=row.created,
                )
            )
        if rows:
            self.conn.execute(delete(dead_jobs).where(dead_jobs.c.id.in_([r.id for r in rows])))
        return len(rows)

    def job_counts(self) -> dict[str, dict[str, int]]:
        """Per kind: queued (due), running (leased), delayed (due later), dead."""
        now = self.now_us
        running = and_(jobs.c.leased_until.is_not(None), jobs.c.leased_until >= now)
        out: dict[str, dict[str, int]] = {}

        def add(kind: str, what: str, n: int) -> None:
            entry = out.setdefault(kind, {"queued": 0, "running": 0, "delayed": 0, "dead": 0})
            entry[what] += int(n)

        for kind, n in self.conn.execute(
            select(jobs.c.kind, func.count()).where(running).group_by(jobs.c.kind)
        ):
            add(kind, "running", n)
        idle = or_(jobs.c.leased_until.is_(None), jobs.c.leased_until < now)
        for kind, n in self.conn.execute(
            select(jobs.c.kind, func.count())
            .where(idle, jobs.c.run_at <= now)
            .group_by(jobs.c.kind)
        ):
            add(kind, "queued", n)
        for kind, n in self.conn.execute(
            select(jobs.c.kind, func.count()).where(idle, jobs.c.run_at > now).group_by(jobs.c.kind)
        ):
            add(kind, "delayed", n)
        for kind, n in self.conn.execute(
            select(dead_jobs.c.kind, func.count()).group_by(dead_jobs.c.kind)
        ):
            add(kind, "dead", n)
        return out
