"""The job runner over the jobs tables (the embedded queue) and over Redis Streams: every job
runs, failures are retried with backoff, the last failure is a dead letter that can be revived,
a slow job times out, one workspace's burst does not starve another, and a rolled-back change
queues nothing."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis
from structlog.testing import capture_logs

from hubbub.app import build_hub, job_streams, tool_hub
from hubbub.config import Settings
from hubbub.domain.jobs import Job, JobSpec, PermanentFailure
from hubbub.jobs import admin as jobs_admin
from hubbub.jobs.kinds import Kind, follow_up_kind
from hubbub.jobs.queue import JobQueue, SqlQueue
from hubbub.jobs.relay import GRACE_S, OutboxRelay
from hubbub.jobs.runner import JobRunner
from hubbub.jobs.streams import JobStreams, StreamQueue, StreamRelay
from hubbub.services import channels, posting, workspaces
from hubbub.services.auth import authenticate
from hubbub.services.follow_up import FOLLOW_UP_JOB, Logged
from hubbub.services.hub import Hub
from hubbub.store.tx import Tx
from tests.support.servers import settings_for
from tests.support.waiting import until

FAST = JobSpec(timeout_s=2.0, max_attempts=3, backoff_base_s=0.01, backoff_cap_s=0.05)


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[Hub]:
    hub = build_hub(settings_for(tmp_path / "data"))
    yield hub
    await hub.close()


async def _team(hub: Hub, domain: str = "acme") -> str:
    return (await workspaces.create_workspace(hub, domain.capitalize(), domain)).id


async def _enqueue(hub: Hub, team_id: str, kind: str, count: int, **payload: Any) -> None:
    def unit(tx: Tx, log: Any) -> None:
        for n in range(count):
            log.job(team_id, kind, {"n": n, **payload})

    await hub.commit(team_id, unit)


def _sql(hub: Hub) -> SqlQueue:
    return SqlQueue(hub, lease_s=5.0)


async def _run(runner: JobRunner, done: Callable[[], bool]) -> None:
    runner.start()
    try:
        await until(done, within_s=20.0)
        await runner.drain()
    finally:
        await runner.stop()


async def _dead(hub: Hub, team_id: str) -> list[dict[str, Any]]:
    return await hub.read(team_id, lambda tx: tx.dead_letters())


async def test_every_job_runs_once_and_leaves_the_table(hub: Hub) -> None:
    team = await _team(hub)
    seen: Counter[int] = Counter()

    async def handler(_hub: Hub, job: Job) -> None:
        seen[job.payload["n"]] += 1

    await _enqueue(hub, team, "count", 200)
    runner = JobRunner(hub, _sql(hub), {"count": Kind(FAST, handler)}, concurrency=4)
    await _run(runner, lambda: len(seen) == 200)
    assert set(seen.values()) == {1}
    assert await hub.read(team, lambda tx: tx.job_counts()) == {}


async def test_stopping_lets_running_jobs_finish_and_marks_them_done(hub: Hub) -> None:
    team = await _team(hub)
    gate = asyncio.Event()
    started: list[int] = []
    finished: list[int] = []

    async def handler(_hub: Hub, job: Job) -> None:
        started.append(job.payload["n"])
        await gate.wait()
        finished.append(job.payload["n"])

    await _enqueue(hub, team, "slow", 4)
    runner = JobRunner(hub, _sql(hub), {"slow": Kind(FAST, handler)}, concurrency=4)
    runner.start()
    await until(lambda: len(started) == 4, within_s=20.0)
    gate.set()  # they finish while the runner stops: none is left leased, to run again
    await runner.stop()
    assert sorted(finished) == [0, 1, 2, 3]
    assert await hub.read(team, lambda tx: tx.job_counts()) == {}


async def test_failures_retry_with_backoff_then_succeed(hub: Hub) -> None:
    team = await _team(hub)
    attempts: list[int] = []

    async def flaky(_hub: Hub, job: Job) -> None:
        attempts.append(job.attempt)
        if job.attempt < 3:
            raise ConnectionError("target down")

    await _enqueue(hub, team, "flaky", 1)
    runner = JobRunner(hub, _sql(hub), {"flaky": Kind(FAST, flaky)})
    await _run(runner, lambda: attempts[-1:] == [3])
    assert attempts == [1, 2, 3]
    assert await _dead(hub, team) == []


async def test_the_last_failure_is_a_dead_letter_that_can_be_revived(hub: Hub) -> None:
    team = await _team(hub)
    attempts: list[int] = []
    healed = False

    async def broken(_hub: Hub, job: Job) -> None:
        attempts.append(job.attempt)
        if not healed:
            raise ValueError("bad payload")

    await _enqueue(hub, team, "broken", 1)
    runner = JobRunner(hub, _sql(hub), {"broken": Kind(FAST, broken)})
    await _run(runner, lambda: len(attempts) == 3)
    await until(lambda: True, within_s=20.0)
    dead = await _dead(hub, team)
    assert [(d["kind"], d["attempts"], d["error"]) for d in dead] == [
        ("broken", 3, "ValueError: bad payload")
    ]
    counts = await hub.read(team, lambda tx: tx.job_counts())
    assert counts == {"broken": {"queued": 0, "running": 0, "delayed": 0, "dead": 1}}

    healed = True
    assert await hub.commit(team, lambda tx, _log: tx.revive_dead()) == 1
    await _run(runner, lambda: len(attempts) == 4)
    assert attempts == [1, 2, 3, 1]
    assert await _dead(hub, team) == []


async def test_a_permanent_failure_and_an_unknown_kind_are_not_retried(hub: Hub) -> None:
    team = await _team(hub)
    tries = 0

    async def refused(_hub: Hub, _job: Job) -> None:
        nonlocal tries
        tries += 1
        raise PermanentFailure("the app was deleted")

    await _enqueue(hub, team, "refused", 1)
    await _enqueue(hub, team, "nobody-runs-this", 1)
    runner = JobRunner(hub, _sql(hub), {"refused": Kind(FAST, refused)})
    runner.start()
    try:
        await until(lambda: tries == 1, within_s=20.0)
        await asyncio.sleep(0.3)
    finally:
        await runner.stop()
    assert tries == 1
    errors = sorted(d["error"] for d in await _dead(hub, team))
    assert errors == ["permanent: the app was deleted", "unknown job kind 'nobody-runs-this'"]


async def test_outcomes_are_counted_where_they_are_written_and_admin_jobs_shows_their_rates(
    hub: Hub,
) -> None:
    """With the SQL queue, `hubbub admin jobs` shows totals and rates per kind and outcome, as
    it does from Redis's counters; each count is written with the outcome it counts, so they
    are exact as soon as the jobs are marked."""
    teams = [await _team(hub), await _team(hub, "other")]
    runs: Counter[str] = Counter()

    async def fine(_hub: Hub, _job: Job) -> None:
        runs["fine"] += 1

    async def flaky(_hub: Hub, job: Job) -> None:
        runs["flaky"] += 1
        if job.attempt == 1:
            raise ConnectionError("once")

    async def refused(_hub: Hub, _job: Job) -> None:
        runs["refused"] += 1
        raise PermanentFailure("no")

    table = {"fine": Kind(FAST, fine), "flaky": Kind(FAST, flaky), "refused": Kind(FAST, refused)}
    for team in teams:
        await _enqueue(hub, team, "fine", 30)
        await _enqueue(hub, team, "flaky", 5)
        await _enqueue(hub, team, "refused", 1)
    interval = 2.0  # the work fits well inside it, even on a busy machine
    report = asyncio.get_running_loop().create_task(jobs_admin.report(hub, None, interval))
    await asyncio.sleep(0.1)  # its first reading is taken: nothing counted yet
    runner = JobRunner(hub, _sql(hub), table, concurrency=8)
    await _run(runner, lambda: runs == {"fine": 60, "flaky": 20, "refused": 2})
    shown = (await report)["sql"]
    want = {"fine:done": 60, "flaky:done": 10, "flaky:retried": 10, "refused:dead": 2}
    assert shown["totals"] == want
    assert shown["rates_per_s"] == {key: n / interval for key, n in want.items()}

    await _enqueue(hub, teams[1], "fine", 3)
    await _run(runner, lambda: runs["fine"] == 63)
    totals = await jobs_admin.report(hub, None, 0.1)
    assert totals["sql"]["totals"]["fine:done"] == 63
    assert totals["sql"]["rates_per_s"]["fine:done"] == 0.0


async def test_a_job_past_its_timeout_is_cancelled_and_retried(hub: Hub) -> None:
    team = await _team(hub)
    attempts: list[int] = []

    async def slow(_hub: Hub, job: Job) -> None:
        attempts.append(job.attempt)
        if job.attempt == 1:
            await asyncio.sleep(30)

    spec = JobSpec(timeout_s=0.2, max_attempts=3, backoff_base_s=0.01, backoff_cap_s=0.02)
    await _enqueue(hub, team, "slow", 1)
    started = time.monotonic()
    runner = JobRunner(hub, _sql(hub), {"slow": Kind(spec, slow)})
    await _run(runner, lambda: attempts == [1, 2])
    assert time.monotonic() - started < 5


async def test_one_workspaces_burst_does_not_starve_another(hub: Hub) -> None:
    busy, quiet = await _team(hub, "busy"), await _team(hub, "quiet")
    finished: dict[str, list[float]] = {busy: [], quiet: []}

    async def work(_hub: Hub, job: Job) -> None:
        finished[job.team_id].append(time.monotonic())

    spec = JobSpec(timeout_s=2.0, rate=50.0, burst=10)
    await _enqueue(hub, busy, "work", 100)
    await _enqueue(hub, quiet, "work", 10)
    started = time.monotonic()
    runner = JobRunner(hub, _sql(hub), {"work": Kind(spec, work)}, concurrency=8)
    await _run(runner, lambda: len(finished[busy]) == 100 and len(finished[quiet]) == 10)
    # The quiet workspace's ten ran within its burst, while the busy one waited on its rate.
    assert max(finished[quiet]) - started < 1.0
    assert max(finished[busy]) - started > 1.5


async def test_a_rolled_back_change_queues_no_job(hub: Hub) -> None:
    team = await _team(hub)

    def unit(tx: Tx, log: Any) -> None:
        log.job(team, "count", {"n": 1})
        raise RuntimeError("the change fails")

    with pytest.raises(RuntimeError):
        await hub.commit(team, unit)
    assert await hub.read(team, lambda tx: tx.job_counts()) == {}


async def test_a_keyed_job_is_queued_once(hub: Hub) -> None:
    team = await _team(hub)
    first = await hub.commit(team, lambda _tx, log: log.job(team, "k", {}, key="C1/1.2"))
    again = await hub.commit(team, lambda _tx, log: log.job(team, "k", {}, key="C1/1.2"))
    assert (first, again) == (True, False)


async def test_a_posted_message_is_followed_up_by_the_reactors_once(hub: Hub) -> None:
    """The outbox row is the event's job: the relay hands the event to the reactors, then
    deletes the row. A reactor that fails leaves a `follow_up` job in its place, and the event
    comes back to it from the job runner."""
    await workspaces.create_workspace(hub, "Acme", "acme")
    account = await workspaces.create_user(hub, "acme", email="a@acme.test", name="a")
    who = await authenticate(hub, account.token)
    channel = await channels.create(hub, who, "dev", is_private=False)
    heard: list[str] = []
    places: list[tuple[str, int]] = []
    failing = True

    async def reactor(_hub: Hub, logged: Logged) -> None:
        event = logged.event
        if event.get("text") == "hello" and logged.team_id == who.team_id:
            if failing:
                raise ConnectionError("down for now")
            heard.append(event["ts"])
            if event["ts"] == posted.ts:
                places.append((logged.stream, logged.seq))

    relay = OutboxRelay(hub, grace_s=0.2, interval_s=0.05, reactors=[reactor], retry_delay_s=0)
    posted = await posting.post(hub, who, channel.id, posting.Draft.checked("hello"))
    await relay.run_once()
    assert heard == []
    assert await hub.read(who.team_id, lambda tx: len(tx.unpublished(2**62, 100))) == 0
    counts = await hub.read(who.team_id, lambda tx: tx.job_counts())
    assert counts[FOLLOW_UP_JOB]["queued"] == 1

    failing = False
    relay.start()
    runner = JobRunner(hub, _sql(hub), {FOLLOW_UP_JOB: follow_up_kind([reactor], FAST)})
    try:
        await _run(runner, lambda: posted.ts in heard)
        await asyncio.sleep(0.3)
    finally:
        await relay.stop()
    assert heard.count(posted.ts) == 1
    now = await hub.read(who.team_id, lambda tx: tx.get_channel(who.team_id, channel.id))
    assert now is not None
    assert places == [(channel.id, now.last_seq)], "the message's place in the channel's log"
    assert await hub.read(who.team_id, lambda tx: tx.job_counts()) == {}


class _Delays(SqlQueue):
    """The SQL queue, noting the delay of each retry it is asked for."""

    def __init__(self, hub: Hub) -> None:
        super().__init__(hub, lease_s=5.0)
        self.delays: list[float] = []

    async def retry(self, job: Job, delay_s: float, error: str, *, counts: bool = True) -> None:
        self.delays.append(delay_s)
        await super().retry(job, delay_s, error, counts=counts)


async def test_a_follow_up_that_always_fails_backs_off_then_is_a_dead_letter(hub: Hub) -> None:
    """A poison event: its follow-up raises every time. It is published once, retried as a
    `follow_up` job with growing delays, then kept as a dead letter that `hubbub admin jobs`
    shows and `admin jobs retry` runs again; no relay republishes it meanwhile."""
    await workspaces.create_workspace(hub, "Acme", "acme")
    account = await workspaces.create_user(hub, "acme", email="a@acme.test", name="a")
    who = await authenticate(hub, account.token)
    channel = await channels.create(hub, who, "dev", is_private=False)
    relay = OutboxRelay(hub, grace_s=0.05, reactors=[])
    await relay.run_once()  # trims what setup published
    tries: list[int] = []
    healed = False

    async def poison(_hub: Hub, logged: Logged) -> None:
        if logged.event.get("text") == "poison":
            tries.append(logged.seq)
            if not healed:
                raise ValueError("cannot follow this up")

    published: Counter[int] = Counter()
    hub.bus.subscribe(channel.id, lambda _stream, seq, _data: published.update([seq]))
    relay = OutboxRelay(hub, grace_s=0.05, reactors=[poison], retry_delay_s=0)
    await posting.post(hub, who, channel.id, posting.Draft.checked("poison"))
    await relay.run_once()
    assert len(tries) == 1
    spec = JobSpec(timeout_s=2.0, max_attempts=4, backoff_base_s=0.02, backoff_cap_s=1.0)
    queue = _Delays(hub)
    runner = JobRunner(hub, queue, {FOLLOW_UP_JOB: follow_up_kind([poison], spec)})
    runner.start()
    try:
        await until(lambda: len(tries) == 5, within_s=20.0)
        for _ in range(5):  # relays' passes past the grace period republish nothing
            await asyncio.sleep(0.06)
            assert await relay.run_once() == 0
    finally:
        await runner.stop()
    assert len(queue.delays) == 3
    assert queue.delays == sorted(queue.delays) and queue.delays[0] < queue.delays[-1]
    assert list(published.values()) == [1], "published at commit, never again"
    dead = await jobs_admin.dead_letters(hub, None)
    assert [(d["kind"], d["attempts"], d["error"]) for d in dead] == [
        (FOLLOW_UP_JOB, 4, "ValueError: cannot follow this up")
    ]
    shown = (await jobs_admin.report(hub, None, 0.01))["tables"]
    assert shown["main"][FOLLOW_UP_JOB]["dead"] == 1
    assert await hub.read(who.team_id, lambda tx: len(tx.unpublished(2**62, 100))) == 0

    healed = True
    assert await jobs_admin.retry_dead(hub, None) == 1
    await _run(runner, lambda: len(tries) == 6)
    assert len(set(tries)) == 1, "the one event, followed up six times in all"
    assert await jobs_admin.dead_letters(hub, None) == []
    assert await hub.read(who.team_id, lambda tx: tx.job_counts()) == {}


# -- Redis Streams ---------------------------------------------------------------------------


@pytest.fixture
async def streams(redis_server: Any, redis_prefix: str) -> AsyncIterator[JobStreams]:
    client = Redis.from_url(redis_server.url)
    yield JobStreams(client, prefix=redis_prefix)
    keys = await client.keys(f"{redis_prefix}*")
    if keys:
        await client.delete(*keys)
    await client.aclose()


async def test_relay_and_two_stream_workers_run_every_job_once(
    hub: Hub, streams: JobStreams
) -> None:
    team = await _team(hub)
    seen: Counter[int] = Counter()

    async def handler(_hub: Hub, job: Job) -> None:
        seen[job.payload["n"]] += 1

    await _enqueue(hub, team, "count", 300)
    relay = StreamRelay(hub, streams)
    workers = [
        JobRunner(
            hub, StreamQueue(streams, lease_s=5, name=f"w{i}"), {"count": Kind(FAST, handler)}
        )
        for i in range(2)
    ]
    relay.start()
    for w in workers:
        w.start()
    try:
        await until(lambda: len(seen) == 300, within_s=20.0)
        for w in workers:
            await w.drain()
        # The relay deletes a batch's rows after adding them to the stream: let it finish.

        async def deleted() -> bool:
            return not await hub.read(team, lambda tx: tx.job_counts())

        await until(deleted, 10, "the relay to delete its rows")
    finally:
        for w in workers:
            await w.stop()
        await relay.stop()
    assert set(seen.values()) == {1}
    assert all(w.done > 0 for w in workers)  # both took a share
    assert await hub.read(team, lambda tx: tx.job_counts()) == {}
    stats = await streams.stats()
    assert (stats["stream"], stats["pending"], stats["dead"]) == (0, 0, 0)
    # Counted once, by the stream: the relay's moves are not outcomes.
    assert stats["totals"]["count:done"] == 300
    assert await hub.read(team, lambda tx: tx.job_totals()) == {}


async def test_a_stream_worker_outlives_a_redis_restart_that_empties_it(
    hub: Hub, private_redis: Any, redis_prefix: str
) -> None:
    """Redis down is Unavailable to the runner, which waits it out; back empty, the group is
    made again. Before, the first ConnectionError ended the runner's loop: the worker process
    stayed up and ran nothing more (found by the chaos cluster, tests/chaos)."""
    team = await _team(hub)
    seen: list[int] = []

    async def handler(_hub: Hub, job: Job) -> None:
        seen.append(job.payload["n"])

    client = Redis.from_url(private_redis.url)
    streams = JobStreams(client, prefix=redis_prefix)
    runner = JobRunner(hub, StreamQueue(streams, lease_s=5), {"count": Kind(FAST, handler)})
    relay = StreamRelay(hub, streams)
    try:
        await _enqueue(hub, team, "count", 1)
        await relay.run_once()
        runner.start()
        await until(lambda: seen == [0], within_s=20.0)
        with capture_logs() as logs:
            private_redis.kill()

            def waited_out() -> bool:
                return any(e["event"] == "jobs_claim_failed" for e in logs)

            await until(waited_out, 20.0, "a claim to fail as unavailable")
        private_redis.start()
        await _enqueue(hub, team, "count", 1)
        assert await relay.run_once() == 1
        await until(lambda: len(seen) == 2, within_s=20.0)
        assert runner._task is not None and not runner._task.done()
    finally:
        await runner.stop()
        await client.aclose()


async def test_a_stream_worker_outlives_its_stream_deleted_under_its_blocked_read(
    hub: Hub, streams: JobStreams
) -> None:
    """A FLUSHALL (or a DEL of the stream) while the worker blocks in XREADGROUP answers it
    `UNBLOCKED the stream key no longer exists`, not NOGROUP: the group is made again at the
    next claim. Before, that error ended the runner's loop and left the worker idle."""
    team = await _team(hub)
    seen: list[int] = []

    async def handler(_hub: Hub, job: Job) -> None:
        seen.append(job.payload["n"])

    queue = StreamQueue(streams, lease_s=5)
    runner = JobRunner(hub, queue, {"count": Kind(FAST, handler)})
    relay = StreamRelay(hub, streams)
    try:
        await _enqueue(hub, team, "count", 1)
        await relay.run_once()
        runner.start()
        await until(lambda: seen == [0], within_s=20.0)
        await asyncio.sleep(0.2)  # the runner is back in its blocking read
        with capture_logs() as logs:
            await streams.redis.delete(streams.stream)

            def waited_out() -> bool:
                return any(e["event"] == "jobs_claim_failed" for e in logs)

            await until(waited_out, 20.0, "the blocked claim to fail as unavailable")
        await _enqueue(hub, team, "count", 1)
        assert await relay.run_once() == 1
        await until(lambda: len(seen) == 2, within_s=20.0)
        assert runner._task is not None and not runner._task.done()
    finally:
        await runner.stop()


