"""The `hubbub` command: serve, worker, cluster, admin (cli_admin.py), and bench where installed."""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path
from typing import Annotated

import structlog
import typer

from hubbub.cli_admin import ConfigFile, PublicUrl, admin
from hubbub.cli_slack import DataDir
from hubbub.config import load_settings

log = structlog.get_logger()

app = typer.Typer(help="hubbub: team messaging that speaks Slack's API.", no_args_is_help=True)
app.add_typer(admin, name="admin")
cluster = typer.Typer(help="Many processes on one host over PostgreSQL and Redis.")
app.add_typer(cluster, name="cluster")


@app.command()
def serve(
    data_dir: DataDir = Path("data"),
    host: Annotated[str | None, typer.Option(envvar="HUBBUB_HOST")] = None,
    port: Annotated[int | None, typer.Option(envvar="HUBBUB_PORT")] = None,
    config: ConfigFile = None,
    public_url: PublicUrl = None,
    reuse_port: Annotated[
        bool, typer.Option(help="Share the port with other processes (hubbub cluster up).")
    ] = False,
    gateway_port: Annotated[
        int | None,
        typer.Option(
            envvar="HUBBUB_GATEWAY_PORT",
            min=0,
            max=65535,
            help="Also listen on this port (0: any), registered as this process's own address"
            " for sockets (gateway_url), where rtm.connect may send clients.",
        ),
    ] = None,
) -> None:
    """Run the embedded server: Web API and web client on one port, data in one SQLite file."""
    import socket

    import uvicorn

    from hubbub.app import build_app, server_options
    from hubbub.descriptors import raise_open_files
    from hubbub.domain.urls import gateway_url_at

    settings = load_settings(config, data_dir=data_dir, host=host, port=port, public_url=public_url)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((settings.host, settings.port))
    # The port bound, which --port 0 leaves to the kernel: the URLs handed out name it.
    settings = settings.model_copy(update={"port": sock.getsockname()[1]})
    sockets = [sock]
    if gateway_port is not None:
        own = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        own.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        own.bind((settings.host, gateway_port))
        sockets.append(own)
        if settings.gateway_url is None:
            url = gateway_url_at(settings.base_url, own.getsockname()[1])
            settings = settings.model_copy(update={"gateway_url": url})
    if settings.public_url is None and settings.host in ("0.0.0.0", ""):
        log.warning(
            "public_url_unset",
            url=settings.base_url,
            why="URLs handed out name an address that clients elsewhere cannot reach: "
            "set --public-url",
        )
    where = (
        f"{len(settings.shards)} PostgreSQL shards"
        if settings.shards
        else "PostgreSQL"
        if settings.database_url
        else settings.database
    )
    soft, hard = raise_open_files()
    log.info(
        "serving",
        url=settings.base_url,
        data=str(where),
        role=settings.role,
        gateway_url=settings.gateway_url,
        open_files=soft,
        open_files_hard=hard,
    )
    server = uvicorn.Server(uvicorn.Config(build_app(settings), **server_options(settings)))
    server.run(sockets=sockets)


@cluster.command("up")
def cluster_up(
    config: Annotated[Path, typer.Option("--config", envvar="HUBBUB_CONFIG")],
    processes: Annotated[int, typer.Option(min=1, max=64)] = 2,
    host: Annotated[str | None, typer.Option()] = None,
    port: Annotated[int | None, typer.Option()] = None,
    workers: Annotated[
        int, typer.Option(min=0, max=64, help='`hubbub worker` processes (job_queue = "redis").')
    ] = 0,
    gateway_ports: Annotated[
        int | None,
        typer.Option(
            min=0,
            max=65535,
            help="The first of the processes' own ports for sockets, one each counting up"
            " (0: any free ones). Default: the ports after the shared one.",
        ),
    ] = None,
) -> None:
    """Run N `hubbub serve` processes on one port (SO_REUSEPORT), each also on a port of its own
    for the sockets rtm.connect hands out, and any `hubbub worker`s, restarting any that dies."""
    from hubbub.supervisor import (
        NotShareable,
        Supervisor,
        check_shareable,
        forget_exited,
        serve_args,
    )

    try:
        check_shareable(load_settings(config))
    except NotShareable as exc:
        typer.echo(f"hubbub cluster: {exc}", err=True)
        raise typer.Exit(2) from exc
    settings = load_settings(config)
    if workers and settings.job_queue != "redis":
        typer.echo('hubbub cluster: --workers needs job_queue = "redis"', err=True)
        raise typer.Exit(2)
    if gateway_ports is None:
        shared = settings.port if port is None else port
        gateway_ports = shared + 1 if shared else 0
    supervisor = Supervisor(
        processes,
        serve_args(config, host, port),
        workers=workers,
        gateway_ports=gateway_ports,
        on_exit=forget_exited(settings),
    )
    raise typer.Exit(supervisor.run())


@app.command()
def worker(
    data_dir: DataDir = Path("data"),
    config: ConfigFile = None,
    concurrency: Annotated[int, typer.Option(min=1, max=1024)] = 16,
) -> None:
    """Run background jobs from Redis Streams (job_queue = "redis"), until SIGTERM."""
    import uvloop

    from hubbub.app import job_lease_s, job_streams, tool_hub
    from hubbub.domain.processes import WORKER_ROLE
    from hubbub.jobs import admin as jobs_admin
    from hubbub.jobs.kinds import kinds
    from hubbub.jobs.registration import Registration
    from hubbub.shared_settings import SharedSettingsWatch

    settings = load_settings(config, data_dir=data_dir)
    if settings.job_queue != "redis" or not settings.redis_url:
        typer.echo('hubbub worker: needs job_queue = "redis" and redis_url', err=True)
        raise typer.Exit(2)

    async def main() -> None:
        # Its jobs hand out URLs too (permalinks in notification email): the server's.
        hub = await tool_hub(settings)
        registration = Registration(hub, role=WORKER_ROLE, lease_s=settings.process_lease_s)
        shared = SharedSettingsWatch(hub, settings)  # tool_hub applied them once
        registration.start()
        shared.start()
        try:
            streams = job_streams(hub, settings)
            lease_s = job_lease_s(kinds(limits=settings.job_limits))
            await jobs_admin.work(hub, streams, concurrency=concurrency, lease_s=lease_s)
        finally:
            await shared.stop()
            await registration.stop()
            await hub.close()

    typer.echo(f"hubbub worker: {concurrency} at a time, from {settings.redis_url}", err=True)
    uvloop.run(main())  # the loop hubbub serve runs on


def _add_installed_commands() -> None:
    """Commands that other installed packages add through the `hubbub.commands` entry point:
    `hubbub bench` comes from the repository's bench/ package, which a server install leaves out."""
    names = set()
    for entry in entry_points(group="hubbub.commands"):
        app.add_typer(entry.load(), name=entry.name)
        names.add(entry.name)
    if "bench" not in names:

        @app.command(
            "bench",
            hidden=True,
            context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
        )
        def bench_missing() -> None:
            typer.echo(
                "hubbub bench: the benchmarks are the hubbub-bench package (bench/ in the "
                "repository); `make test` installs it, a server install does not.",
                err=True,
            )
            raise typer.Exit(2)


_add_installed_commands()


def main() -> None:
    from hubbub.logs import configure

    configure()
    app()
