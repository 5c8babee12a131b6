"""jobs/event_sweep.py on both stores: each stream keeps its newest events, and only older ones
go; an event the outbox still names stays, so the relay always finds it."""

from __future__ import annotations

from hubbub.jobs.event_sweep import EventSweeper
from hubbub.services import posting, workspaces
from hubbub.services.auth import authenticate
from hubbub.services.channels import create
from hubbub.services.hub import Hub
from hubbub.store.tx import Tx

KEEP = 25


async def _seqs(hub: Hub, team_id: str, stream: str) -> list[int]:
    rows = await hub.read(team_id, lambda tx: tx.events_after(team_id, stream, 0, 10_000))
    return [seq for seq, _, _ in rows]


async def _relay_everything(hub: Hub, team_id: str) -> None:
    """What the relay does once it has followed the events up: their outbox rows go."""

    def unit(tx: Tx) -> None:
        tx.delete_outbox([row[0] for row in tx.unpublished(1 << 62, 100_000)])

    await hub.shards.write(team_id, unit)


async def test_each_stream_keeps_its_newest_events_and_only_old_ones_go(hub: Hub) -> None:
    team = await workspaces.create_workspace(hub, "Acme", "acme")
    account = await workspaces.create_user(hub, "acme", email="a@acme.test", name="a")
    who = await authenticate(hub, account.token)
    busy = await create(hub, who, "busy", is_private=False)
    quiet = await create(hub, who, "quiet", is_private=False)
    for n in range(KEEP * 3):
        await posting.post(hub, who, busy.id, posting.Draft.checked(f"busy {n}"))
    for n in range(KEEP - 5):
        await posting.post(hub, who, quiet.id, posting.Draft.checked(f"quiet {n}"))
    before_busy, before_quiet = (
        await _seqs(hub, team.id, busy.id),
        await _seqs(hub, team.id, quiet.id),
    )
    before_team = await _seqs(hub, team.id, team.id)
    sweeper = EventSweeper(hub, keep=KEEP, interval_s=1, batch=7, page=1)

    # Every event still waits in the outbox (no relay ran): none may go.
    assert await sweeper.run_once() == 0
    assert await _seqs(hub, team.id, busy.id) == before_busy

    await _relay_everything(hub, team.id)
    deleted = await sweeper.run_once()
    after_busy = await _seqs(hub, team.id, busy.id)
    assert after_busy == before_busy[-KEEP:]
    assert await _seqs(hub, team.id, quiet.id) == before_quiet
    assert await _seqs(hub, team.id, team.id) == before_team[-KEEP:]
    assert deleted == len(before_busy) - KEEP + max(0, len(before_team) - KEEP)
    floors = await hub.read(team.id, lambda tx: tx.log_floors(team.id, [busy.id, quiet.id]))
    assert floors == {busy.id: after_busy[0], quiet.id: before_quiet[0]}
    # A second pass finds nothing more to do.
    assert await sweeper.run_once() == 0


async def test_an_event_the_outbox_still_names_is_kept_with_everything_after_it(hub: Hub) -> None:
    team = await workspaces.create_workspace(hub, "Acme", "acme")
    account = await workspaces.create_user(hub, "acme", email="a@acme.test", name="a")
    who = await authenticate(hub, account.token)
    busy = await create(hub, who, "busy", is_private=False)
    for n in range(KEEP):
        await posting.post(hub, who, busy.id, posting.Draft.checked(f"early {n}"))
    await _relay_everything(hub, team.id)
    await posting.post(hub, who, busy.id, posting.Draft.checked("not yet followed up"))
    first_queued = (await _seqs(hub, team.id, busy.id))[-1]
    for n in range(KEEP * 2):
        await posting.post(hub, who, busy.id, posting.Draft.checked(f"later {n}"))

    def relay_all_but_the_first_queued(tx: Tx) -> None:
        rows = tx.unpublished(1 << 62, 100_000)
        tx.delete_outbox([r[0] for r in rows if (r[1], r[2]) != (busy.id, first_queued)])

    await hub.shards.write(team.id, relay_all_but_the_first_queued)
    await EventSweeper(hub, keep=KEEP, interval_s=1).run_once()
    assert (await _seqs(hub, team.id, busy.id))[0] == first_queued
