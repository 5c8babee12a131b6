"""`hubbub bench fanout --cluster N`: the embedded server, then clusters of 1, 2, 4 .. N.

One invocation, one fan-out client (`python -m hubbub_bench.fanclient`), the same members,
posts and rate each: `hubbub serve` on SQLite, then `hubbub cluster up` on one fresh PostgreSQL
database and Redis prefix (`cluster.shared_services`). The members' `rtm.connect` calls and
sockets land on whichever process the kernel picks (SO_REUSEPORT; the connect tickets are in
Redis), and so do the posts, so most deliveries cross processes through Redis pub/sub. Every
socket must get every message exactly once, as in `bench fanout`. The bare ceiling is not run
here (`bench fanout` measures it).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from hubbub_bench import results
from hubbub_bench.cluster import (
    WATCH,
    check_services,
    config_text,
    shared_services,
    start_cluster,
)
from hubbub_bench.fanout import FanOptions, drive, nofile_limits, set_up, settings_of_fanout
from hubbub_bench.post import Children, free_port, start_hubbub, stop_on_sigterm
from hubbub_bench.stats import cluster_fanout_result, process_counts


def run(opts: FanOptions, most: int) -> tuple[dict[str, Any], Path]:
    started_at = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    stamp = results.stamp(started_at)
    counts = process_counts(most)
    settings = settings_of_fanout(opts, nofile_limits())
    settings.update(check_services())
    settings["cluster_processes"] = counts
    children = Children()
    runs: list[dict[str, Any]] = []
    with (
        stop_on_sigterm(),
        tempfile.TemporaryDirectory(prefix="hubbub-fanout-") as tmp,
        shared_services(stamp) as shared,
    ):
        try:
            members = set_up(Path(tmp) / "data", opts.members)
            tokens = Path(tmp) / "tokens.txt"
            tokens.write_text("\n".join(members.tokens) + "\n")
            server, url = start_hubbub(children, Path(tmp) / "data")
            tail = ["--mode", "hubbub", "--url", url, "--tokens", str(tokens)]
            embedded = drive(children, [*tail, "--channel", members.channel_id], server.pid, opts)
            children.stop(server)

            members = set_up(Path(tmp) / "unused", opts.members, shared.database_url)
            tokens.write_text("\n".join(members.tokens) + "\n")
            config = Path(tmp) / "cluster.toml"
            for n in counts:
                port = free_port()
                config.write_text(config_text(shared, port))
                cluster = start_cluster(children, config, n, port)
                tail = ["--mode", "hubbub", "--url", cluster.url, "--tokens", str(tokens)]
                tail += ["--channel", members.channel_id]
                summary = drive(children, tail, cluster.pids, opts, watch=WATCH)
                children.stop(cluster.proc)
                runs.append({"processes": n, **summary})
        finally:
            children.stop_all()
    result = cluster_fanout_result(
        embedded=embedded, runs=runs, settings=settings, started_at=started_at
    )
    path = results.write_result(opts.out, "fanout-cluster", started_at, result)
    return result, path


def table(result: dict[str, Any]) -> Any:
    from rich.table import Table

    s = result["settings"]
    title = (
        f"fan-out to {s['members']:,} sockets, {s['posts']} posts per phase "
        f"(paced at {s['paced_rate_per_s']:g}/s, then a burst)"
    )
    out = Table(title=title)
    columns = ["", "burst deliv/s", "vs 1 proc", "paced p50 ms", "paced p99 ms", "burst p99 ms"]
    columns += ["missing", "dup", "deliv/write", "server cpu", "postgres cpu", "client cpu"]
    columns += ["B/idle conn"]
    for column in columns:
        out.add_column(column, justify="left" if not column else "right")
    sides = [("embedded (SQLite)", result["embedded"])]
    sides += [(f"cluster x{r['processes']}", r) for r in result["cluster"]]
    for name, side in sides:
        paced, burst = side.get("paced", {}), side.get("burst", {})
        cpu = burst.get("cpu_pct", {})
        speedup = side.get("speedup")
        out.add_row(
            name,
            f"{burst.get('deliveries_per_s', 0):,.0f}",
            f"{speedup:.2f}x" if speedup is not None else "-",
            f"{paced.get('p50_ms', 0):.1f}",
            f"{paced.get('p99_ms', 0):.1f}",
            f"{burst.get('p99_ms', 0):.1f}",
            str(paced.get("missing", 0) + burst.get("missing", 0)),
            str(paced.get("duplicates", 0) + burst.get("duplicates", 0)),
            str(burst.get("deliveries_per_write_call", "-")),
            *(f"{cpu[k]:.0f}%" if k in cpu else "-" for k in ("server", "postgres", "client")),
            str(side.get("bytes_per_idle_connection", "-")),
        )
    out.caption = (
        f"exactly once: {result['exactly_once']}; all connected: {result['all_connected']}; "
        "cpu of the burst, per cent of one core"
    )
    if result.get("noisy"):
        out.caption += "\nnoisy: other processes used the CPU during a phase; run again"
    return out
