"""`hubbub bench post`: chat.postMessage over HTTP against hubbub, beside a bare endpoint.

Three kinds of process: this one (set-up, orchestration, the durability check), the servers
(`hubbub serve` on a fresh data directory, and the bare Starlette ceiling), and the load generator
(`python -m hubbub_bench.load`), run once against each server. Everything listens on 127.0.0.1;
every child is stopped on the way out, Ctrl-C and errors included.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import ctypes.util
import datetime as dt
import os
import platform
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from types import FrameType
from typing import Any

import httpx
import orjson

import hubbub
from hubbub_bench.cpu import cpu_snapshot, cpu_use
from hubbub_bench.results import write_result
from hubbub_bench.stats import TARGET_RATIO, post_result

START_TIMEOUT_S = 30.0
PR_SET_PDEATHSIG = 1
STOP_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Target:
    team_id: str
    channel_id: str
    token: str
    more_channels: tuple[str, ...] = ()  # --channels K: the other K - 1
    closed_channel: str = ""  # a public channel of someone else's: posts there are refused

    @property
    def channel_ids(self) -> tuple[str, ...]:
        """Every channel posted to; the load generator's connections take turns."""
        return (self.channel_id, *self.more_channels)


@dataclass(frozen=True)
class Options:
    duration: float
    connections: int
    warmup: float
    body: str
    out: Path
    profile: Path | None = None
    quiet_wait: float = 0.0
    channels: int = 1  # posts spread over this many channels (one row lock each on PostgreSQL)
    invalid: int = 0  # --invalid P: also a run with P% of the posts refused (not_in_channel)
    texts: Path | None = None  # a JSON list of what the posts say (else a short numbered line)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- the data -----------------------------------------------------------------------------------


def set_up(data_dir: Path, database_url: str | None = None, *, channels: int = 1) -> Target:
    """A workspace, one person and channels of their own (one unless told), written through
    the services (in data_dir's SQLite file, or in the PostgreSQL database at database_url);
    and a public channel of another person's, which the poster is not in."""
    from hubbub.app import build_hub
    from hubbub.config import Settings
    from hubbub.services import workspaces
    from hubbub.services.auth import authenticate
    from hubbub.services.channels import create

    async def main() -> Target:
        hub = build_hub(Settings(data_dir=data_dir, database_url=database_url))
        try:
            await workspaces.create_workspace(hub, "Bench", "bench")
            account = await workspaces.create_user(
                hub, "bench", email="poster@bench.test", name="poster"
            )
            who = await authenticate(hub, account.token)
            names = ["bench"] + [f"bench-{n}" for n in range(1, channels)]
            made = [await create(hub, who, name, is_private=False) for name in names]
            owner = await workspaces.create_user(
                hub, "bench", email="owner@bench.test", name="owner"
            )
            closed = await create(
                hub, await authenticate(hub, owner.token), "bench-closed", is_private=False
            )
            more = tuple(c.id for c in made[1:])
            return Target(who.team_id, made[0].id, account.token, more, closed.id)
        finally:
            await hub.close()

    return asyncio.run(main())


def count_messages(data_dir: Path, target: Target) -> int:
    """Channel-level messages of the bench channel, read through a fresh hub on the data dir."""
    from hubbub.app import build_hub
    from hubbub.config import Settings

    async def main() -> int:
        hub = build_hub(Settings(data_dir=data_dir))
        try:
            return await hub.read(
                target.team_id,
                lambda tx: tx.unread_count(target.team_id, target.channel_id, "0"),
            )
        finally:
            await hub.close()

    return asyncio.run(main())


def count_all(data_dir: Path, target: Target) -> int:
    """Channel-level messages of every bench channel (`count_messages` for each)."""
    return sum(
        count_messages(data_dir, replace(target, channel_id=channel, more_channels=()))
        for channel in target.channel_ids
    )


# -- processes ----------------------------------------------------------------------------------


