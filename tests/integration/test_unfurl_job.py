"""The unfurl reactor and job on a real store, without a server: each queues and attaches once
however often it runs, and a redirect from a public page to 127.0.0.1 is refused."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import select

from hubbub.app import build_hub
from hubbub.domain.addresses import IPAddress, refusal
from hubbub.domain.jobs import Job
from hubbub.domain.model import Identity, Message
from hubbub.jobs.preview_sweep import PreviewSweeper
from hubbub.outbound.guarded import GuardedClient
from hubbub.services import channels, messages, posting, previews, workspaces
from hubbub.services.auth import authenticate
from hubbub.services.follow_up import Logged
from hubbub.services.hub import EventLog, Hub
from hubbub.store.tables import link_previews
from hubbub.store.tables_jobs import jobs
from hubbub.store.tx import Tx
from tests.support.servers import settings_for
from tests.support.web_target import Target


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[Hub]:
    hub = build_hub(settings_for(tmp_path / "data", allow_private_outbound=True))
    yield hub
    await hub.close()


@pytest.fixture
def site() -> Iterator[Target]:
    with Target("127.0.0.2") as target:
        yield target


async def _author(hub: Hub) -> tuple[Identity, str]:
    await workspaces.create_workspace(hub, "Acme", "acme")
    account = await workspaces.create_user(hub, "acme", email="a@acme.test", name="a")
    who = await authenticate(hub, account.token)
    channel = await channels.create(hub, who, "dev", is_private=False)
    return who, channel.id


def _job(msg: Message, attempt: int = 1) -> Job:
    payload = {"channel": msg.channel_id, "ts": msg.ts}
    return Job("1", msg.team_id, previews.UNFURL_JOB, payload, attempt)


async def _stored(hub: Hub, msg: Message) -> Message:
    found = await hub.read(
        msg.team_id, lambda tx: tx.get_message(msg.team_id, msg.channel_id, msg.ts)
    )
    assert found is not None
    return found


async def _queued(hub: Hub, team_id: str) -> list[dict[str, Any]]:
    def unit(tx: Tx) -> list[dict[str, Any]]:
        rows = tx.conn.execute(
            select(jobs.c.key, jobs.c.payload).where(
                jobs.c.kind == previews.UNFURL_JOB, jobs.c.team_id == team_id
            )
        ).all()
        return [{"key": key, **orjson.loads(payload)} for key, payload in rows]

    return await hub.read(team_id, unit)


async def test_the_reactor_queues_one_job_per_message_however_often_it_runs(
    hub: Hub, site: Target
) -> None:
    who, channel = await _author(hub)
    msg = await posting.post(hub, who, channel, posting.Draft.checked(f"see <{site.url('/og')}>"))
    event = {"type": "message", "channel": channel, "ts": msg.ts, "text": msg.text}
    for _ in range(3):
        await previews.react(hub, Logged(who.team_id, channel, 1, event))
    await previews.react(hub, Logged(who.team_id, channel, 2, {**event, "subtype": "channel_join"}))
    plain = {**event, "ts": "1.000001", "text": "no links"}
    await previews.react(hub, Logged(who.team_id, channel, 3, plain))
    assert await _queued(hub, who.team_id) == [
        {"key": f"{channel}/{msg.ts}", "channel": channel, "ts": msg.ts}
    ]


async def test_the_job_run_twice_or_at_once_attaches_once(hub: Hub, site: Target) -> None:
    who, channel = await _author(hub)
    msg = await posting.post(hub, who, channel, posting.Draft.checked(f"<{site.url('/og')}|news>"))
    await asyncio.gather(previews.unfurl(hub, _job(msg)), previews.unfurl(hub, _job(msg)))
    await previews.unfurl(hub, _job(msg, attempt=2))
    stored = await _stored(hub, msg)
    assert [a["title"] for a in stored.attachments or []] == ["A story worth reading"]
    assert stored.edited_ts is None


async def test_the_cache_saves_fetching_a_page_twice(hub: Hub, site: Target) -> None:
    who, channel = await _author(hub)
    one = await posting.post(hub, who, channel, posting.Draft.checked(site.url("/og")))
    two = await posting.post(hub, who, channel, posting.Draft.checked(f"again {site.url('/og')}"))
    missing = await posting.post(hub, who, channel, posting.Draft.checked(site.url("/missing")))
    again = await posting.post(hub, who, channel, posting.Draft.checked(site.url("/missing")))
    for msg in (one, two, missing, again):
        await previews.unfurl(hub, _job(msg))
    assert site.hits["/og"] == 1 and site.hits["/missing"] == 1  # a page without one, too
    assert (await _stored(hub, two)).attachments == (await _stored(hub, one)).attachments


async def test_a_redirect_from_a_public_page_to_loopback_is_refused(tmp_path: Path) -> None:
    def as_if_public(ip: IPAddress) -> str | None:
        return None if ip == IPv4Address("127.0.0.2") else refusal(ip)

    hub = build_hub(settings_for(tmp_path / "data"))
    await hub.outbound.close()
    hub.outbound = GuardedClient(policy=as_if_public)
    try:
        with Target("127.0.0.2") as public, Target("127.0.0.1") as private:
            who, channel = await _author(hub)
            text = public.url(f"/redirect?to={private.url('/og')}")
            msg = await posting.post(hub, who, channel, posting.Draft.checked(text))
            await previews.unfurl(hub, _job(msg))
            assert public.hits["/redirect"] == 1
            assert private.hits["/og"] == 0
        assert (await _stored(hub, msg)).attachments is None
    finally:
        await hub.outbound.close()
        await hub.close()


async def test_a_timeout_is_retried_until_the_last_try(tmp_path: Path) -> None:
    hub = build_hub(
        settings_for(tmp_path / "data", allow_private_outbound=True, outbound_timeout_s=0.2)
    )
    try:
        with Target("127.0.0.2") as site:
            who, channel = await _author(hub)
            msg = await posting.post(
                hub, who, channel, posting.Draft.checked(f"{site.url('/hang')} {site.url('/og')}")
            )
            with pytest.raises(previews.LinksFailed, match="timeout"):
                await previews.unfurl(hub, _job(msg, attempt=1))
            # What could be fetched is shown already; the rest comes on a later try, or never.
            assert [a["title"] for a in (await _stored(hub, msg)).attachments or []] == [
                "A story worth reading"
            ]
            await previews.unfurl(hub, _job(msg, attempt=previews.SPEC.max_attempts))
            assert site.hits["/hang"] == 2
            # Given up: remembered as having no preview for a while, not fetched again.
            await previews.unfurl(hub, _job(msg, attempt=1))
            assert site.hits["/hang"] == 2
    finally:
        await hub.close()


async def test_a_deleted_message_or_a_bad_payload_ends_quietly_or_for_good(hub: Hub) -> None:
    who, channel = await _author(hub)
    msg = await posting.post(hub, who, channel, posting.Draft.checked("https://example.invalid/"))
    await messages.delete(hub, who, channel, msg.ts)
    await previews.unfurl(hub, _job(msg))
    with pytest.raises(previews.PermanentFailure):
        await previews.unfurl(hub, Job("1", who.team_id, previews.UNFURL_JOB, {}, 1))


async def _cached_urls(hub: Hub, team_id: str) -> set[str]:
    def unit(tx: Tx) -> set[str]:
        query = select(link_previews.c.url).where(link_previews.c.team_id == team_id)
        return set(tx.conn.execute(query).scalars())

    return await hub.read(team_id, unit)


async def test_the_sweep_deletes_expired_previews_and_keeps_the_rest(hub: Hub) -> None:
    who, _ = await _author(hub)
    team = who.team_id

    def cache(tx: Tx, _log: EventLog) -> None:
        for n in range(5):  # more than one batch of two
            tx.cache_preview(team, f"old{n}", f"https://old.example/{n}", None, tx.now_us - 1)
        tx.cache_preview(team, "new", "https://new.example/", None, tx.now_us + 60_000_000)

    await hub.commit(team, cache)
    sweeper = PreviewSweeper(hub, interval_s=60.0, batch=2)
    assert await sweeper.run_once() == 5
    assert await _cached_urls(hub, team) == {"https://new.example/"}
    assert await sweeper.run_once() == 0
