"""`hubbub bench`: the benchmark scenarios' commands, added to the `hubbub` command by the
`hubbub.commands` entry point of this package (not shipped with the server)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

bench = typer.Typer(help="Benchmarks on 127.0.0.1; results as JSON in bench/results/.")

# `hubbub bench ... --cluster N`: the benches' cluster sizes.
ClusterSizes = Annotated[
    int,
    typer.Option(
        min=0,
        max=16,
        help="Also `hubbub cluster up` with 1, 2, 4 .. N processes on PostgreSQL + Redis.",
    ),
]


@bench.command("post")
def bench_post(
    duration: Annotated[float, typer.Option(min=1, max=600, help="Seconds measured, each.")] = 10,
    connections: Annotated[int, typer.Option(min=1, max=1024, help="Keep-alive clients.")] = 32,
    warmup: Annotated[float, typer.Option(min=0, max=60, help="Seconds before measuring.")] = 1.5,
    body: Annotated[str, typer.Option(help="json (as slack_sdk sends) or form.")] = "json",
    out: Annotated[Path, typer.Option(help="Where the JSON result goes.")] = Path("bench/results"),
    profile: Annotated[
        Path | None, typer.Option(help="py-spy the server into this file (.json, .svg, .txt).")
    ] = None,
    quiet_wait: Annotated[
        float, typer.Option(min=0, max=600, help="Wait up to S s for an idle machine, each.")
    ] = 0,
    channels: Annotated[
        int, typer.Option(min=1, max=1024, help="Spread the posts over this many channels.")
    ] = 1,
    cluster: ClusterSizes = 0,
    cluster_connections: Annotated[
        int | None,
        typer.Option(min=1, max=1024, help="Keep-alive clients for the clusters (--connections)."),
    ] = None,
    invalid: Annotated[
        int,
        typer.Option(
            min=0, max=100, help="Instead: P% of posts refused, beside none, on one server."
        ),
    ] = 0,
) -> None:
    """chat.postMessage over HTTP: hubbub's rate beside a bare Starlette endpoint's."""
    from rich.console import Console

    from hubbub_bench.post import Options, run, table

    if body not in ("json", "form"):
        raise typer.BadParameter("json or form", param_hint="--body")
    opts = Options(duration, connections, warmup, body, out, profile, quiet_wait, channels, invalid)
    if invalid:
        from hubbub_bench import postinvalid

        result, path = postinvalid.run(opts)
        Console(stderr=True).print(postinvalid.table(result))
    elif cluster:
        from hubbub_bench import postcluster

        with _services_needed():
            result, path = postcluster.run(opts, cluster, cluster_connections=cluster_connections)
        _wide_console().print(postcluster.table(result))
    else:
        result, path = run(opts)
        Console(stderr=True).print(table(result))
    typer.echo(str(path))


def _wide_console() -> Any:
    """Where stderr is not a terminal (a log file), the cluster tables get room for their
    columns instead of rich's 80."""
    from rich.console import Console

    return Console(stderr=True, width=None if sys.stderr.isatty() else 160)


@contextlib.contextmanager
def _services_needed() -> Iterator[None]:
    """A cluster bench without PostgreSQL or Redis says so and exits with 2."""
    from hubbub_bench.cluster import Unavailable

    try:
        yield
    except Unavailable as exc:
        typer.echo(f"hubbub bench: {exc}", err=True)
        raise typer.Exit(2) from exc


FAN_POSTS = 200
SHARED_FAN_POSTS = 600


@bench.command("fanout")
def bench_fanout(
    members: Annotated[int, typer.Option(min=1, max=20000, help="Connected members.")] = 1000,
    posts: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=900,
            help=f"Posts per phase (default {FAN_POSTS}; {SHARED_FAN_POSTS} with --shared, whose "
            "ratios of two bursts of 200, under a second each, swung by a third between runs).",
            show_default=False,
        ),
    ] = None,
    rate: Annotated[float, typer.Option(min=1, max=1000, help="Posts/s, paced phase.")] = 20,
    out: Annotated[Path, typer.Option(help="Where the JSON result goes.")] = Path("bench/results"),
    cluster: ClusterSizes = 0,
    shared: Annotated[
        int,
        typer.Option(
            min=0,
            max=100,
            help="Instead: the channel unshared, then shared with N other workspaces, embedded "
            "and on a cluster over two PostgreSQL shards (--cluster: its processes, default 2).",
        ),
    ] = 0,
) -> None:
    """RTM fan-out: N sockets in one channel, hubbub's deliveries/s beside a bare uvloop server."""
    from rich.console import Console

    from hubbub_bench.fanout import FanOptions, run, table

    if posts is None:
        posts = SHARED_FAN_POSTS if shared else FAN_POSTS
    opts = FanOptions(members, posts, rate, out, shared=shared)
    if shared:
        from hubbub_bench import fanshared

        with _services_needed():
            result, path = fanshared.run(opts, cluster or 2)
        _wide_console().print(fanshared.table(result))
    elif cluster:
        from hubbub_bench import fancluster

        with _services_needed():
            result, path = fancluster.run(opts, cluster)
        _wide_console().print(fancluster.table(result))
    else:
        result, path = run(opts)
        Console(stderr=True).print(table(result))
    typer.echo(str(path))


