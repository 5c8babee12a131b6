"""`hubbub bench fanout`: one channel of N connected members, a burst of posts, beside a ceiling.

Processes: this one (set-up, orchestration, the result), the servers (`hubbub serve` on a fresh
data directory, then the bare `fanceiling`), and the client (`python -m hubbub_bench.fanclient`),
run once against each. The client holds the N sockets and the poster, and reads the server's RSS
before and after connecting. Everything listens on 127.0.0.1; every child is stopped on the way
out (`post.Children`), and each client run has a hard timeout.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import platform
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

import hubbub
from hubbub.descriptors import raise_open_files
from hubbub_bench.post import (
    Children,
    free_port,
    git_version,
    start_hubbub,
    stop_on_sigterm,
    wait_ready,
)
from hubbub_bench.results import write_result
from hubbub_bench.stats import (
    FANOUT_TARGET_BYTES_PER_CONN,
    FANOUT_TARGET_P99_MS,
    FANOUT_TARGET_RATIO,
    fanout_result,
)

BATCH = 500  # people per unit of work in the set-up
CONNECTS_PER_S = 100  # the slowest connect rate allowed for in the hard timeout


def phase_timeout(members: int, posts: int) -> float:
    """Seconds a phase may take: generous at 5,000 deliveries/s."""
    return 60.0 + members * posts / 5000


def client_timeout(members: int, posts: int) -> float:
    """The hard limit on one client run: connecting, two phases, and slack."""
    return 60.0 + members / CONNECTS_PER_S + 2 * phase_timeout(members, posts)


@dataclass(frozen=True)
class FanOptions:
    members: int
    posts: int
    rate: float
    out: Path
    burst_concurrency: int = 8
    connect_concurrency: int = 32
    # Other workspaces the channel is shared with (docs/shared-channels.md); members are
    # spread evenly over the host and them.
    shared: int = 0


@dataclass(frozen=True)
class Members:
    team_id: str
    channel_id: str
    tokens: list[str]  # the first one posts
    teams: tuple[str, ...] = ()  # the workspaces sharing the channel, the host first


# -- the data -----------------------------------------------------------------------------------


def set_up(
    data_dir: Path,
    members: int,
    database_url: str | None = None,
    *,
    shared: int = 0,
    shards: dict[str, str] | None = None,
    directory_url: str | None = None,
) -> Members:
    """A workspace and N people, all members of #general, BATCH people per unit of work (in
    data_dir's SQLite file, the PostgreSQL database at database_url, or shards and their
    directory, where new workspaces go to the shard holding the fewest).

    Through the same helpers `workspaces.create_user` uses (team_join, the default channels'
    joins, a user token each), without passwords: argon2 per person would take minutes.
    With shared > 0, the channel is one the workspace shares with that many others instead.
    """
    from hubbub.app import build_hub
    from hubbub.config import Settings
    from hubbub.services import workspaces

    async def main() -> Members:
        settings = Settings(
            data_dir=data_dir,
            database_url=database_url,
            shards=shards or {},
            directory_url=directory_url,
        )
        hub = build_hub(settings)
        try:
            if shared:
                return await _shared_set_up(hub, members, shared)
            team = await workspaces.create_workspace(hub, "Bench", "bench")
            tokens: list[str] = []
            for first in range(0, members, BATCH):
                people = [
                    (f"m{i}", f"m{i}@bench.test") for i in range(first, min(first + BATCH, members))
                ]
                tokens += [a.token for a in await workspaces.create_users(hub, "bench", people)]
            general = await hub.read(team.id, lambda tx: tx.get_channel_by_name(team.id, "general"))
            assert general is not None
            return Members(team.id, general.id, tokens)
        finally:
            await hub.close()

    return asyncio.run(main())


async def _shared_set_up(hub: Any, members: int, shared: int) -> Members:
    """#fan of `host`, shared with `guest0`…; member i belongs to side i mod (shared + 1), and
    each side's admin invites its own people, so member 0 (the poster) is the host's. (Not
    `bench`, so that a sharded run can hold the unshared workspace beside it.)"""
    from hubbub.services import auth, channels, membership, share_answers, share_invites, workspaces

    sides = []
    for k, domain in enumerate(["host", *(f"guest{g}" for g in range(shared))]):
        await workspaces.create_workspace(hub, domain.title(), domain)
        account = await workspaces.create_user(
            hub, domain, email=f"admin@{domain}.test", name="admin", admin=True
        )
        sides.append((domain, await auth.authenticate(hub, account.token), k))
    host = sides[0][1]
    channel = await channels.create(hub, host, "fan", is_private=False)
    for domain, admin, _ in sides[1:]:
        invite_id = await share_invites.invite(
            hub, host, channel.id, emails=[], user_ids=[], team_domain=domain
        )
        await share_answers.accept(
            hub, admin, invite_id=invite_id, channel_id="", name="fan", is_private=False
        )
    tokens: dict[int, str] = {}
    for domain, admin, k in sides:
        mine = list(range(k, members, len(sides)))
        for first in range(0, len(mine), BATCH):
            people = [(f"m{i}", f"m{i}@{domain}.test") for i in mine[first : first + BATCH]]
            made = await workspaces.create_users(hub, domain, people)
            await membership.invite(hub, admin, channel.id, [a.user.id for a in made])
            tokens.update(zip(mine[first : first + BATCH], (a.token for a in made), strict=True))
    teams = tuple(admin.team_id for _, admin, _ in sides)
    return Members(host.team_id, channel.id, [tokens[i] for i in range(members)], teams)


# -- processes ----------------------------------------------------------------------------------


def nofile_limits() -> dict[str, int]:
    """The open-file limit, raised to the hard limit first (the servers and client inherit it)."""
    soft, hard = raise_open_files()
    return {"soft": soft, "hard": hard}


def start_fanceiling(children: Children) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    argv = [sys.executable, "-m", "hubbub_bench.fanceiling", "--port", str(port)]
    proc = children.start(argv)
    url = f"http://127.0.0.1:{port}"
    wait_ready(proc, url + "/ping", "the fan-out ceiling")
    return proc, url


def drive(
    children: Children,
    argv_tail: list[str],
    server_pid: int | Sequence[int],
    opts: FanOptions,
    *,
    watch: Sequence[str] = (),
) -> dict[str, Any]:
    """Runs the fan-out client; server_pid: a process, or a cluster's processes (their RSS and
    CPU are added up); watch: process names whose CPU is reported too (e.g. postgres)."""
    pids = [server_pid] if isinstance(server_pid, int) else list(server_pid)
    argv = [sys.executable, "-m", "hubbub_bench.fanclient", *argv_tail]
    argv += ["--members", str(opts.members), "--posts", str(opts.posts), "--rate", str(opts.rate)]
    argv += ["--burst-concurrency", str(opts.burst_concurrency)]
    argv += ["--connect-concurrency", str(opts.connect_concurrency)]
    argv += [arg for pid in pids for arg in ("--server-pid", str(pid))]
    argv += [arg for comm in watch for arg in ("--watch", comm)]
    argv += ["--phase-timeout", str(phase_timeout(opts.members, opts.posts))]
    proc = children.start(argv, capture=True)
    try:
        out, _ = proc.communicate(timeout=client_timeout(opts.members, opts.posts))
    finally:
        children.stop(proc)
    if proc.returncode != 0:
        raise RuntimeError(f"the fan-out client failed with {proc.returncode}")
    summary: dict[str, Any] = orjson.loads(out)
    return summary


# -- the scenario -------------------------------------------------------------------------------


def run(opts: FanOptions) -> tuple[dict[str, Any], Path]:
    started_at = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    nofile = nofile_limits()
    base = settings_of_fanout(opts, nofile)
    children = Children()
    with stop_on_sigterm(), tempfile.TemporaryDirectory(prefix="hubbub-fanout-") as tmp:
        try:
            data_dir = Path(tmp) / "data"
            members = set_up(data_dir, opts.members)
            tokens = Path(tmp) / "tokens.txt"
            tokens.write_text("\n".join(members.tokens) + "\n")

            server, url = start_hubbub(children, data_dir)
            tail = ["--mode", "hubbub", "--url", url, "--tokens", str(tokens)]
            measured = drive(children, [*tail, "--channel", members.channel_id], server.pid, opts)
            children.stop(server)

            ceiling_proc, ceiling_url = start_fanceiling(children)
            tail = ["--mode", "ceiling", "--url", ceiling_url]
            tail += ["--frame-bytes", str(measured.get("frame_bytes") or 400)]
            ceiling = drive(children, tail, ceiling_proc.pid, opts)
            children.stop(ceiling_proc)
        finally:
            children.stop_all()
    result = fanout_result(ceiling=ceiling, hubbub=measured, settings=base, started_at=started_at)
    path = write_result(opts.out, "fanout", started_at, result)
    return result, path


def settings_of_fanout(opts: FanOptions, nofile: dict[str, int]) -> dict[str, Any]:
    return {
        "git": git_version(),
        "members": opts.members,
        "shared_with": opts.shared,
        "posts": opts.posts,
        "paced_rate_per_s": opts.rate,
        "burst_concurrency": opts.burst_concurrency,
        "connect_concurrency": opts.connect_concurrency,
        "nofile": nofile,
        "client": "hubbub_bench.fanclient (uvloop; wire: RFC 6455 by hand, no compression offered)",
        "ceiling": "hubbub_bench.fanceiling (uvloop, one write per message per socket)",
        "rate_limits": "off",
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "hubbub": hubbub.__version__,
        "loadavg_before": [round(v, 2) for v in os.getloadavg()],
    }


def table(result: dict[str, Any]) -> Any:
    from rich.table import Table

    s = result["settings"]
    title = f"fan-out to {s['members']:,} sockets, {s['posts']} posts per phase"
    out = Table(title=title)
    columns = ("", "deliv/s", "p50 ms", "p99 ms", "max ms", "missing", "dup", "server cpu")
    for column in columns:
        out.add_column(column, justify="left" if not column else "right")
    rows = [
        ("ceiling burst", result["ceiling"].get("burst")),
        ("hubbub burst", result["hubbub"].get("burst")),
        (f"hubbub {s['paced_rate_per_s']:g}/s", result["hubbub"].get("paced")),
    ]
    for name, side in rows:
        if not side:
            continue
        cpu = side.get("cpu_pct", {})
        out.add_row(
            name,
            f"{side['deliveries_per_s']:,.0f}",
            f"{side['p50_ms']:.1f}",
            f"{side['p99_ms']:.1f}",
            f"{side['max_ms']:.1f}",
            str(side["missing"]),
            str(side["duplicates"]),
            f"{cpu['server']:.0f}%" if "server" in cpu else "-",
        )
    t = result["targets"]
    per_conn = result["hubbub"].get("bytes_per_idle_connection")
    out.caption = (
        f"ratio {result['ratio']:.1%} (target {FANOUT_TARGET_RATIO:.0%}: "
        f"{'met' if t['meets_ratio'] else 'not met'}); paced p99 target "
        f"{FANOUT_TARGET_P99_MS:g} ms: {t['meets_p99']}; server memory per idle connection "
        f"{per_conn} B (target {FANOUT_TARGET_BYTES_PER_CONN:,}: {t['meets_memory']}); "
        f"connected {result['hubbub'].get('connected')} in {result['hubbub'].get('connect_s')} s"
    )
    if result.get("noisy"):
        out.caption += "\nnoisy: other processes used the CPU during a phase; run again"
    return out
