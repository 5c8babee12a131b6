"""`hubbub bench fanout --shared N`: one channel unshared, then the same channel shared with N
other workspaces, on the embedded server and on a sharded cluster, in one invocation.

The issue's question (docs/shared-channels.md): does a channel shared between workspaces cost
more than the same channel unshared? Each deployment gets both channels of the same size: the
unshared one is #general of `bench`, all members its own; the shared one is #fan of `host`,
shared with `guest0`.., the members spread evenly over the N + 1 workspaces and the poster the
host's (fanout._shared_set_up). The sharded cluster is `hubbub cluster up` over two fresh
PostgreSQL shards (`a`, `b`) and their directory, with Redis: new workspaces go to the shard
holding the fewest, so the workspaces alternate between the shards and the channel's members
are on both, while every row of the channel is on the host's. The cluster is started afresh
for each channel, so neither run inherits the other's sockets or caches. The bare ceiling is
not run here (`bench fanout` measures it).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from hubbub_bench import results
from hubbub_bench.cluster import (
    WATCH,
    Sharded,
    check_services,
    sharded_config_text,
    sharded_services,
    start_cluster,
)
from hubbub_bench.fanout import (
    FanOptions,
    Members,
    drive,
    nofile_limits,
    set_up,
    settings_of_fanout,
)
from hubbub_bench.post import Children, free_port, start_hubbub, stop_on_sigterm
from hubbub_bench.stats import SHARED_TARGET_SLOWDOWN, shared_fanout_result

SHARDS = ("a", "b")
SIDES = ("unshared", "shared")


def run(opts: FanOptions, processes: int) -> tuple[dict[str, Any], Path]:
    started_at = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    stamp = results.stamp(started_at)
    settings = settings_of_fanout(opts, nofile_limits())
    settings.update(check_services())
    settings["cluster_processes"] = processes
    settings["shards"] = list(SHARDS)
    children = Children()
    deployments: dict[str, dict[str, dict[str, Any]]] = {"embedded": {}, "sharded": {}}
    with (
        stop_on_sigterm(),
        tempfile.TemporaryDirectory(prefix="hubbub-fanout-") as tmp,
        sharded_services(stamp, SHARDS) as sharded,
    ):
        try:
            for side in SIDES:
                data_dir = Path(tmp) / f"embedded-{side}"
                members = set_up(data_dir, opts.members, shared=_others(opts, side))
                server, url = start_hubbub(children, data_dir)
                tail = _tail(Path(tmp), members, url)
                deployments["embedded"][side] = drive(children, tail, server.pid, opts)
                children.stop(server)

            made = {
                side: set_up(
                    Path(tmp) / "unused",
                    opts.members,
                    shared=_others(opts, side),
                    shards=sharded.shard_urls,
                    directory_url=sharded.directory_url,
                )
                for side in SIDES
            }
            settings["placement"] = _placement(sharded, made["shared"])
            config = Path(tmp) / "cluster.toml"
            for side in SIDES:
                port = free_port()
                config.write_text(sharded_config_text(sharded, port))
                cluster = start_cluster(children, config, processes, port)
                tail = _tail(Path(tmp), made[side], cluster.url)
                summary = drive(children, tail, cluster.pids, opts, watch=WATCH)
                deployments["sharded"][side] = summary
                children.stop(cluster.proc)
        finally:
            children.stop_all()
    result = shared_fanout_result(deployments=deployments, settings=settings, started_at=started_at)
    path = results.write_result(opts.out, "fanout-shared", started_at, result)
    return result, path


def _others(opts: FanOptions, side: str) -> int:
    return opts.shared if side == "shared" else 0


def _tail(tmp: Path, members: Members, url: str) -> list[str]:
    tokens = tmp / "tokens.txt"
    tokens.write_text("\n".join(members.tokens) + "\n")
    return [
        "--mode",
        "hubbub",
        "--url",
        url,
        "--tokens",
        str(tokens),
        "--channel",
        members.channel_id,
    ]


def _placement(sharded: Sharded, members: Members) -> dict[str, Any]:
    """Where the directory put the shared channel's workspaces: the host's shard (which holds
    the channel) and how many of them each shard holds."""
    from hubbub.store.directory import Directory

    directory = Directory(sharded.directory_url)
    try:
        shards = []
        for team_id in members.teams:
            entry = directory.entry(team_id)
            assert entry is not None  # set_up made it
            shards.append(entry.shard)
    finally:
        directory.close()
    return {"host_shard": shards[0], "workspaces_per_shard": dict(Counter(shards))}


def table(result: dict[str, Any]) -> Any:
    from rich.table import Table

    s = result["settings"]
    title = (
        f"fan-out to {s['members']:,} sockets, one channel unshared and shared with "
        f"{s['shared_with']} workspaces; {s['posts']} posts per phase "
        f"(paced at {s['paced_rate_per_s']:g}/s, then a burst)"
    )
    out = Table(title=title)
    columns = ["", "burst posts/s", "burst deliv/s", "paced p50 ms", "paced p99 ms"]
    columns += ["burst p50 ms", "burst p99 ms", "missing", "dup", "server cpu", "postgres cpu"]
    for column in columns:
        out.add_column(column, justify="left" if not column else "right")
    for deployment in ("embedded", "sharded"):
        compared = result[deployment]
        for side in SIDES:
            run = compared[side]
            paced, burst = run.get("paced", {}), run.get("burst", {})
            cpu = burst.get("cpu_pct", {})
            out.add_row(
                f"{deployment} {side}",
                f"{burst.get('posts_per_s', 0):,.0f}",
                f"{burst.get('deliveries_per_s', 0):,.0f}",
                f"{paced.get('p50_ms', 0):.1f}",
                f"{paced.get('p99_ms', 0):.1f}",
                f"{burst.get('p50_ms', 0):.1f}",
                f"{burst.get('p99_ms', 0):.1f}",
                str(paced.get("missing", 0) + burst.get("missing", 0)),
                str(paced.get("duplicates", 0) + burst.get("duplicates", 0)),
                *(f"{cpu[k]:.0f}%" if k in cpu else "-" for k in ("server", "postgres")),
            )
        r = compared["shared_over_unshared"]
        out.add_row(
            f"{deployment} shared/unshared",
            f"{r['burst_posts_per_s']:.2f}x",
            f"{r['burst_deliveries_per_s']:.2f}x",
            "",
            f"{r['paced_p99_ms']:.2f}x",
            *[""] * 6,
        )
    placement = s.get("placement", {})
    out.caption = (
        f"within {SHARED_TARGET_SLOWDOWN:.0%} of unshared: embedded "
        f"{result['embedded']['within_target']}, sharded {result['sharded']['within_target']}; "
        f"exactly once: {result['exactly_once']}; all connected: {result['all_connected']}; "
        f"sharded: {s['cluster_processes']} processes, host on shard "
        f"{placement.get('host_shard')}, workspaces per shard "
        f"{placement.get('workspaces_per_shard')}; cpu of the burst, per cent of one core"
    )
    if result.get("noisy"):
        out.caption += "\nnoisy: other processes used the CPU during a phase; run again"
    return out