@bench.command("jobs")
def bench_jobs(
    duration: Annotated[float, typer.Option(min=1, max=120, help="Seconds measured, each.")] = 8,
    warmup: Annotated[float, typer.Option(min=0, max=60, help="Seconds before measuring.")] = 1.5,
    jobs: Annotated[
        int | None, typer.Option(min=1, help="Queue at most N jobs per scenario.")
    ] = None,
    concurrency: Annotated[
        int, typer.Option(min=1, max=1024, help="Jobs at a time: the runner's, each worker's.")
    ] = 512,
    producers: Annotated[int, typer.Option(min=1, max=1024, help="Commits in flight.")] = 256,
    workers: Annotated[int, typer.Option(min=1, max=16, help="Worker processes on Redis.")] = 2,
    out: Annotated[Path, typer.Option(help="Where the JSON result goes.")] = Path("bench/results"),
    quiet_wait: Annotated[
        float, typer.Option(min=0, max=600, help="Wait up to S s for an idle machine, each.")
    ] = 0,
    profile: Annotated[
        Path | None,
        typer.Option(
            help="py-spy each process measured into PATH-embedded (-redis-producer, ...)."
        ),
    ] = None,
) -> None:
    """Background jobs end to end, embedded and on Redis workers, beside redis-benchmark."""
    from hubbub_bench.jobs import JobsOptions, run, table

    opts = JobsOptions(
        duration=duration,
        warmup=warmup,
        jobs=jobs,
        concurrency=concurrency,
        producers=producers,
        workers=workers,
        out=out,
        quiet_wait=quiet_wait,
        profile=profile,
    )
    result, path = run(opts)
    _wide_console().print(table(result))
    typer.echo(str(path))


@bench.command("search")
def bench_search(
    messages: Annotated[
        int, typer.Option(min=1000, max=10_000_000, help="In the workspace.")
    ] = 1_000_000,
    channels: Annotated[int, typer.Option(min=1, max=100_000, help="They are spread over.")] = 1000,
    per_kind: Annotated[int, typer.Option(min=5, max=1000, help="Queries timed per kind.")] = 40,
    post_seconds: Annotated[
        float, typer.Option(min=1, max=120, help="Each turn of posting, with the index or without.")
    ] = 10.0,
    turns: Annotated[int, typer.Option(min=1, max=20, help="Turns of posting per side.")] = 3,
    store: Annotated[
        list[str] | None, typer.Option(help="sqlite and/or postgres (default: both).")
    ] = None,
    out: Annotated[Path, typer.Option(help="Where the JSON result goes.")] = Path("bench/results"),
    keep: Annotated[
        Path | None,
        typer.Option(help="Seed into this directory (and a kept database) once, reuse it after."),
    ] = None,
    pg_buffers: Annotated[
        str | None,
        typer.Option(
            help="PostgreSQL on a server of the bench's own with this shared_buffers (e.g. 2GB),"
            " as docs/deploy.md sizes it; else the machine's server."
        ),
    ] = None,
) -> None:
    """Search: query p50/p99 per kind over N messages, the index's cost on posting, its size."""

    from hubbub_bench.searchrun import SearchOptions, run, table

    stores = _stores(store)
    opts = SearchOptions(
        messages,
        channels,
        per_kind=per_kind,
        post_seconds=post_seconds,
        turns=turns,
        stores=stores,
        out=out,
        keep=keep,
        pg_buffers=pg_buffers,
    )
    result, path = run(opts)
    _wide_console().print(table(result))
    typer.echo(str(path))


@bench.command("web")
def bench_web(
    runs: Annotated[int, typer.Option(min=1, max=50, help="Cold loads, and warm ones.")] = 5,
    timeout: Annotated[
        float, typer.Option(min=1, max=300, help="Seconds a load may take to show a message.")
    ] = 15,
    messages: Annotated[int, typer.Option(min=1, max=100_000, help="In the channel.")] = 10_000,
    channels: Annotated[int, typer.Option(min=3, max=10_000, help="In the workspace.")] = 1000,
    people: Annotated[int, typer.Option(min=2, max=50_000, help="In the workspace.")] = 5000,
    out: Annotated[Path, typer.Option(help="Where the JSON result goes.")] = Path("bench/results"),
) -> None:
    """The browser client in Chromium: time to the first message of a long channel, and bytes."""
    from rich.console import Console

    from hubbub_bench.web import WebOptions, run, table
    from hubbub_bench.webseed import Shape

    authors = min(Shape.authors, people - 1)
    shape = Shape(people=people, channels=channels, messages=messages, authors=authors)
    result, path = run(WebOptions(runs, timeout, out, shape))
    Console(stderr=True).print(table(result))
    typer.echo(str(path))
    if result["error"]:
        typer.echo(f"hubbub bench web: {result['error']}", err=True)
        raise typer.Exit(1)


