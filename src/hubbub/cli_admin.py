"""`hubbub admin`: workspaces, people, bots, apps and webhooks, background jobs, search's index
and shards, from the command line, also while the server runs. Each command prints one JSON
object. Slack's export format is cli_slack.py, custom emoji cli_emoji.py; both add theirs here.
"""

from __future__ import annotations

import asyncio
import dataclasses
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer

from hubbub.cli_emoji import add_emoji_commands
from hubbub.cli_settings import add_settings_commands
from hubbub.cli_slack import DataDir, add_slack_commands
from hubbub.config import Settings, load_settings
from hubbub.domain.errors import SlackError
from hubbub.services.hub import Hub

admin = typer.Typer(help="Administer workspaces, people and bots (also while the server runs).")

ConfigFile = Annotated[
    Path | None,
    typer.Option(
        "--config",
        envvar="HUBBUB_CONFIG",
        help="A TOML file of settings (docs/deploy.md), e.g. database_url and redis_url.",
    ),
]
PublicUrl = Annotated[
    str | None,
    typer.Option(
        "--public-url",
        help="The address clients reach hubbub at (https://chat.example.com), the base of every "
        "URL handed out; also public_url in --config, or env HUBBUB_PUBLIC_URL.",
        show_default=False,
    ),
]
# `hubbub admin --config FILE --public-url URL <command>`: what every admin command runs with.
_admin_options: dict[str, Any] = {"config": None, "public_url": None}


@admin.callback()
def admin_options(config: ConfigFile = None, public_url: PublicUrl = None) -> None:
    """Without a public_url (--public-url, --config, env), URLs printed start with the address
    the server last started on the same data recorded."""
    _admin_options.update(config=config, public_url=public_url)


def _admin_settings(data_dir: Path | None = None) -> Settings:
    options = _admin_options
    return load_settings(options["config"], data_dir=data_dir, public_url=options["public_url"])


def _emit(obj: dict[str, Any]) -> None:
    sys.stdout.write(orjson.dumps(obj).decode() + "\n")


def _run_admin(data_dir: Path | None, work: Callable[[Hub], Awaitable[dict[str, Any]]]) -> None:
    from hubbub.app import tool_hub

    async def main() -> dict[str, Any]:
        hub = await tool_hub(_admin_settings(data_dir))
        try:
            return await work(hub)
        finally:
            await hub.close()

    try:
        _emit({"ok": True, **asyncio.run(main())})
    except SlackError as exc:
        _emit({"ok": False, "error": exc.code, **exc.extra})
        raise typer.Exit(1) from exc


@admin.command("create-workspace")
def create_workspace(
    name: Annotated[str, typer.Option()],
    domain: Annotated[str, typer.Option()],
    data_dir: DataDir = Path("data"),
) -> None:
    """Create a workspace; prints its team_id."""
    from hubbub.services import workspaces

    async def work(hub: Hub) -> dict[str, Any]:
        team = await workspaces.create_workspace(hub, name, domain)
        return {"team_id": team.id, "name": team.name, "domain": team.domain}

    _run_admin(data_dir, work)


@admin.command("create-user")
def create_user(
    domain: Annotated[str, typer.Option()],
    email: Annotated[str, typer.Option()],
    name: Annotated[str, typer.Option()],
    password: Annotated[str | None, typer.Option()] = None,
    is_admin: Annotated[bool, typer.Option("--admin")] = False,
    data_dir: DataDir = Path("data"),
) -> None:
    """Create a person in a workspace; prints their user_id and a user token."""
    from hubbub.services import workspaces

    async def work(hub: Hub) -> dict[str, Any]:
        account = await workspaces.create_user(
            hub, domain, email=email, name=name, password=password, admin=is_admin
        )
        return {"user_id": account.user.id, "team_id": account.user.team_id, "token": account.token}

    _run_admin(data_dir, work)