async def test_stream_retries_dead_letters_and_revival(hub: Hub, streams: JobStreams) -> None:
    team = await _team(hub)
    attempts: list[int] = []
    healed = False

    async def broken(_hub: Hub, job: Job) -> None:
        attempts.append(job.attempt)
        if not healed:
            raise ValueError("nope")

    await _enqueue(hub, team, "broken", 1)
    await StreamRelay(hub, streams).run_once()
    queue: JobQueue = StreamQueue(streams, lease_s=5)
    runner = JobRunner(hub, queue, {"broken": Kind(FAST, broken)})
    await _run(runner, lambda: len(attempts) == 3)
    assert attempts == [1, 2, 3]
    dead = await streams.dead_letters()
    assert [(d["kind"], d["attempt"], d["error"]) for d in dead] == [
        ("broken", 3, "ValueError: nope")
    ]
    healed = True
    assert await streams.revive_dead() == 1
    await _run(runner, lambda: len(attempts) == 4)
    assert attempts[-1] == 1
    assert (await streams.stats())["dead"] == 0


async def test_a_job_left_by_a_dead_stream_worker_is_run_by_another(
    hub: Hub, streams: JobStreams
) -> None:
    """The worker that read the entry never acks it (it died): once idle past the lease, the
    entry is claimed by the next worker, as its second try."""
    team = await _team(hub)
    await _enqueue(hub, team, "count", 1)
    await StreamRelay(hub, streams).run_once()
    dead_worker = StreamQueue(streams, lease_s=0.2, name="dead")
    taken = await dead_worker.claim(10)
    assert [j.attempt for j in taken] == [1]
    attempts: list[int] = []

    async def handler(_hub: Hub, job: Job) -> None:
        attempts.append(job.attempt)

    await asyncio.sleep(0.3)
    runner = JobRunner(
        hub, StreamQueue(streams, lease_s=0.2, name="alive"), {"count": Kind(FAST, handler)}
    )
    await _run(runner, lambda: attempts == [2])
    assert (await streams.stats())["pending"] == 0