@bench.command("files")
def bench_files(
    reps_small: Annotated[int, typer.Option(min=1, max=1000, help="Repetitions at 1 MB.")] = 20,
    reps_large: Annotated[int, typer.Option(min=1, max=100, help="Repetitions at 100 MB.")] = 3,
    big_mb: Annotated[
        int, typer.Option(min=0, max=1024, help="The upload whose server RSS is watched (0: none).")
    ] = 1000,
    uploaders: Annotated[
        int, typer.Option(min=0, max=64, help="1 MB uploads at once, after the rest (0: none).")
    ] = 8,
    out: Annotated[Path, typer.Option(help="Where the JSON result goes.")] = Path("bench/results"),
    profile: Annotated[
        Path | None, typer.Option(help="py-spy the server into this file (.json, .svg, .txt).")
    ] = None,
    quiet_wait: Annotated[
        float, typer.Option(min=0, max=600, help="Wait up to S s for an idle machine first.")
    ] = 0,
) -> None:
    """Files: upload and download through hubbub beside raw disk writes and a bare FileResponse."""
    from hubbub_bench.files import FilesOptions, run, table

    opts = FilesOptions(
        out=out,
        reps_small=reps_small,
        reps_large=reps_large,
        big_mb=big_mb,
        uploaders=uploaders,
        profile=profile,
        quiet_wait=quiet_wait,
    )
    result, path = run(opts)
    _wide_console().print(table(result))
    typer.echo(str(path))


@bench.command("import")
def bench_import(
    messages: Annotated[
        int, typer.Option(min=1000, max=10_000_000, help="In the export.")
    ] = 1_000_000,
    channels: Annotated[int, typer.Option(min=1, max=100_000, help="Public channels.")] = 500,
    people: Annotated[int, typer.Option(min=2, max=100_000, help="In users.json.")] = 2000,
    store: Annotated[
        list[str] | None, typer.Option(help="sqlite and/or postgres (default: both).")
    ] = None,
    out: Annotated[Path, typer.Option(help="Where the JSON result goes.")] = Path("bench/results"),
) -> None:
    """import-slack of a generated export: messages/s and the importer's peak RSS, per store."""
    from hubbub_bench.slackimport import ImportOptions, run, table

    stores = _stores(store)
    opts = ImportOptions(messages, channels, people, stores=stores, out=out)
    result, path = run(opts)
    _wide_console().print(table(result))
    typer.echo(str(path))


def _stores(given: list[str] | None) -> tuple[str, ...]:
    """The stores a scenario runs on (--store, repeatable): both unless told."""
    stores = tuple(given or ("sqlite", "postgres"))
    if not set(stores) <= {"sqlite", "postgres"}:
        raise typer.BadParameter("sqlite or postgres", param_hint="--store")
    return stores


@bench.command("room")
def bench_room(
    members: Annotated[
        int, typer.Option(min=2, max=100_000, help="In the channel, each with a socket.")
    ] = 20_000,
    gateways: Annotated[int, typer.Option(min=1, max=16, help="`cluster up` processes.")] = 5,
    seconds: Annotated[float, typer.Option(min=1, max=600, help="Of paced posting.")] = 60,
    every: Annotated[float, typer.Option(min=0.1, max=60, help="Seconds between posts.")] = 2,
    burst: Annotated[int, typer.Option(min=0, max=100, help="Posts at once after.")] = 10,
    kill_gateway: Annotated[
        bool,
        typer.Option(help="Then kill -9 the busiest gateway, posting on, until all are back."),
    ] = False,
    kills: Annotated[
        int, typer.Option(min=1, max=15, help="With --kill-gateway: the N busiest, at once.")
    ] = 1,
    jitter: Annotated[
        float, typer.Option(min=0, max=120, help="Longest random pause before a reconnect.")
    ] = 5,
    client_processes: Annotated[
        int, typer.Option(min=0, max=64, help="Load generator processes (0: one per 10,000).")
    ] = 0,
    addresses: Annotated[
        int,
        typer.Option(
            min=0, max=200, help="Source addresses 127.0.0.2.. for the sockets (0: one per 20,000)."
        ),
    ] = 0,
    connect_concurrency: Annotated[
        int, typer.Option(min=1, max=4096, help="Connects in flight over all clients.")
    ] = 64,
    out: Annotated[Path, typer.Option(help="Where the JSON result goes.")] = Path("bench/results"),
) -> None:
    """A room: N members on RTM over gateway processes; connect, fan-out, memory, a kill."""
    from hubbub_bench.room import RoomOptions, run
    from hubbub_bench.roomresult import table

    opts = RoomOptions(
        members=members,
        out=out,
        gateways=gateways,
        seconds=seconds,
        every=every,
        burst=burst,
        kill_gateway=kill_gateway,
        kills=kills,
        jitter=jitter,
        client_processes=client_processes,
        addresses=addresses,
        connect_concurrency=connect_concurrency,
    )
    with _services_needed():
        result, path = run(opts)
    _wide_console().print(table(result))
    typer.echo(str(path))