def _die_with_parent() -> None:
    """In the child before exec: on Linux, get SIGTERM when the bench process dies, even by -9."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class Children:
    """Child processes, each in its own session so Ctrl-C reaches only us; all stopped on exit."""

    def __init__(self) -> None:
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(
        self, argv: list[str], env: dict[str, str] | None = None, *, capture: bool = False
    ) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(
            argv,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )
        self.procs.append(proc)
        return proc

    def stop(self, proc: subprocess.Popen[bytes], *, kill: bool = False) -> None:
        if proc.poll() is None:
            if kill:
                proc.kill()
            else:
                proc.terminate()
            try:
                proc.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(STOP_TIMEOUT_S)
        if proc.stdout is not None:
            proc.stdout.close()

    def stop_all(self) -> None:
        for proc in reversed(self.procs):
            with contextlib.suppress(OSError):
                self.stop(proc)
        self.procs.clear()


def wait_ready(proc: subprocess.Popen[bytes], url: str, what: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode} before answering")
        try:
            httpx.post(url, timeout=1.0)
            return
        except httpx.HTTPError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not answer within {START_TIMEOUT_S:g} s")


def start_hubbub(
    children: Children, data_dir: Path, *, config: Path | None = None, module: str = "hubbub"
) -> tuple[subprocess.Popen[bytes], str]:
    """`hubbub serve` on data_dir (and config's settings, e.g. a PostgreSQL database_url), run
    as `python -m module` (a bench's own wrapper of it: hubbub_bench.unindexed)."""
    port = free_port()
    env = dict(os.environ, HUBBUB_RATE_LIMITS="off")
    argv = [sys.executable, "-m", module, "serve", "--data-dir", str(data_dir)]
    if config is not None:
        argv += ["--config", str(config)]
    proc = children.start([*argv, "--host", "127.0.0.1", "--port", str(port)], env)
    url = f"http://127.0.0.1:{port}"
    wait_ready(proc, url + "/api/api.test", "hubbub serve")
    return proc, url


def start_ceiling(children: Children) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = children.start([sys.executable, "-m", "hubbub_bench.ceiling", "--port", str(port)])
    url = f"http://127.0.0.1:{port}"
    wait_ready(proc, url + "/api/chat.postMessage", "the ceiling endpoint")
    return proc, url


def drive(
    children: Children,
    url: str,
    target: Target,
    opts: Options,
    server_pid: int | Sequence[int],
    *,
    profile: bool = False,
    watch: Sequence[str] = (),
    invalid: int = 0,
) -> dict[str, Any]:
    """Runs the load generator against url and returns its summary: the CPU use of the server
    (a process, or a cluster's processes) and of the processes named in watch (e.g. postgres)."""
    server_pids = [server_pid] if isinstance(server_pid, int) else list(server_pid)
    argv = [
        sys.executable,
        "-m",
        "hubbub_bench.load",
        "--url",
        url,
        "--token",
        target.token,
        "--channel",
        ",".join(target.channel_ids),
        "--connections",
        str(opts.connections),
        "--duration",
        str(opts.duration),
        "--warmup",
        str(opts.warmup),
        "--body",
        opts.body,
    ]
    if opts.texts is not None:
        argv += ["--texts", str(opts.texts)]
    if invalid:
        argv += ["--invalid-percent", str(invalid), "--invalid-channel", target.closed_channel]
    argv += [arg for pid in server_pids for arg in ("--server-pid", str(pid))]
    argv += [arg for comm in watch for arg in ("--watch", comm)]
    proc = children.start(argv, capture=True)
    spy = None
    if profile and opts.profile is not None:
        spy = start_profiler(children, server_pids[0], opts)
    try:
        out, _ = proc.communicate(timeout=opts.warmup + opts.duration + 60)
    finally:
        children.stop(proc)
        if spy is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                spy.wait(opts.duration + 30)
            children.stop(spy)
    if proc.returncode != 0:
        raise RuntimeError(f"the load generator failed with {proc.returncode}")
    summary: dict[str, Any] = orjson.loads(out)
    return summary


def start_profiler(children: Children, pid: int, opts: Options) -> subprocess.Popen[bytes] | None:
    """py-spy on the server for the measured window (an optional tool, not a dependency)."""
    exe = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(exe).exists() or opts.profile is None:
        print("py-spy not found; no profile taken", file=sys.stderr)
        return None
    fmt = "speedscope" if opts.profile.suffix == ".json" else "raw"
    if opts.profile.suffix == ".svg":
        fmt = "flamegraph"
    time.sleep(opts.warmup)
    argv = [exe, "record", "--pid", str(pid), "--duration", str(max(1, int(opts.duration) - 1))]
    # --gil: only the thread holding the GIL is sampled. The server is GIL-bound, so these
    # samples are where its one core goes (sqlite and fsync without the GIL do not show).
    argv += ["--rate", "250", "--threads", "--gil", "--nonblocking", "--format", fmt]
    return children.start([*argv, "--output", str(opts.profile)])


def wait_for_quiet(max_wait_s: float, *, idle_below: float = 15.0) -> float | None:
    """Waits (up to max_wait_s) for a second in which the machine is busy below idle_below per
    cent of one core; returns the last second's figure (None where /proc is missing)."""
    deadline = time.monotonic() + max_wait_s
    busy: float | None = None
    while True:
        before = cpu_snapshot({})
        time.sleep(1.0)
        busy = cpu_use(before, cpu_snapshot({}), 1.0).get("machine")
        if busy is None or busy < idle_below or time.monotonic() >= deadline:
            return busy


# -- the scenario -------------------------------------------------------------------------------


def git_version() -> str | None:
    """The commit measured (with "-dirty" for uncommitted changes), when run from a checkout."""
    git = ["git", "--no-optional-locks", "-C", str(Path(__file__).resolve().parents[3])]
    try:
        head, changes = (
            subprocess.run(
                git + args, capture_output=True, text=True, timeout=10, check=True
            ).stdout.strip()
            for args in (["rev-parse", "--short", "HEAD"], ["status", "--porcelain", "-uno"])
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return head + ("-dirty" if changes else "") if head else None


def settings_of(opts: Options) -> dict[str, Any]:
    return {
        "git": git_version(),
        "connections": opts.connections,
        "duration_s": opts.duration,
        "warmup_s": opts.warmup,
        "body": opts.body,
        "channels": opts.channels,
        "rate_limits": "off",
        "sqlite_synchronous": "FULL",
        "sqlite_version": sqlite3.sqlite_version,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "hubbub": hubbub.__version__,
        "profiled": opts.profile is not None,
        "loadavg_before": [round(v, 2) for v in os.getloadavg()],
    }


@contextlib.contextmanager
def stop_on_sigterm() -> Iterator[None]:
    """SIGTERM unwinds like Ctrl-C, so the children are stopped and the temp dir removed."""

    def raise_interrupt(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, raise_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@dataclass
class Sides:
    """The bare ceiling's and the embedded server's runs, on one workspace set up for both."""

    ceiling: dict[str, Any]
    embedded: dict[str, Any]
    stored: int  # the embedded server's posts found on disk after its kill -9
    quiet: list[float | None]  # how busy the machine was before each (--quiet-wait)


def ceiling_then_embedded(children: Children, tmp: Path, opts: Options, *, profile: bool) -> Sides:
    data_dir = tmp / "data"
    target = set_up(data_dir, channels=opts.channels)
    before = count_all(data_dir, target)

    ceiling_proc, ceiling_url = start_ceiling(children)
    quiet = [wait_for_quiet(opts.quiet_wait)] if opts.quiet_wait else []
    ceiling = drive(children, ceiling_url, target, opts, ceiling_proc.pid)
    children.stop(ceiling_proc)

    server, url = start_hubbub(children, data_dir)
    quiet += [wait_for_quiet(opts.quiet_wait)] if opts.quiet_wait else []
    embedded = drive(children, url, target, opts, server.pid, profile=profile)
    # The durability probe: every answered post must survive a kill -9.
    children.stop(server, kill=True)
    return Sides(ceiling, embedded, count_all(data_dir, target) - before, quiet)


def run(opts: Options) -> tuple[dict[str, Any], Path]:
    started_at = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    settings = settings_of(opts)
    children = Children()
    with (
        stop_on_sigterm(),
        tempfile.TemporaryDirectory(prefix="hubbub-bench-") as tmp,
    ):
        try:
            sides = ceiling_then_embedded(children, Path(tmp), opts, profile=True)
        finally:
            children.stop_all()
    result = post_result(
        ceiling=sides.ceiling,
        hubbub=sides.embedded,
        settings=settings,
        ok_answers=int(sides.embedded["ok_total"]),
        stored=sides.stored,
        started_at=started_at,
    )
    settings["machine_busy_before_pct"] = sides.quiet
    path = write_result(opts.out, "post", started_at, result)
    return result, path


def table(result: dict[str, Any]) -> Any:
    from rich.table import Table

    s = result["settings"]
    title = f"chat.postMessage, {s['connections']} connections, {s['duration_s']:g} s each"
    out = Table(title=title)
    columns = ("", "posts/s", "p50 ms", "p99 ms", "max ms", "errors", "server cpu", "other cpu")
    for column in columns:
        out.add_column(column, justify="left" if not column else "right")
    for name in ("ceiling", "hubbub"):
        side = result[name]
        cpu = side.get("cpu_pct", {})
        out.add_row(
            name,
            f"{side['posts_per_s']:,.0f}",
            f"{side['p50_ms']:.2f}",
            f"{side['p99_ms']:.2f}",
            f"{side['max_ms']:.2f}",
            str(side["errors"]),
            f"{cpu['server']:.0f}%" if "server" in cpu else "-",
            f"{cpu['other']:.0f}%" if "other" in cpu else "-",
        )
    mark = "meets" if result["meets_target"] else "below"
    durable = result["durability"]
    out.caption = (
        f"ratio {result['ratio']:.1%} ({mark} the {TARGET_RATIO:.0%} target); durable "
        f"{result['durable_check']} ({durable['stored']} stored / {durable['ok_answers']} ok)"
    )
    if result.get("noisy"):
        out.caption += "\nnoisy: other processes used the CPU during a window; run again"
    return out