async def test_runners_of_two_processes_on_postgresql_run_each_job_once(postgres_url: str) -> None:
    """Claims skip the rows another runner is claiming (FOR UPDATE SKIP LOCKED)."""
    settings = Settings(database_url=postgres_url)
    hubs = [build_hub(settings), build_hub(settings)]
    seen: Counter[int] = Counter()

    async def handler(_hub: Hub, job: Job) -> None:
        seen[job.payload["n"]] += 1
        await asyncio.sleep(0.001)

    try:
        team = await _team(hubs[0])
        for _ in range(5):
            await _enqueue(hubs[0], team, "count", 100)
        runners = [
            JobRunner(hub, _sql(hub), {"count": Kind(FAST, handler)}, concurrency=8) for hub in hubs
        ]
        for r in runners:
            r.start()
        try:
            await until(lambda: len(seen) == 100 and sum(seen.values()) >= 500, within_s=20.0)
            for r in runners:
                await r.drain()
        finally:
            for r in runners:
                await r.stop()
        assert sum(seen.values()) == 500 and set(seen.values()) == {5}
        assert all(r.done > 0 for r in runners)  # both took a share
    finally:
        for hub in hubs:
            await hub.close()


async def test_a_workers_events_are_published_once_and_it_keeps_no_growing_record(
    tmp_path: Path, redis_server: Any, redis_prefix: str
) -> None:
    """`hubbub worker` runs jobs that commit events. It publishes each at commit, and its own
    relay follows them up and deletes their rows: what a gateway's feed hears of each event is
    one publication (none from a server's relay taking the row for stale), and the worker's
    record of what it published is emptied as it goes."""
    settings = settings_for(
        tmp_path / "data",
        redis_url=redis_server.url,
        redis_prefix=redis_prefix,
        job_queue="redis",
        public_url="http://hubbub.test",
    )
    server = build_hub(settings)  # a `hubbub serve`: its relays, and a gateway's subscription
    worker_hub = await tool_hub(settings)  # as `hubbub worker` builds it
    loops: list[Any] = []
    try:
        team = await _team(server)
        owner = await workspaces.create_user(server, "acme", email="a@acme.test", name="a")
        who = await authenticate(server, owner.token)
        channel = await channels.create(server, who, "dev", is_private=False)
        # The relay of a server, with its grace period: a row older than that is stale.
        server_relay = OutboxRelay(server, interval_s=0.05, reactors=[])
        await server_relay.run_once()  # trims what setup published
        heard: Counter[int] = Counter()
        server.bus.subscribe(channel.id, lambda _stream, seq, _data: heard.update([seq]))
        await asyncio.sleep(0.2)  # the subscription is confirmed by Redis
        recorded: list[int] = []

        async def emit(hub: Hub, job: Job) -> None:
            def unit(_tx: Tx, log: Any) -> None:
                log.channel_event(team, channel.id, {"type": "test_event", "n": job.payload["n"]})

            await hub.commit(team, unit)
            outbox = hub.published_outbox or {}
            recorded.append(sum(len(rows) for rows in outbox.values()))

        jobs = 200
        await _enqueue(server, team, "emit", jobs)
        streams = job_streams(worker_hub, settings)
        worker = jobs_admin.Worker(
            worker_hub, streams, concurrency=8, lease_s=5.0, table={"emit": Kind(FAST, emit)}
        )
        loops = [server_relay, StreamRelay(server, streams), worker]
        for loop in loops:
            loop.start()
        await until(lambda: sum(heard.values()) >= jobs, within_s=20.0)
        await asyncio.sleep(GRACE_S * 1.5)  # past the grace: a stale row is republished now
        for loop in loops:
            await loop.stop()
        loops = []
        assert await server_relay.run_once() == 0
        assert len(heard) == jobs and set(heard.values()) == {1}, "each event published once"
        assert max(recorded) < jobs, "the record is emptied as the worker goes"
        assert sum(len(rows) for rows in (worker_hub.published_outbox or {}).values()) == 0
        assert await server.read(team, lambda tx: len(tx.unpublished(2**62, 1000))) == 0
    finally:
        for loop in loops:
            await loop.stop()
        await worker_hub.close()
        await server.close()
        keys = await Redis.from_url(redis_server.url).keys(f"{redis_prefix}*")
        if keys:
            await Redis.from_url(redis_server.url).delete(*keys)
