"""What became of finished jobs: running totals per workspace, kind and outcome, added to in
batches (jobs/counted.py) and read by `hubbub admin jobs` for its rates."""

from __future__ import annotations

from sqlalchemy import func, insert, select, update

from hubbub.store.queries.base import TxBase
from hubbub.store.tables_jobs import job_counts

# (team id, kind, outcome) -> how many
Counts = dict[tuple[str, str, str], int]


class JobCountQueries(TxBase):
    def add_job_counts(self, counts: Counts) -> None:
        for (team_id, kind, outcome), n in counts.items():
            row = (
                job_counts.c.team_id == team_id,
                job_counts.c.kind == kind,
                job_counts.c.outcome == outcome,
            )
            added = update(job_counts).where(*row).values(n=job_counts.c.n + n)
            if self.conn.execute(added).rowcount:
                continue
            first = insert(job_counts).values(team_id=team_id, kind=kind, outcome=outcome, n=n)
            if not self._try(first):
                self.conn.execute(added)  # another process added the row meanwhile

    def job_totals(self) -> dict[str, int]:
        """`<kind>:<outcome>` -> total over every workspace, as Redis's counters hash has it."""
        query = select(job_counts.c.kind, job_counts.c.outcome, func.sum(job_counts.c.n)).group_by(
            job_counts.c.kind, job_counts.c.outcome
        )
        return {f"{kind}:{outcome}": int(n) for kind, outcome, n in self.conn.execute(query)}
