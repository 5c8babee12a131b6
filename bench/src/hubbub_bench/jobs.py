"""`hubbub bench jobs`: background jobs end to end, queued in a unit of work and run by a
handler, beside redis-benchmark's stream rates on the same machine (the ceiling).

One invocation measures, in turn:

1. **ceiling**: Debian's `redis-benchmark` against 127.0.0.1:6379, `XADD <key> * f v` (which
   also fills the stream), then `XREADGROUP GROUP g c COUNT 1 STREAMS <key> >` on it after
   `XGROUP CREATE <key> g 0`, with the same -c and -n, so every read takes one entry. The
   ceiling is the lower of the two rates.
2. **embedded**: this process, a hub on a fresh SQLite data directory, a JobRunner over the jobs
   tables (SqlQueue), producers committing units of work that each queue one `bench` job, as
   `hubbub serve` would (uvloop).
3. **redis**: the same producers on `job_queue = "redis"` with a StreamRelay in this process,
   and N `python -m hubbub_bench.jobworker` processes (`jobs.admin.work`, as `hubbub worker`).

Each scenario: a warm-up, then a window of `duration` seconds; jobs/s is the jobs finished in the
window over its length, the latencies those of the jobs whose handler started in it (start time
minus the enqueue time the unit of work put in the payload). Everything talks to 127.0.0.1; the
workers are stopped with SIGTERM; the bench's Redis keys (one prefix) are deleted afterwards.
Without Redis or redis-benchmark the parts that need them are skipped, and the result says so.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import platform
import resource
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hubbub
from hubbub_bench import results
from hubbub_bench.cpu import cpu_snapshot, cpu_use, pids_named
from hubbub_bench.jobstats import (
    JOBS_TARGET_RATIO,
    ceiling_of,
    in_window,
    jobs_result,
    parse_redis_benchmark,
    scenario_summary,
)
from hubbub_bench.jobworker import KIND, bench_kind, ready_key, samples_key
from hubbub_bench.post import Children, git_version, stop_on_sigterm, wait_for_quiet

REDIS_URL = "redis://127.0.0.1:6379/0"
READY_TIMEOUT_S = 30.0
POLL_S = 0.02


@dataclass(frozen=True)
class JobsOptions:
    duration: float = 8.0
    warmup: float = 1.5
    jobs: int | None = None  # at most this many queued per scenario (warm-up included)
    # Enough load to find the rate: with 32 units in flight (the default until 2026-12-01) the
    # producers' group commits, ~20 units per fsync, bound it. A runner claims `concurrency`
    # jobs per write, so at 128 the embedded one fell behind the producers (a backlog of
    # seconds), and at 16 the workers did (docs/benchmarks.md).
    concurrency: int = 512  # jobs at a time: the runner's, and each worker's
    producers: int = 256  # units of work in flight
    workers: int = 2
    redis_clients: int = 50  # redis-benchmark -c
    redis_requests: int = 200_000  # redis-benchmark -n
    out: Path = Path("bench/results")
    quiet_wait: float = 0.0
    profile: Path | None = None  # py-spy this process during the embedded window


def _now_us() -> int:
    return time.time_ns() // 1000


def _notes(raw: list[str] | list[bytes]) -> list[tuple[int, int]]:
    pairs = []
    for note in raw:
        text = note.decode() if isinstance(note, bytes) else note
        at, _, lat = text.partition(":")
        pairs.append((int(at), int(lat)))
    return pairs


# -- 1. the ceiling -----------------------------------------------------------------------------


def redis_reachable(url: str) -> str | None:
    """None if Redis answers at url, else why not."""
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=1.0, socket_timeout=2.0)
    try:
        client.ping()
    except redis.RedisError as exc:
        return f"Redis at {url} does not answer ({exc})"
    finally:
        client.close()
    return None


def _redis_benchmark(exe: str, opts: JobsOptions, *command: str) -> tuple[float, dict[str, Any]]:
    """One redis-benchmark run: its rate, and the CPU of redis-server and of the tool."""
    argv = [exe, "-h", "127.0.0.1", "-p", "6379", "-c", str(opts.redis_clients)]
    argv += ["-n", str(opts.redis_requests), "--csv", *command]
    pids = {"redis-server": pids_named("redis-server")}
    before, children = cpu_snapshot(pids), resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=True)
    window = time.monotonic() - started
    after, children_after = cpu_snapshot(pids), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = cpu_use(before, after, window)
    tool = children_after.ru_utime + children_after.ru_stime
    tool -= children.ru_utime + children.ru_stime
    if cpu:
        cpu["redis-benchmark"] = round(100.0 * tool / window, 1)
        cpu["other"] = round(max(0.0, cpu["other"] - cpu["redis-benchmark"]), 1)
    rates = parse_redis_benchmark(done.stdout)
    if not rates:
        raise RuntimeError(f"no rate in redis-benchmark's output: {done.stdout[:200]!r}")
    return next(iter(rates.values())), {"command": " ".join(command), "cpu_pct": cpu}


def ceiling_run(opts: JobsOptions, prefix: str) -> dict[str, Any]:
    import redis

    exe = shutil.which("redis-benchmark")
    assert exe is not None  # the caller checked
    key = f"{prefix}ceiling"
    client = redis.Redis.from_url(REDIS_URL)
    try:
        add_rate, add = _redis_benchmark(exe, opts, "XADD", key, "*", "f", "v")
        client.xgroup_create(key, "g", id="0")
        cmd = ("XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", key, ">")
        read_rate, read = _redis_benchmark(exe, opts, *cmd)
        group: Any = client.xinfo_groups(key)
        read["entries_read"] = int(group[0].get("entries-read") or 0) if group else None
    finally:
        client.delete(key)
        client.close()
    rates = {"xadd": add_rate, "xreadgroup": read_rate}
    busiest = max((add, read), key=lambda side: side["cpu_pct"].get("other", 0.0))
    return {
        "ops_per_s": ceiling_of(rates),
        "xadd_per_s": add_rate,
        "xreadgroup_per_s": read_rate,
        "xadd": add,
        "xreadgroup": read,
        "clients": opts.redis_clients,
        "requests": opts.redis_requests,
        "cpu_pct": busiest["cpu_pct"],
        "method": (
            f"redis-benchmark -c {opts.redis_clients} -n {opts.redis_requests}: XADD on a fresh "
            "stream (filling it), then XGROUP CREATE g at 0 and XREADGROUP COUNT 1 of one "
            "consumer, each read taking one new entry; no XACK/XDEL (redis-benchmark runs one "
            "command per request). The ceiling is the lower rate."
        ),
    }


# -- producers and the window -------------------------------------------------------------------


@dataclass
class Producers:
    """Tasks committing units of work that each queue one bench job, as fast as they can."""

    hub: Any
    team_id: str
    count: int
    limit: int | None
    committed: int = 0
    _reserved: int = 0
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def _unit(self, _tx: Any, log: Any) -> None:
        # The enqueue time, taken as the unit of work runs in the writer.
        log.job(self.team_id, KIND, {"t": _now_us()})

    async def _produce(self) -> None:
        while not self._stop.is_set():
            if self.limit is not None and self._reserved >= self.limit:
                return
            self._reserved += 1
            await self.hub.commit(self.team_id, self._unit)
            self.committed += 1

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._produce()) for _ in range(self.count)]

    async def stop(self) -> None:
        """Lets each finish the commit it is in."""
        self._stop.set()
        await asyncio.gather(*self._tasks)


@dataclass
class Window:
    start_us: int
    end_us: int
    seconds: float
    done: int
    enqueued: int
    cpu_pct: dict[str, float]


async def measure(
    opts: JobsOptions,
    done: Callable[[], Awaitable[int]],
    producers: Producers,
    pids: dict[str, Any],
    *,
    on_start: Callable[[], None] | None = None,
) -> Window:
    """Warm-up, then the window: until duration is up, or every job of --jobs is done."""
    await asyncio.sleep(opts.warmup)
    if on_start is not None:
        on_start()
    done0, queued0, cpu0 = await done(), producers.committed, cpu_snapshot(pids)
    start_us, started = _now_us(), time.monotonic()
    finished = done0
    while time.monotonic() - started < opts.duration:
        await asyncio.sleep(POLL_S)
        if opts.jobs is not None:
            finished = await done()
            if finished >= opts.jobs:
                break
    finished = await done()
    seconds, end_us = time.monotonic() - started, _now_us()
    cpu = cpu_use(cpu0, cpu_snapshot(pids), seconds)
    return Window(start_us, end_us, seconds, finished - done0, producers.committed - queued0, cpu)


def _summary(window: Window, notes: list[tuple[int, int]], **extra: Any) -> dict[str, Any]:
    latencies = in_window(notes, window.start_us, window.end_us)
    summary = scenario_summary(
        done=window.done,
        enqueued=window.enqueued,
        window_s=window.seconds,
        latencies_us=latencies,
        cpu_pct=window.cpu_pct,
    )
    return {**summary, **extra}


async def _workspace(hub: Any) -> str:
    from hubbub.services import workspaces

    team = await workspaces.create_workspace(hub, "Bench", "bench-jobs")
    return team.id


# -- 2. embedded --------------------------------------------------------------------------------


async def embedded_run(opts: JobsOptions, data_dir: Path, children: Children) -> dict[str, Any]:
    from hubbub.app import build_hub, job_lease_s
    from hubbub.config import Settings
    from hubbub.jobs.kinds import kinds
    from hubbub.jobs.queue import SqlQueue
    from hubbub.jobs.runner import JobRunner

    hub = build_hub(Settings(data_dir=data_dir))
    try:
        team_id = await _workspace(hub)
        raw: list[str] = []
        table = kinds({KIND: bench_kind(raw)})
        queue = SqlQueue(hub, lease_s=job_lease_s(table))
        runner = JobRunner(hub, queue, table, concurrency=opts.concurrency)
        hub.jobs_queued = runner.wake
        producers = Producers(hub, team_id, opts.producers, opts.jobs)
        runner.start()
        producers.start()

        async def done() -> int:
            return runner.done

        profile = (
            (lambda: _profile(children, opts, os.getpid(), "embedded")) if opts.profile else None
        )
        window = await measure(opts, done, producers, {"bench": os.getpid()}, on_start=profile)
        await producers.stop()
        await runner.stop()
        return _summary(window, _notes(raw), backlog=producers.committed - runner.done)
    finally:
        await hub.close()


def _profile(children: Children, opts: JobsOptions, pid: int, name: str) -> None:
    """py-spy on a process for the window (an optional tool, not a dependency), into the
    --profile path with the scenario's part in its name."""
    assert opts.profile is not None
    out = opts.profile.with_name(f"{opts.profile.stem}-{name}{opts.profile.suffix}")
    exe = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(exe).exists():
        print("py-spy not found; no profile taken", file=sys.stderr)
        return
    fmt = {".json": "speedscope", ".svg": "flamegraph"}.get(opts.profile.suffix, "raw")
    argv = [exe, "record", "--pid", str(pid), "--duration", str(int(opts.duration))]
    argv += ["--rate", "250", "--threads", "--nonblocking", "--format", fmt]
    children.start([*argv, "--output", str(out)])


