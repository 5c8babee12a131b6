"""`hubbub admin emoji add|rename|remove`: a workspace's custom emoji from the command line
(docs/integrations.md, Custom emoji). Kept apart from cli_admin.py, which adds them to
`hubbub admin`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from hubbub.cli_slack import DataDir, RunAdmin
from hubbub.domain.emoji import MAX_BYTES, emoji_name
from hubbub.services.hub import Hub

Domain = Annotated[str, typer.Option(help="The workspace's domain.")]
Name = Annotated[str, typer.Argument(help="The emoji's name, as in :name:.")]


def add_emoji_commands(admin: typer.Typer, run_admin: RunAdmin) -> None:
    emoji_app = typer.Typer(help="A workspace's custom emoji.", no_args_is_help=True)
    admin.add_typer(emoji_app, name="emoji")

    @emoji_app.command("add")
    def add(
        name: Name,
        image: Annotated[Path, typer.Argument(help="A PNG, GIF, JPEG or WebP of 128 KB at most.")],
        domain: Domain,
        data_dir: DataDir = Path("data"),
    ) -> None:
        """Add a custom emoji; prints its name and image URL."""
        from hubbub.services import emoji, workspaces

        async def work(hub: Hub) -> dict[str, Any]:
            checked = emoji_name(name)
            with image.open("rb") as source:
                data = source.read(MAX_BYTES + 1)
            team_id = await workspaces.team_id_of(hub, domain)
            added = await emoji.add_image(hub, team_id, "", checked, data)
            return {"name": added.name, "value": emoji.value(hub.urls, added)}

        _exists(image)
        run_admin(data_dir, work)

    @emoji_app.command("remove")
    def remove(name: Name, domain: Domain, data_dir: DataDir = Path("data")) -> None:
        """Remove a custom emoji and its aliases; prints the names removed."""
        from hubbub.services import emoji, workspaces

        async def work(hub: Hub) -> dict[str, Any]:
            team_id = await workspaces.team_id_of(hub, domain)
            return {"removed": await emoji.remove(hub, team_id, emoji_name(name))}

        run_admin(data_dir, work)

    @emoji_app.command("rename")
    def rename(
        name: Name,
        new_name: Annotated[str, typer.Argument(help="Its new name.")],
        domain: Domain,
        data_dir: DataDir = Path("data"),
    ) -> None:
        """Rename a custom emoji (its aliases follow); prints its new name and value."""
        from hubbub.services import emoji, workspaces

        async def work(hub: Hub) -> dict[str, Any]:
            team_id = await workspaces.team_id_of(hub, domain)
            renamed = await emoji.rename(hub, team_id, emoji_name(name), emoji_name(new_name))
            return {"name": renamed.name, "value": emoji.value(hub.urls, renamed)}

        run_admin(data_dir, work)


def _exists(image: Path) -> None:
    if not image.is_file():
        typer.echo(f"hubbub admin emoji add: no file {image}", err=True)
        raise typer.Exit(2)
