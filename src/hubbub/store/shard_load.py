"""`hubbub admin shards`: workspaces, rows, size and recent write rate of every shard, read from
the directory and from PostgreSQL's own statistics, with the hot ones flagged."""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from statistics import fmean

from sqlalchemy import text

from hubbub.store.directory import Directory
from hubbub.store.postgres import one_off_engine
from hubbub.store.tables import metadata

# Hot: writing rows at least this many times as fast as the others do on average, and at
# least this fast at all (an idle cluster has no hot shard, however the few writes fall).
HOT_FACTOR = 2.0
HOT_MIN_ROWS_PER_S = 50.0

# PostgreSQL's cumulative statistics: rows are live-tuple estimates of our tables (exact
# counts would scan them); the counters move at each backend's commits, at most once a second.
_SAMPLE = text(
    "SELECT pg_database_size(current_database()),"
    " (SELECT coalesce(sum(n_live_tup), 0) FROM pg_stat_user_tables"
    "  WHERE relname = ANY(:tables)),"
    " xact_commit, tup_inserted + tup_updated + tup_deleted"
    " FROM pg_stat_database WHERE datname = current_database()"
)


@dataclass(frozen=True, slots=True)
class ShardLoad:
    name: str
    workspaces: int
    rows: int
    size_bytes: int
    commits_per_s: float
    rows_written_per_s: float
    hot: bool = False


def hot_shards(rates: dict[str, float]) -> set[str]:
    """The shards writing HOT_FACTOR times faster than the mean of the others."""
    hot = set()
    for name, rate in rates.items():
        others = [r for n, r in rates.items() if n != name]
        if others and rate >= HOT_MIN_ROWS_PER_S and rate >= HOT_FACTOR * fmean(others):
            hot.add(name)
    return hot


def measure(directory: Directory, urls: dict[str, str], interval_s: float = 2.0) -> list[ShardLoad]:
    """Samples every shard twice, interval_s apart, for its rates."""
    tables = [t.name for t in metadata.sorted_tables]
    with contextlib.ExitStack() as stack:
        engines = {name: stack.enter_context(one_off_engine(url)) for name, url in urls.items()}

        def sample() -> dict[str, tuple[int, int, int, int]]:
            out = {}
            for name, engine in engines.items():
                with engine.connect() as conn:
                    size, rows, commits, written = conn.execute(_SAMPLE, {"tables": tables}).one()
                out[name] = (int(size), int(rows), int(commits), int(written))
            return out

        first, started = sample(), time.monotonic()
        time.sleep(interval_s)
        second, elapsed = sample(), time.monotonic() - started
    counts = directory.counts()
    rates = {name: (second[name][3] - first[name][3]) / elapsed for name in urls}
    hot = hot_shards(rates)
    return [
        ShardLoad(
            name=name,
            workspaces=counts.get(name, 0),
            rows=second[name][1],
            size_bytes=second[name][0],
            commits_per_s=round((second[name][2] - first[name][2]) / elapsed, 1),
            rows_written_per_s=round(rates[name], 1),
            hot=name in hot,
        )
        for name in sorted(urls)
    ]
