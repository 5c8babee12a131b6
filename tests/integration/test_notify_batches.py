"""A message to everyone in a big conversation (<!channel>, <!here>, a DM) is notified a batch of
people at a time (`notify_batch`), each batch its own commit and its own job, and a batch run
again after a crash notifies, and emails, nobody twice."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from hubbub.app import build_hub
from hubbub.config import Settings
from hubbub.domain.jobs import Job
from hubbub.jobs.kinds import REACTORS, Kind, kinds
from hubbub.jobs.queue import SqlQueue
from hubbub.jobs.relay import OutboxRelay
from hubbub.jobs.runner import JobRunner
from hubbub.services import channels, notify, posting, workspaces
from hubbub.services.auth import authenticate
from hubbub.services.hub import Hub
from hubbub.store.tables import members, notifications, users
from hubbub.store.tx import Tx
from tests.support.servers import settings_for
from tests.support.smtp import smtp_server, smtp_settings
from tests.support.waiting import until


async def _channel(hub: Hub) -> tuple[Any, str]:
    await workspaces.create_workspace(hub, "Acme", "acme")
    owner = await workspaces.create_user(hub, "acme", email="owner@acme.test", name="owner")
    who = await authenticate(hub, owner.token)
    channel = await channels.create(hub, who, "everyone", is_private=False)
    return who, channel.id


def _people(team_id: str, channel_id: str, count: int) -> Callable[[Tx], None]:
    """count people, all members of the channel: written in bulk, as an import would."""

    def unit(tx: Tx) -> None:
        now = tx.now_us
        ids = [f"UB{n:08d}" for n in range(count)]
        tx.conn.execute(
            insert(users),
            [
                {
                    "team_id": team_id,
                    "user_id": user_id,
                    "name": user_id.lower(),
                    "real_name": user_id,
                    "email": f"{user_id.lower()}@acme.test",
                    "created": now,
                    "updated": now,
                }
                for user_id in ids
            ],
        )
        tx.conn.execute(
            insert(members),
            [
                {"team_id": team_id, "channel_id": channel_id, "user_id": user_id, "joined": 1}
                for user_id in ids
            ],
        )

    return unit


def _records(team_id: str, channel_id: str, ts: str) -> Callable[[Tx], dict[str, int]]:
    def read(tx: Tx) -> dict[str, int]:
        n = notifications.c
        rows = tx.conn.execute(
            select(n.user_id, func.count())
            .where(n.team_id == team_id, n.channel_id == channel_id, n.ts == ts)
            .group_by(n.user_id)
        )
        return {user_id: int(count) for user_id, count in rows}

    return read


async def _run_jobs(hub: Hub, table: dict[str, Kind], team_id: str) -> JobRunner:
    """Runs jobs until the tables hold none, due or delayed."""
    runner = JobRunner(hub, SqlQueue(hub, lease_s=60.0), table, concurrency=4)
    runner.start()
    try:

        async def finished() -> bool:
            # One snapshot: job_counts runs several statements, and a job claimed between two
            # of them would be counted by neither.
            counts = await hub.read(team_id, lambda tx: tx.job_counts())
            assert all(c["dead"] == 0 for c in counts.values()), counts
            return not counts

        await until(finished, within_s=120, interval=0.05, what="the jobs to finish")
    finally:
        await runner.stop()
    return runner


async def test_a_broadcast_to_70000_members_on_postgresql_notifies_each_once(
    postgres_url: str,
) -> None:
    """Over 65,535 members the whole list bound in one statement failed on PostgreSQL, and the
    job was a dead letter; now each batch of notify_batch people is one job and one commit."""
    hub = build_hub(Settings(database_url=postgres_url))
    try:
        who, channel_id = await _channel(hub)
        await hub.shards.write(who.team_id, _people(who.team_id, channel_id, 70_000))
        relay = OutboxRelay(hub, reactors=REACTORS)
        await relay.run_once()  # follows up what the setup published
        posted = await posting.post(
            hub, who, channel_id, posting.Draft.checked("<!channel> the building is open")
        )
        await relay.run_once()  # queues the notify job
        runner = await _run_jobs(hub, kinds(limits=hub.job_limits), who.team_id)
        records = await hub.read(who.team_id, _records(who.team_id, channel_id, posted.ts))
        assert len(records) == 70_000 and set(records.values()) == {1}
        assert who.user_id not in records  # the author
        totals = await hub.read(who.team_id, lambda tx: tx.job_totals())
        batches = -(-70_001 // hub.job_limits.notify_batch)  # the author is a member too
        assert totals["notify:done"] == batches == runner.done
        assert await hub.read(who.team_id, lambda tx: tx.dead_letters()) == []
    finally:
        await hub.close()


async def test_a_notify_job_dying_after_each_commit_and_run_again_notifies_each_once(
    tmp_path: Path,
) -> None:
    """Every batch's job dies after its commit, before it is marked done, and is run again:
    each person still has one record, one desktop_notification and one email."""
    with smtp_server() as (inbox, port):
        settings = settings_for(tmp_path / "data", notify_batch=4, **smtp_settings(port))
        hub = build_hub(settings)
        try:
            who, channel_id = await _channel(hub)
            await hub.shards.write(who.team_id, _people(who.team_id, channel_id, 10))
            people = [f"UB{n:08d}" for n in range(10)]
            live: Counter[str] = Counter()
            for user_id in people:
                hub.bus.subscribe(
                    user_id,
                    lambda stream, _seq, data: (
                        live.update([stream]) if b'"desktop_notification"' in data else None
                    ),
                )
            relay = OutboxRelay(hub, reactors=REACTORS)
            await relay.run_once()
            posted = await posting.post(
                hub, who, channel_id, posting.Draft.checked("<!channel> fire drill")
            )
            await relay.run_once()
            runs: Counter[str] = Counter()

            async def dies_once(hub: Hub, job: Job) -> None:
                await notify.notify_job(hub, job)
                batch = str(job.payload.get("after") or "")
                runs[batch] += 1
                if runs[batch] == 1:
                    raise ConnectionError("killed after the commit")

            table = kinds(limits=hub.job_limits)
            table[notify.NOTIFY_JOB] = Kind(table[notify.NOTIFY_JOB].spec, dies_once)
            await _run_jobs(hub, table, who.team_id)
            # Each of the 3 batches ran again after dying. A rerun queues its next batch again,
            # which runs a further time if the first one was already done: harmless, as the
            # outcome below shows, so only "at least twice" is asserted.
            assert len(runs) == 3 and min(runs.values()) >= 2, runs
            records = await hub.read(who.team_id, _records(who.team_id, channel_id, posted.ts))
            assert records == {user_id: 1 for user_id in people}
            assert live == {user_id: 1 for user_id in people}
            mailed = Counter(rcpt for rcpts, _mail in inbox.mails for rcpt in rcpts)
            assert mailed == {f"{user_id.lower()}@acme.test": 1 for user_id in people}
        finally:
            await hub.close()