# -- 3. workers on Redis Streams ----------------------------------------------------------------


async def _wait_ready(redis: Any, key: str, procs: list[subprocess.Popen[bytes]]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while int(await redis.get(key) or 0) < len(procs):
        for proc in procs:
            if proc.poll() is not None:
                raise RuntimeError(f"a bench worker exited with {proc.returncode} at start")
        if time.monotonic() > deadline:
            raise RuntimeError(f"the bench workers were not ready in {READY_TIMEOUT_S:g} s")
        await asyncio.sleep(POLL_S)


async def redis_run(
    opts: JobsOptions, data_dir: Path, prefix: str, children: Children
) -> dict[str, Any]:
    from redis.asyncio import Redis

    from hubbub.app import build_hub, job_streams
    from hubbub.config import Settings
    from hubbub.jobs.streams import StreamRelay

    settings = Settings(
        data_dir=data_dir, job_queue="redis", redis_url=REDIS_URL, redis_prefix=prefix
    )
    hub = build_hub(settings)
    redis = Redis.from_url(REDIS_URL)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        team_id = await _workspace(hub)
        streams = job_streams(hub, settings)
        await streams.ensure_group()
        relay = StreamRelay(hub, streams)
        env = dict(
            os.environ,
            HUBBUB_JOB_QUEUE="redis",
            HUBBUB_REDIS_URL=REDIS_URL,
            HUBBUB_REDIS_PREFIX=prefix,
        )
        argv = [sys.executable, "-m", "hubbub_bench.jobworker", str(data_dir)]
        procs = [children.start([*argv, str(opts.concurrency)], env) for _ in range(opts.workers)]
        await _wait_ready(redis, ready_key(prefix), procs)  # start-up is not measured

        async def done() -> int:
            return int(await redis.hget(streams.counters, f"{KIND}:done") or 0)

        producers = Producers(hub, team_id, opts.producers, opts.jobs)
        relay.start()
        producers.start()
        pids = {
            "producer": os.getpid(),
            "workers": [p.pid for p in procs],
            "redis-server": pids_named("redis-server"),
        }

        def profile() -> None:
            _profile(children, opts, os.getpid(), "redis-producer")
            _profile(children, opts, procs[0].pid, "redis-worker")

        window = await measure(
            opts, done, producers, pids, on_start=profile if opts.profile else None
        )
        await producers.stop()
        finished = await done()
        for proc in procs:
            proc.terminate()  # SIGTERM: each flushes its last notes
        for proc in procs:
            children.stop(proc)
        raw: Any = await redis.lrange(samples_key(prefix), 0, -1)
        await relay.stop()
        stream_left = await redis.xlen(streams.stream)
        return _summary(
            window,
            _notes(raw),
            backlog=producers.committed - finished,
            stream_left=stream_left,
            workers=opts.workers,
        )
    finally:
        for proc in procs:
            children.stop(proc)
        keys = [key async for key in redis.scan_iter(match=f"{prefix}*")]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()
        await hub.close()


# -- the whole run ------------------------------------------------------------------------------


def settings_of(opts: JobsOptions) -> dict[str, Any]:
    return {
        "git": git_version(),
        "duration_s": opts.duration,
        "warmup_s": opts.warmup,
        "jobs": opts.jobs,
        "concurrency": opts.concurrency,
        "producers": opts.producers,
        "workers": opts.workers,
        "redis_benchmark": {"clients": opts.redis_clients, "requests": opts.redis_requests},
        "handler": "notes start time and latency in memory (workers: flushed to Redis every 0.2 s)",
        "job_spec": "timeout 5 s, no per-workspace rate limit (one workspace)",
        "embedded_loop": "uvloop (as hubbub serve)",
        "worker_loop": "uvloop (as hubbub worker)",
        "sqlite_synchronous": "FULL",
        "sqlite_version": sqlite3.sqlite_version,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "hubbub": hubbub.__version__,
        "profiled": opts.profile is not None,
        "loadavg_before": [round(v, 2) for v in os.getloadavg()],
    }


def _uvloop_run(coro: Awaitable[dict[str, Any]]) -> dict[str, Any]:
    import uvloop

    async def main() -> dict[str, Any]:
        return await coro

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main())


