"""`hubbub admin settings [set|unset]`: the shared settings every process of a deployment applies
alike (hubbub/shared_settings.py, docs/deploy.md Shared settings). Kept apart from cli_admin.py,
which adds them to `hubbub admin`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer

from hubbub.cli_slack import DataDir, RunAdmin
from hubbub.config import Settings
from hubbub.services.hub import Hub

AdminSettings = Callable[[Path | None], Settings]


def add_settings_commands(
    admin: typer.Typer, run_admin: RunAdmin, admin_settings: AdminSettings
) -> None:
    settings_cli = typer.Typer(
        help="The settings every process applies alike (docs/deploy.md, Shared settings).",
        invoke_without_command=True,
    )
    admin.add_typer(settings_cli, name="settings")

    @settings_cli.callback()
    def settings_list(ctx: typer.Context, data_dir: DataDir = Path("data")) -> None:
        """The shared settings: each one's value in effect, and those stored for every process."""
        if ctx.invoked_subcommand is not None:
            return
        from hubbub import shared_settings
        from hubbub.domain.shared_settings import NAMES

        base = admin_settings(data_dir)

        async def work(hub: Hub) -> dict[str, Any]:
            stored = await hub.shards.shared_settings()
            effective = shared_settings.applied(base, stored)
            return {
                "settings": {name: getattr(effective, name) for name in NAMES},
                "stored": {name: orjson.loads(value) for name, value in sorted(stored.items())},
            }

        run_admin(data_dir, work)

    @settings_cli.command("set")
    def settings_set(
        name: Annotated[str, typer.Argument(help="A shared setting, e.g. rate_limits.")],
        value: Annotated[str, typer.Argument(help="Its value: true, off, 2.5, 100.")],
        data_dir: DataDir = Path("data"),
    ) -> None:
        """Store a shared setting: every process applies it within shared_settings_s."""
        _store_setting(name, value, data_dir)

    @settings_cli.command("unset")
    def settings_unset(
        name: Annotated[str, typer.Argument(help="A shared setting.")],
        data_dir: DataDir = Path("data"),
    ) -> None:
        """Forget a stored shared setting: each process goes back to its settings file's value."""
        _store_setting(name, None, data_dir)

    def _store_setting(name: str, value: str | None, data_dir: Path) -> None:
        from hubbub import shared_settings

        async def work(hub: Hub) -> dict[str, Any]:
            try:
                stored = await shared_settings.store(hub, name, value)
            except ValueError as exc:
                typer.echo(f"hubbub admin settings: {exc}", err=True)
                raise typer.Exit(2) from exc
            return {"name": name, "value": stored}

        run_admin(data_dir, work)
