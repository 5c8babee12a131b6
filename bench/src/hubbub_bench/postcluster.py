"""`hubbub bench post --cluster N`: the bare endpoint, the embedded server, then clusters.

One invocation, one load generator (`python -m hubbub_bench.load`), the same duration each:
the ceiling (bare Starlette), `hubbub serve` on SQLite (kill -9, then count: as `bench post`),
then `hubbub cluster up` with 1, 2, 4, ... processes (`stats.process_counts`) on one fresh
PostgreSQL database and Redis prefix (`cluster.shared_services`). After each cluster size every
ok answer must be a row in PostgreSQL. The CPU of the servers, PostgreSQL's processes, Redis
and the load generator is read from /proc over each window.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from hubbub_bench import results
from hubbub_bench.cluster import (
    WATCH,
    check_services,
    config_text,
    count_rows,
    shared_services,
    start_cluster,
)
from hubbub_bench.post import (
    Children,
    Options,
    ceiling_then_embedded,
    drive,
    free_port,
    set_up,
    settings_of,
    stop_on_sigterm,
    wait_for_quiet,
)
from hubbub_bench.stats import (
    CLUSTER_TARGET_PROCESSES,
    CLUSTER_TARGET_SPEEDUP,
    cluster_post_result,
    cluster_post_run,
    process_counts,
)


def run(
    opts: Options, most: int, *, cluster_connections: int | None = None
) -> tuple[dict[str, Any], Path]:
    started_at = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    stamp = results.stamp(started_at)
    counts = process_counts(most)
    settings = settings_of(opts)
    settings.update(check_services())
    settings["cluster_processes"] = counts
    cluster_opts = opts
    if cluster_connections is not None:
        cluster_opts = dataclasses.replace(opts, connections=cluster_connections)
    settings["cluster_connections"] = cluster_opts.connections
    settings["pool_size_per_process"] = 8  # store/postgres.py's default
    children = Children()
    runs: list[dict[str, Any]] = []
    with (
        stop_on_sigterm(),
        tempfile.TemporaryDirectory(prefix="hubbub-bench-") as tmp,
        shared_services(stamp) as shared,
    ):
        try:
            sides = ceiling_then_embedded(children, Path(tmp), opts, profile=False)
            quiet = sides.quiet
            pg_target = set_up(Path(tmp) / "unused", shared.database_url, channels=opts.channels)
            config = Path(tmp) / "cluster.toml"
            for n in counts:
                port = free_port()
                config.write_text(config_text(shared, port))
                before = count_rows(shared, pg_target.channel_ids)
                cluster = start_cluster(children, config, n, port)
                quiet += [wait_for_quiet(opts.quiet_wait)] if opts.quiet_wait else []
                profile = opts.profile is not None and n == counts[-1]
                summary = drive(
                    children,
                    cluster.url,
                    pg_target,
                    cluster_opts,
                    cluster.pids,
                    profile=profile,
                    watch=WATCH,
                )
                children.stop(cluster.proc)
                stored = count_rows(shared, pg_target.channel_ids) - before
                ok = int(summary["ok_total"])
                runs.append(cluster_post_run(n, summary, ok_answers=ok, stored=stored))
        finally:
            children.stop_all()
    result = cluster_post_result(
        ceiling=sides.ceiling,
        embedded=sides.embedded,
        embedded_stored=sides.stored,
        runs=runs,
        settings=settings,
        started_at=started_at,
    )
    settings["machine_busy_before_pct"] = quiet
    path = results.write_result(opts.out, "post-cluster", started_at, result)
    return result, path


def _pct(cpu: dict[str, float], name: str) -> str:
    return f"{cpu[name]:.0f}%" if name in cpu else "-"


def table(result: dict[str, Any]) -> Any:
    from rich.table import Table

    s = result["settings"]
    title = (
        f"chat.postMessage, {s['connections']} connections ({s['cluster_connections']} to the "
        f"clusters), {s['duration_s']:g} s each"
    )
    out = Table(title=title)
    columns = ["", "posts/s", "p50 ms", "p99 ms", "errors", "vs 1 proc"]
    columns += ["server cpu", "postgres cpu", "client cpu", "other cpu", "durable"]
    for column in columns:
        out.add_column(column, justify="left" if not column else "right")
    sides = [("ceiling (bare)", result["ceiling"]), ("embedded (SQLite)", result["embedded"])]
    sides += [(f"cluster x{r['processes']}", r) for r in result["cluster"]]
    for name, side in sides:
        cpu = side.get("cpu_pct", {})
        speedup = side.get("speedup")
        out.add_row(
            name,
            f"{side['posts_per_s']:,.0f}",
            f"{side['p50_ms']:.1f}",
            f"{side['p99_ms']:.1f}",
            str(side["errors"]),
            f"{speedup:.2f}x" if speedup is not None else "-",
            _pct(cpu, "server"),
            _pct(cpu, "postgres"),
            _pct(cpu, "client"),
            _pct(cpu, "other"),
            str(side["durable_check"]) if "durable_check" in side else "-",
        )
    t = result["target"]
    verdict = {True: "met", False: "not met", None: "not measured"}[t["met"]]
    out.caption = (
        f"target: {CLUSTER_TARGET_PROCESSES} processes at {CLUSTER_TARGET_SPEEDUP:g}x the "
        f"posts/s of 1: {verdict}; every ok answer stored: {result['durable_check']}; cpu in "
        "per cent of one core (the machine has "
        f"{s.get('cpu_count')})"
    )
    if result.get("noisy"):
        out.caption += "\nnoisy: other processes used the CPU during a window; run again"
    return out