def run(opts: JobsOptions) -> tuple[dict[str, Any], Path]:
    started_at = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    stamp = results.stamp(started_at)
    prefix = f"hubbub-bench-jobs-{stamp}-{secrets.token_hex(3)}:"
    settings = settings_of(opts)
    settings["redis_prefix"] = prefix
    skipped: dict[str, str] = {}
    scenarios: dict[str, dict[str, Any]] = {}
    ceiling = None
    quiet: list[float | None] = []
    no_redis = redis_reachable(REDIS_URL)
    children = Children()
    with stop_on_sigterm(), tempfile.TemporaryDirectory(prefix="hubbub-bench-jobs-") as tmp:
        try:
            if no_redis:
                skipped["ceiling"] = skipped["redis"] = no_redis
            elif shutil.which("redis-benchmark") is None:
                skipped["ceiling"] = "redis-benchmark is not installed (Debian: redis-tools)"
            else:
                quiet += [wait_for_quiet(opts.quiet_wait)] if opts.quiet_wait else []
                ceiling = ceiling_run(opts, prefix)
            quiet += [wait_for_quiet(opts.quiet_wait)] if opts.quiet_wait else []
            scenarios["embedded"] = _uvloop_run(
                embedded_run(opts, Path(tmp) / "embedded", children)
            )
            if not no_redis:
                quiet += [wait_for_quiet(opts.quiet_wait)] if opts.quiet_wait else []
                scenarios[f"redis, {opts.workers} workers"] = _uvloop_run(
                    redis_run(opts, Path(tmp) / "redis", prefix, children)
                )
        finally:
            children.stop_all()
    settings["machine_busy_before_pct"] = quiet
    result = jobs_result(
        ceiling=ceiling,
        scenarios=scenarios,
        settings=settings,
        started_at=started_at,
        skipped=skipped,
    )
    path = results.write_result(opts.out, "jobs", started_at, result)
    return result, path


