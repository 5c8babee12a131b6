"""`hubbub admin import-slack`: a Slack export into a workspace (docs/import.md). Kept apart
from cli.py, which holds the other commands; cli.py adds this one to `hubbub admin`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from hubbub.services.hub import Hub

RunAdmin = Callable[[Path, Callable[[Hub], Awaitable[dict[str, Any]]]], None]
# Every command's --data-dir (cli.py's too).
DataDir = Annotated[
    Path, typer.Option("--data-dir", envvar="HUBBUB_DATA_DIR", help="Where the data lives.")
]


def add_import_commands(admin: typer.Typer, run_admin: RunAdmin) -> None:
    @admin.command("import-slack")
    def import_slack(
        export: Annotated[Path, typer.Argument(help="The export: its zip, or its folder.")],
        domain: Annotated[str, typer.Option(help="The workspace's domain (made if new).")],
        name: Annotated[str | None, typer.Option(help="The workspace's name, if new.")] = None,
        data_dir: DataDir = Path("data"),
    ) -> None:
        """Import a Slack export, keeping its ids and timestamps; running it again (also after
        it was killed) completes it and stores everything once. Progress on stderr; one JSON
        object on stdout."""
        from rich.console import Console
        from rich.progress import Progress

        from hubbub.domain.errors import SlackError
        from hubbub.domain.slack_export import Refused
        from hubbub.services import slack_import
        from hubbub.slack_archive import ExportArchive

        async def work(hub: Hub) -> dict[str, Any]:
            try:
                with (
                    ExportArchive(export) as archive,
                    Progress(console=Console(stderr=True), transient=True) as bar,
                ):
                    task = bar.add_task("messages", total=None)
                    summary = await slack_import.import_slack(
                        hub,
                        archive,
                        domain=domain,
                        name=name,
                        progress=lambda n: bar.advance(task, n),
                    )
            except Refused as exc:
                # Answered {"ok": false, "error": "invalid_export", "detail": ...}, exit 1.
                raise SlackError("invalid_export", detail=str(exc)) from exc
            return summary.as_json()

        run_admin(data_dir, work)