@admin.command("create-bot")
def create_bot(
    domain: Annotated[str, typer.Option()],
    name: Annotated[str, typer.Option()],
    data_dir: DataDir = Path("data"),
) -> None:
    """Create a bot user; prints its user_id, bot_id and bot token."""
    from hubbub.services import workspaces

    async def work(hub: Hub) -> dict[str, Any]:
        account = await workspaces.create_bot(hub, domain, name=name)
        return {
            "user_id": account.user.id,
            "bot_id": account.user.bot_id,
            "team_id": account.user.team_id,
            "token": account.token,
        }

    _run_admin(data_dir, work)


@admin.command("create-app")
def create_app(
    domain: Annotated[str, typer.Option()],
    name: Annotated[str, typer.Option()],
    events: Annotated[
        str, typer.Option(help="Event subscriptions: message.channels,app_mention,...")
    ] = "",
    scopes: Annotated[
        str | None,
        typer.Option(help="Bot token scopes (default chat:write,users:read; events add theirs)."),
    ] = None,
    request_url: Annotated[
        str | None, typer.Option(help="Events API: where events are POSTed (verified first).")
    ] = None,
    socket_mode: Annotated[
        bool, typer.Option("--socket-mode", help="Deliver over Socket Mode.")
    ] = False,
    command: Annotated[
        list[str] | None, typer.Option("--command", help="A slash command, e.g. /weather.")
    ] = None,
    interactivity_url: Annotated[
        str | None, typer.Option(help="Where presses on its blocks are POSTed (not verified).")
    ] = None,
    shortcut: Annotated[
        list[str] | None,
        typer.Option("--shortcut", help="A shortcut: global:<callback_id>:<name> or message:…"),
    ] = None,
    data_dir: DataDir = Path("data"),
) -> None:
    """Create an app: a bot user, its bot token, an app-level token and a signing secret."""
    from hubbub.domain.apps import parse_list
    from hubbub.services import apps

    async def work(hub: Hub) -> dict[str, Any]:
        made = await apps.create_app(
            hub,
            domain,
            name=name,
            events=parse_list(events),
            scopes=None if scopes is None else parse_list(scopes),
            request_url=request_url,
            socket_mode=socket_mode,
            commands=command or [],
            interactivity_url=interactivity_url,
            shortcuts=shortcut or [],
        )
        return {**apps.app_json(made.app), "bot_token": made.bot_token, "app_token": made.app_token}

    _run_admin(data_dir, work)


@admin.command("update-app")
def update_app(
    domain: Annotated[str, typer.Option()],
    app_id: Annotated[str, typer.Option("--app")],
    events: Annotated[
        str | None, typer.Option(help="The event subscriptions, all of them.")
    ] = None,
    request_url: Annotated[str | None, typer.Option(help="A new request URL (verified).")] = None,
    socket_mode: Annotated[bool | None, typer.Option("--socket-mode/--no-socket-mode")] = None,
    command: Annotated[list[str] | None, typer.Option("--command")] = None,
    interactivity_url: Annotated[
        str | None, typer.Option(help="A new interactivity URL; empty takes it away.")
    ] = None,
    shortcut: Annotated[
        list[str] | None, typer.Option("--shortcut", help="The shortcuts, all of them.")
    ] = None,
    data_dir: DataDir = Path("data"),
) -> None:
    """Change an app's request URL, event subscriptions, Socket Mode, slash commands or
    interactivity URL."""
    from hubbub.domain.apps import parse_list
    from hubbub.services import apps

    async def work(hub: Hub) -> dict[str, Any]:
        app = await apps.update_app(
            hub,
            domain,
            app_id,
            request_url=request_url,
            events=None if events is None else parse_list(events),
            socket_mode=socket_mode,
            commands=command,
            interactivity_url=interactivity_url,
            shortcuts=shortcut,
        )
        return apps.app_json(app)

    _run_admin(data_dir, work)


