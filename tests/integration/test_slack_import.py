"""The import of a Slack export on both stores, in process: cut after its first day (what a
kill midway leaves: every day is its own commit), run again, and everything is there once; ids
another workspace holds are replaced, and every reference with them (docs/import.md)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hubbub.app import build_hub
from hubbub.config import Settings
from hubbub.services import channels, workspaces
from hubbub.services.auth import authenticate
from hubbub.services.hub import Hub
from hubbub.services.slack_import import derived_id, import_slack
from hubbub.slack_archive import ExportArchive
from tests.support import slack_export as ex


@pytest.fixture(params=["sqlite", "postgres"])
async def hub(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Hub]:
    url = request.getfixturevalue("postgres_url") if request.param == "postgres" else None
    hub = build_hub(Settings(data_dir=tmp_path / "data", database_url=url))
    yield hub
    await hub.close()


class Cut(Exception):
    pass


async def _messages(hub: Hub, team: str, channel: str) -> list[tuple[str, int]]:
    """(ts, seq) of every message of the channel, replies included, oldest first."""
    from sqlalchemy import select

    from hubbub.store.tables import messages

    def read(tx: object) -> list[tuple[str, int]]:
        c = messages.c
        query = select(c.ts, c.seq).where(c.team_id == team, c.channel_id == channel).order_by(c.ts)
        return [(r[0], r[1]) for r in tx.conn.execute(query)]  # type: ignore[attr-defined]

    return await hub.read(team, read)


async def test_an_import_cut_after_a_day_completes_when_run_again(hub: Hub, tmp_path: Path) -> None:
    export = ex.write_zip(tmp_path / "export.zip")
    days = 0

    def cut(_n: int) -> None:
        nonlocal days
        days += 1
        if days == 1:
            raise Cut

    with ExportArchive(export) as archive, pytest.raises(Cut):
        # A commit per day file (batch_messages=1), the first of them the last one made.
        await import_slack(hub, archive, domain="acme", progress=cut, batch_messages=1)
    first = await _messages(hub, ex.TEAM, ex.GENERAL)
    assert 0 < len(first) < 8
    with ExportArchive(export) as archive:
        done = await import_slack(hub, archive, domain="acme")
    assert done.counts["messages"] == ex.TAKEN
    assert done.written["messages"] == ex.TAKEN - len(first)
    stored = await _messages(hub, ex.TEAM, ex.GENERAL)
    assert [ts for ts, _ in stored] == sorted({ts for ts, _ in stored})  # each once
    assert len(stored) == 7
    assert [seq for _, seq in stored] == sorted(seq for _, seq in stored)  # seqs follow ts
    reactions = await hub.read(
        ex.TEAM, lambda tx: tx.reaction_names(ex.TEAM, ex.GENERAL, ex.PARENT)
    )
    assert reactions  # the parent's rocket, once per person
    with ExportArchive(export) as archive:
        again = await import_slack(hub, archive, domain="acme")
    assert set(again.written.values()) == {0}


async def test_ids_another_workspace_holds_are_replaced_everywhere(
    hub: Hub, tmp_path: Path
) -> None:
    """Another workspace on this store already has the export's team id, #general's id and
    Bob's id: the import makes its own, and the text that named them names the new ones."""
    team = await workspaces.create_workspace(hub, "Other", "other", team_id=ex.TEAM)
    account = await workspaces.create_user(hub, "other", email="o@other.test", name="o")
    who = await authenticate(hub, account.token)
    made = await channels.create(hub, who, "theirs", is_private=False)

    def steal(tx: object) -> None:
        from sqlalchemy import update

        from hubbub.store.tables import channels as table
        from hubbub.store.tables import users

        conn = tx.conn  # type: ignore[attr-defined]
        conn.execute(
            update(table).where(table.c.channel_id == made.id).values(channel_id=ex.GENERAL)
        )
        conn.execute(update(users).where(users.c.user_id == who.user_id).values(user_id=ex.BOB))

    await hub.commit(team.id, lambda tx, _log: steal(tx))
    with ExportArchive(ex.write_zip(tmp_path / "export.zip")) as archive:
        done = await import_slack(hub, archive, domain="acme")
    new_team = derived_id("T", ex.TEAM, "acme")
    assert done.team_id == new_team
    general, bob = derived_id("C", new_team, ex.GENERAL), derived_id("U", new_team, ex.BOB)
    history = await _messages(hub, new_team, general)
    assert len(history) == 7
    mention = await hub.read(new_team, lambda tx: tx.get_message(new_team, general, ex.MENTION))
    assert mention is not None and mention.text == f"See <@{ex.ALICE}> in <#{general}|general>"
    channel = await hub.read(new_team, lambda tx: tx.get_channel(new_team, general))
    assert channel is not None and channel.purpose == f"Talk with <@{bob}>"
    assert await hub.read(new_team, lambda tx: tx.get_user(new_team, bob)) is not None
    # Run again: the same ids, nothing more.
    with ExportArchive(ex.write_zip(tmp_path / "again.zip")) as archive:
        again = await import_slack(hub, archive, domain="acme")
    assert again.team_id == new_team and set(again.written.values()) == {0}
