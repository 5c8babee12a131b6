"""`hubbub admin import-slack` and `export-slack`: Slack's export format, in and out
(docs/import.md). Kept apart from cli_admin.py, which adds them to `hubbub admin`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from hubbub.services.hub import Hub

RunAdmin = Callable[[Path, Callable[[Hub], Awaitable[dict[str, Any]]]], None]
# Every command's --data-dir (cli.py's and cli_admin.py's too).
DataDir = Annotated[
    Path, typer.Option("--data-dir", envvar="HUBBUB_DATA_DIR", help="Where the data lives.")
]


def add_slack_commands(admin: typer.Typer, run_admin: RunAdmin) -> None:
    add_import_command(admin, run_admin)
    add_export_command(admin, run_admin)


def add_import_command(admin: typer.Typer, run_admin: RunAdmin) -> None:
    @admin.command("import-slack")
    def import_slack(
        export: Annotated[Path, typer.Argument(help="The export: its zip, or its folder.")],
        domain: Annotated[str, typer.Option(help="The workspace's domain (made if new).")],
        name: Annotated[str | None, typer.Option(help="The workspace's name, if new.")] = None,
        claims: Annotated[
            Path | None,
            typer.Option(help="Where the claim links go (CSV; default claim-links-DOMAIN.csv)."),
        ] = None,
        claim_days: Annotated[
            int, typer.Option(min=1, max=90, help="How long the claim links work.")
        ] = 14,
        data_dir: DataDir = Path("data"),
    ) -> None:
        """Import a Slack export, keeping its ids and timestamps; running it again (also after
        it was killed) completes it and stores everything once. Progress on stderr; one JSON
        object on stdout."""
        from rich.console import Console
        from rich.progress import Progress

        from hubbub.domain.errors import SlackError
        from hubbub.domain.slack_export import Refused
        from hubbub.services import invites, slack_import
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
            links = await invites.create_claims(
                hub, summary.team_id, summary.people, claim_days * 86400
            )
            path = claims or Path(f"claim-links-{domain}.csv")
            await write_claims(hub, summary.team_id, links, path)
            return {**summary.as_json(), "claims": {"file": str(path), "links": len(links)}}

        run_admin(data_dir, work)


async def write_claims(hub: Hub, team_id: str, links: dict[str, str], path: Path) -> None:
    """The claim links, one row per person (user_id, name, real_name, email, url), readable
    by this user only: each link hands over an account."""
    import csv
    import os

    people = await hub.read(team_id, lambda tx: tx.get_users(team_id, links))
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", newline="") as out:
        rows = csv.writer(out)
        rows.writerow(["user_id", "name", "real_name", "email", "url"])
        for user_id, url in sorted(links.items()):
            user = people.get(user_id)
            if user is not None:
                rows.writerow([user_id, user.name, user.real_name, user.email or "", url])


def add_export_command(admin: typer.Typer, run_admin: RunAdmin) -> None:
    @admin.command("export-slack")
    def export_slack(
        domain: Annotated[str, typer.Option(help="The workspace's domain.")],
        out: Annotated[Path, typer.Option(help="The zip to write.")],
        private: Annotated[
            bool, typer.Option(help="Private channels, DMs and group DMs too.")
        ] = False,
        files: Annotated[
            bool, typer.Option(help="The files' bytes too, under __uploads/<id>/<name>.")
        ] = False,
        data_dir: DataDir = Path("data"),
    ) -> None:
        """Write a workspace in Slack's export format (public channels unless --private; the
        files' bytes with --files), which import-slack reads back. Progress on stderr; one JSON
        object on stdout."""
        from rich.console import Console
        from rich.progress import Progress

        from hubbub.services import slack_export, workspaces
        from hubbub.slack_archive import ExportZip

        async def work(hub: Hub) -> dict[str, Any]:
            team_id = await workspaces.team_id_of(hub, domain)
            with (
                ExportZip(out) as writer,
                Progress(console=Console(stderr=True), transient=True) as bar,
            ):
                task = bar.add_task("messages", total=None)
                counts = await slack_export.export_slack(
                    hub,
                    team_id,
                    writer,
                    private=private,
                    files=files,
                    progress=lambda n: bar.advance(task, n),
                )
            return {"team_id": team_id, "file": str(out), **counts}

        run_admin(data_dir, work)