@admin.command("deactivate-user")
def deactivate_user(
    domain: Annotated[str, typer.Option()],
    user_id: Annotated[str, typer.Option("--user")],
    data_dir: DataDir = Path("data"),
) -> None:
    """Deactivate a person: their tokens stop working at once."""
    from hubbub.services import workspaces

    async def work(hub: Hub) -> dict[str, Any]:
        await workspaces.deactivate_user(hub, domain, user_id)
        return {"user_id": user_id, "deleted": True}

    _run_admin(data_dir, work)


@admin.command("create-webhook")
def create_webhook(
    domain: Annotated[str, typer.Option()],
    channel: Annotated[str, typer.Option(help="The channel's name.")],
    name: Annotated[str, typer.Option(help="The name its messages show.")] = "incoming-webhook",
    data_dir: DataDir = Path("data"),
) -> None:
    """Create an incoming webhook for a channel; prints its URL (the secret is shown only now)."""
    from hubbub.services import webhooks

    async def work(hub: Hub) -> dict[str, Any]:
        hook, url = await webhooks.create_webhook(hub, domain, channel, name=name)
        return {
            "url": url,
            "webhook_id": hook.id,
            "team_id": hook.team_id,
            "channel_id": hook.channel_id,
            "user_id": hook.user_id,
        }

    _run_admin(data_dir, work)


jobs_cli = typer.Typer(
    help="Background jobs: queue depth, rates, failures, dead letters; `retry` re-runs the dead.",
    invoke_without_command=True,
)
admin.add_typer(jobs_cli, name="jobs")


def _run_jobs_admin(data_dir: Path, work: Callable[[Hub, Any], Awaitable[dict[str, Any]]]) -> None:
    """As _run_admin, with the Redis Streams of the job queue when the settings use them."""
    from hubbub.app import job_streams, tool_hub

    async def main() -> dict[str, Any]:
        settings = _admin_settings(data_dir)
        hub = await tool_hub(settings)
        try:
            streams = job_streams(hub, settings) if settings.job_queue == "redis" else None
            return await work(hub, streams)
        finally:
            await hub.close()

    _emit({"ok": True, **asyncio.run(main())})


@jobs_cli.callback()
def jobs_report(
    ctx: typer.Context,
    data_dir: DataDir = Path("data"),
    interval: Annotated[
        float, typer.Option(min=0.1, max=60, help="Seconds between samples.")
    ] = 1.0,
) -> None:
    """What the job queues hold, per kind, and what became of their jobs: totals and rates
    per second, from Redis Streams or from the SQL runners."""
    if ctx.invoked_subcommand is not None:
        return
    from hubbub.jobs import admin as jobs_admin

    async def work(hub: Hub, streams: Any) -> dict[str, Any]:
        found = await jobs_admin.report(hub, streams, interval)
        return {**found, "dead_letters": await jobs_admin.dead_letters(hub, streams)}

    _run_jobs_admin(data_dir, work)


@jobs_cli.command("retry")
def jobs_retry(data_dir: DataDir = Path("data")) -> None:
    """Queues every dead letter again, with a fresh count of tries."""
    from hubbub.jobs import admin as jobs_admin

    async def work(hub: Hub, streams: Any) -> dict[str, Any]:
        return {"revived": await jobs_admin.retry_dead(hub, streams)}

    _run_jobs_admin(data_dir, work)


@admin.command("add-everyone")
def add_everyone(
    domain: Annotated[str, typer.Option(help="The workspace's domain.")],
    channel: Annotated[str, typer.Option(help="The channel's name, without #.")],
    data_dir: DataDir = Path("data"),
) -> None:
    """Make every active person of the workspace a member of a channel, 1,000 a commit (run
    again, it adds who is missing); progress on stderr."""
    from rich.console import Console
    from rich.progress import Progress

    from hubbub.services import membership, workspaces

    async def work(hub: Hub) -> dict[str, Any]:
        team_id = await workspaces.team_id_of(hub, domain)
        with Progress(console=Console(stderr=True), transient=True) as bar:
            task = bar.add_task(f"#{channel.lstrip('#')}", total=None)

            def step(seen: int, joined: int) -> None:
                bar.update(task, completed=seen, description=f"#{channel} +{joined}")

            found, joined = await membership.add_everyone(hub, team_id, channel.lstrip("#"), step)
        return {"channel": found.id, "joined": joined}

    _run_admin(data_dir, work)