def table(result: dict[str, Any]) -> Any:
    from rich.table import Table

    s = result["settings"]
    title = (
        f"background jobs end to end, {s['duration_s']:g} s each, {s['producers']} producers, "
        f"concurrency {s['concurrency']}"
    )
    out = Table(title=title)
    columns = ("", "jobs/s", "p50 ms", "p99 ms", "of ceiling", "target", "cpu")
    for column in columns:
        out.add_column(column, justify="left" if column in ("", "cpu") else "right")
    ceiling = result["ceiling"]
    if ceiling:
        for name in ("xadd", "xreadgroup"):
            cpu = ceiling[name]["cpu_pct"]
            out.add_row(
                f"redis-benchmark {name.upper()}",
                f"{ceiling[name + '_per_s']:,.0f}",
                "",
                "",
                "",
                "",
                _cpu(cpu, ("redis-server", "redis-benchmark")),
            )
    for name, side in result["scenarios"].items():
        met = side["meets_target"]
        out.add_row(
            name,
            f"{side['jobs_per_s']:,.0f}",
            f"{side['p50_ms']:.2f}",
            f"{side['p99_ms']:.2f}",
            "-" if side["ratio_to_ceiling"] is None else f"{side['ratio_to_ceiling']:.1%}",
            "-" if met is None else ("met" if met else "below"),
            _cpu(side["cpu_pct"], ("bench", "producer", "workers", "redis-server")),
        )
    notes = [f"target: at least {JOBS_TARGET_RATIO:.0%} of the ceiling"]
    if ceiling:
        notes[0] += f" ({ceiling['ops_per_s']:,.0f}/s, the lower of XADD and XREADGROUP)"
        notes.append(ceiling["method"])
    notes += [f"skipped {name}: {why}" for name, why in result["skipped"].items()]
    if result["noisy"]:
        notes.append("noisy: other processes used the CPU during a window; run again")
    out.caption = "\n".join(notes)
    return out


def _cpu(cpu: dict[str, float], names: tuple[str, ...]) -> str:
    shown = [f"{name} {cpu[name]:.0f}%" for name in names if name in cpu]
    if "other" in cpu:
        shown.append(f"other {cpu['other']:.0f}%")
    return ", ".join(shown) or "-"