@admin.command("reindex")
def reindex(
    team: Annotated[
        str | None, typer.Option(help="A workspace's id or domain (default: every workspace).")
    ] = None,
    data_dir: DataDir = Path("data"),
) -> None:
    """Build the search index of messages and files again (docs/search.md); progress on stderr."""
    from rich.console import Console
    from rich.progress import Progress, TaskID

    from hubbub.services import search_index

    async def work(hub: Hub) -> dict[str, Any]:
        done = []
        # On stderr: stdout holds the command's one JSON object.
        with Progress(console=Console(stderr=True), transient=True) as bar:
            for team_id in await search_index.teams(hub, team):
                task = bar.add_task(f"reindex {team_id}", total=None)

                def step(_team: str, n: int, total: int, task: TaskID = task) -> None:
                    bar.update(task, completed=n, total=total)

                report = await search_index.reindex(hub, team_id, step)
                done.append(
                    {
                        "team_id": report.team_id,
                        "messages": report.messages,
                        "indexed": report.indexed,
                        "files": report.files,
                        "files_indexed": report.files_indexed,
                    }
                )
        return {"teams": done}

    _run_admin(data_dir, work)


@admin.command("shards")
def shards(
    interval: Annotated[
        float, typer.Option(min=0.5, max=60, help="Seconds between the two samples of rates.")
    ] = 2.0,
) -> None:
    """List the shards: workspaces, rows, size, recent write rate; flags the hot ones."""
    from hubbub.app import shard_loads

    settings = _sharded_settings()
    loads = shard_loads(settings, interval)
    _emit({"ok": True, "shards": loads, "hot": [s["name"] for s in loads if s["hot"]]})


@admin.command("cluster")
def cluster() -> None:
    """List the deployment's live processes (from Redis): role, addresses, sockets, memory,
    CPU and how long until their lease runs out."""
    settings = _admin_settings()
    if not settings.redis_url:
        typer.echo("hubbub admin: these settings name no Redis (--config FILE)", err=True)
        raise typer.Exit(2)

    async def work(hub: Hub) -> dict[str, Any]:
        live = await hub.processes.live()
        now_ms = time.time() * 1000
        listed = [
            {**dataclasses.asdict(p), "lease_left_s": round((p.expires_ms - now_ms) / 1000, 1)}
            for p in live
        ]
        gateways = [p for p in live if p.socket_url]
        return {
            "processes": listed,
            "gateways": len(gateways),
            "sockets": sum(p.sockets for p in live),
            "app_sockets": sum(p.app_sockets for p in live),
        }

    _run_admin(None, work)


@admin.command("move-workspace")
def move_workspace(
    domain: Annotated[str, typer.Argument(help="The workspace's domain.")],
    to: Annotated[str, typer.Option("--to", help="The shard to move it to.")],
) -> None:
    """Move a workspace to another shard while the cluster runs: its writes wait a moment."""
    from dataclasses import asdict

    from hubbub.app import move

    settings = _sharded_settings()
    try:
        report = move(settings, domain, to)
    except SlackError as exc:
        _emit({"ok": False, "error": exc.code, **exc.extra})
        raise typer.Exit(1) from exc
    _emit({"ok": True, **asdict(report)})


def _sharded_settings() -> Settings:
    settings = _admin_settings()
    if not settings.shards:
        typer.echo("hubbub admin: these settings name no shards (--config FILE)", err=True)
        raise typer.Exit(2)
    return settings


add_slack_commands(admin, _run_admin)
add_emoji_commands(admin, _run_admin)
add_settings_commands(admin, _run_admin, _admin_settings)
