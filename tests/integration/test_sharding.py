"""Workspaces spread over two PostgreSQL shards by a directory (docs/architecture.md §2), in one
process: placement, routing, and a move under a running posting load."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import orjson
import pytest

from hubbub.app import build_hub, move
from hubbub.domain.errors import SlackError
from hubbub.domain.model import Identity, Message
from hubbub.services import auth, channels, invites, posting, reading, workspaces
from hubbub.services.hub import Hub
from hubbub.store.directory import STALE_RESERVATION_S, Directory
from hubbub.store.move import TABLES
from hubbub.store.shard_load import hot_shards
from tests.support.shards import ShardSet


async def _person(hub: Hub, domain: str, email: str) -> Identity:
    account = await workspaces.create_user(hub, domain, email=email, name=email.split("@")[0])
    return await auth.authenticate(hub, account.token)


def _teams_on(shard_set: ShardSet, shard: str) -> dict[str, set[str]]:
    """Every table's team ids on one shard."""
    with shard_set.connect(shard) as conn:
        return {
            t.name: {row[0] for row in conn.execute(f"SELECT DISTINCT team_id FROM {t.name}")}
            for t in TABLES
        }


async def _posts(hub: Hub, who: Identity, channel_id: str) -> list[Message]:
    """The channel's plain messages (no join notices), oldest first."""
    found: list[Message] = []
    latest = None
    while True:
        page = await reading.history(
            hub, who, channel_id, oldest="0", latest=latest, inclusive=False, limit=999
        )
        found += page.messages
        if not page.has_more:
            return [m for m in reversed(found) if m.subtype is None]
        latest = page.messages[-1].ts


async def test_workspaces_go_to_the_least_loaded_shard_and_their_rows_stay_there(
    shard_set: ShardSet,
) -> None:
    hub = build_hub(shard_set.settings())
    try:
        teams = [await workspaces.create_workspace(hub, d.title(), d) for d in ("aa", "bb", "cc")]
        directory = Directory(shard_set.directory_url)
        placed = {e.domain: e.shard for e in directory.entries()}
        assert {e.state for e in directory.entries()} == {"active"}
        directory.close()
        assert placed == {"aa": "a", "bb": "b", "cc": "a"}
        for team in teams:
            who = await _person(hub, team.domain, f"ann@{team.domain}.test")
            channel = await channels.create(hub, who, "dev", is_private=False)
            await posting.post(hub, who, channel.id, posting.Draft.checked(f"hello {team.domain}"))
            posts = await _posts(hub, who, channel.id)
            assert [m.text for m in posts] == [f"hello {team.domain}"]
        ids = {t.domain: t.id for t in teams}
        for shard, domains in (("a", {"aa", "cc"}), ("b", {"bb"})):
            for table, found in _teams_on(shard_set, shard).items():
                assert found <= {ids[d] for d in domains}, (shard, table)
            assert _teams_on(shard_set, shard)["messages"] == {ids[d] for d in domains}
    finally:
        await hub.close()


async def test_a_domain_is_taken_across_shards_and_tokens_find_their_shard(
    shard_set: ShardSet,
) -> None:
    hub = build_hub(shard_set.settings())
    try:
        await workspaces.create_workspace(hub, "One", "one")
        signup = await workspaces.signup(
            hub, team_name="Two", domain="two", email="t@two.test", name="t", password="secret-pw"
        )
        for domain in ("one", "two"):
            with pytest.raises(SlackError) as err:
                await workspaces.create_workspace(hub, "Again", domain)
            assert err.value.code == "domain_taken"
        directory = Directory(shard_set.directory_url)
        assert sorted(e.domain for e in directory.entries()) == ["one", "two"]
        directory.close()
        assert (await auth.authenticate(hub, signup.session)).team_id == signup.team.id
        session = await auth.login(hub, "two", "t@two.test", "secret-pw")
        assert (await auth.authenticate(hub, session)).user_id == signup.user.id
        with pytest.raises(SlackError) as err:
            await auth.login(hub, "nowhere", "t@two.test", "secret-pw")
        assert err.value.code == "invalid_credentials"
        # A token made up around a team id that no directory entry has.
        with pytest.raises(SlackError) as err:
            await auth.authenticate(hub, "xoxp-TNOSUCHTEAM-U1-" + "0" * 32)
        assert err.value.code == "invalid_auth"
    finally:
        await hub.close()


async def test_invite_links_find_their_workspace_s_shard(shard_set: ShardSet) -> None:
    hub = build_hub(shard_set.settings())
    try:
        await workspaces.create_workspace(hub, "First", "first")  # shard a
        team = await workspaces.create_workspace(hub, "Second", "second")  # shard b
        who = await _person(hub, "second", "sue@second.test")
        url = await invites.create_invite(hub, who)
        code = url.rsplit("/", 1)[1]
        shown, claimed = await invites.invite_info(hub, code)
        assert (shown.name, claimed) == ("Second", None)
        session = await invites.join_by_invite(
            hub, code, name="newcomer", email="new@else.test", password="long enough"
        )
        assert (await auth.authenticate(hub, session)).team_id == team.id
        assert _teams_on(shard_set, "b")["invites"] == {team.id}
        assert _teams_on(shard_set, "a")["invites"] == set()
        for made_up in (code.replace(team.id, "TNOSUCHTEAM"), "T" + "A" * 10 + "." + "A" * 32):
            with pytest.raises(SlackError) as err:
                await invites.invite_info(hub, made_up)
            assert err.value.code == "invalid_invite"
    finally:
        await hub.close()


async def test_a_workspace_moves_under_a_posting_load_losing_and_doubling_nothing(
    shard_set: ShardSet,
) -> None:
    """Four posters write all along (with client_msg_ids, as clients retry); the move runs in
    another thread. Every acknowledged post is in the history once, in the order of its seq,
    the log has no gap, and the old shard keeps nothing of the workspace."""
    settings = shard_set.settings()
    hub = build_hub(settings)
    try:
        team = await workspaces.create_workspace(hub, "Acme", "acme")
        bystander = await workspaces.create_workspace(hub, "Other", "other")
        assert bystander.id  # on shard b: unaffected by acme's move
        who = await _person(hub, "acme", "ann@acme.test")
        channel = await channels.create(hub, who, "load", is_private=False)
        acked: list[str] = []
        stop = asyncio.Event()
        counter = itertools.count()

        async def poster() -> None:
            while not stop.is_set():
                n = next(counter)
                msg = await posting.post(
                    hub, who, channel.id, posting.Draft.checked(f"m{n}", client_msg_id=f"c{n}")
                )
                acked.append(msg.text)

        tasks = [asyncio.create_task(poster()) for _ in range(4)]
        await asyncio.sleep(0.5)
        before = len(acked)
        report = await asyncio.to_thread(move, settings, "acme", "b")
        await asyncio.sleep(0.5)
        stop.set()
        await asyncio.gather(*tasks)

        assert report.source == "a" and report.target == "b"
        assert report.rows["messages"] > before
        assert len(acked) > report.rows["messages"], "posts went on after the move"
        posts = await _posts(hub, who, channel.id)
        texts = [m.text for m in posts]
        assert sorted(texts) == sorted(acked) and len(set(texts)) == len(texts)
        log = await hub.read(team.id, lambda tx: tx.events_after(team.id, channel.id, 0, 10_000))
        assert [seq for seq, _, _ in log] == list(range(1, len(log) + 1))
        logged = [orjson.loads(p) for _, kind, p in log if kind == "message"]
        assert [e["text"] for e in logged if "subtype" not in e] == texts
        assert not any(_teams_on(shard_set, "a")[t.name] & {team.id} for t in TABLES)
        assert _teams_on(shard_set, "a")["teams"] == set()
        # Moving it back works the same way, and a move to where it is does nothing.
        with shard_set.connect("b") as conn:
            on_b = conn.execute("SELECT count(*) FROM messages WHERE team_id = %s", (team.id,))
            (stored,) = on_b.fetchone() or (0,)
        assert move(settings, "acme", "a").rows["messages"] == stored
        assert move(settings, "acme", "a").rows == {}
        assert len(await _posts(hub, who, channel.id)) == len(acked)
    finally:
        await hub.close()


async def test_moving_names_what_is_wrong(shard_set: ShardSet) -> None:
    settings = shard_set.settings()
    hub = build_hub(settings)
    try:
        await workspaces.create_workspace(hub, "Acme", "acme")
    finally:
        await hub.close()
    for domain, target, code in (
        ("nosuch", "b", "team_not_found"),
        ("acme", "z", "shard_not_found"),
    ):
        with pytest.raises(SlackError) as err:
            move(settings, domain, target)
        assert err.value.code == code


def test_a_shard_is_hot_when_it_writes_twice_as_fast_as_the_others() -> None:
    assert hot_shards({"a": 500.0, "b": 100.0, "c": 120.0}) == {"a"}
    assert hot_shards({"a": 30.0, "b": 1.0}) == set()  # too little to matter
    assert hot_shards({"a": 500.0, "b": 400.0}) == set()
    assert hot_shards({"a": 500.0}) == set()


def test_a_reservation_left_by_a_process_that_died_frees_its_domain(shard_set: ShardSet) -> None:
    """A process claimed a domain and died before the workspace reached its shard: a minute
    later the domain may be claimed again; a fresh claim, or a live workspace, holds."""
    directory = Directory(shard_set.directory_url)
    try:
        assert directory.reserve("TDEAD", "acme", "a")
        assert not directory.reserve("TOTHER", "acme", "b")
        with shard_set.connect_directory() as conn:
            conn.execute(
                "UPDATE directory_workspaces SET updated = updated - %s",
                (STALE_RESERVATION_S + 1,),
            )
        assert directory.reserve("TOTHER", "acme", "b")
        assert [(e.team_id, e.shard, e.state) for e in directory.entries()] == [
            ("TOTHER", "b", "creating")
        ]
        directory.activate("TOTHER")
        with shard_set.connect_directory() as conn:
            conn.execute("UPDATE directory_workspaces SET updated = 0")
        assert not directory.reserve("TTHIRD", "acme", "a")  # active: never taken over
    finally:
        directory.close()


async def test_jobs_not_yet_done_move_with_their_workspace(shard_set: ShardSet) -> None:
    """Queued jobs and dead letters go to the new shard under new ids, and run from there."""
    settings = shard_set.settings()
    hub = build_hub(settings)
    try:
        team = await workspaces.create_workspace(hub, "Acme", "acme")

        def unit(tx: Any, log: Any) -> None:
            for n in range(5):
                log.job(team.id, "later", {"n": n}, key=f"k{n}")

        await hub.commit(team.id, unit)
        report = await asyncio.to_thread(move, settings, "acme", "b")
        assert report.rows["jobs"] == 5
        with shard_set.connect("a") as conn:
            left = conn.execute("SELECT count(*) FROM jobs WHERE team_id = %s", (team.id,))
            assert (left.fetchone() or (0,))[0] == 0
        counts = await hub.read(team.id, lambda tx: tx.job_counts())
        assert counts == {"later": {"queued": 5, "running": 0, "delayed": 0, "dead": 0}}
        # The keys moved too: the same job is not queued twice on the new shard.
        again = await hub.commit(team.id, lambda _tx, log: log.job(team.id, "later", {}, key="k1"))
        assert again is False
    finally:
        await hub.close()


async def test_the_search_index_moves_with_its_workspace(shard_set: ShardSet) -> None:
    """Its rows go to the new shard under that shard's ids, their boundary keys with them: what
    was found before is found after, and posts after the move are indexed beside them."""
    from hubbub.services.search import Ask, search_messages

    settings = shard_set.settings()
    hub = build_hub(settings)
    try:
        # Another workspace's rows take ids of the shards too.
        await workspaces.create_workspace(hub, "Other", "other")
        other = await _person(hub, "other", "o@other.test")
        elsewhere = await channels.create(hub, other, "there", is_private=False)
        await posting.post(hub, other, elsewhere.id, posting.Draft.checked("unrelated text on b"))
        await workspaces.create_workspace(hub, "Acme", "acme")
        who = await _person(hub, "acme", "a@acme.test")
        lobby = await channels.create(hub, who, "lobby", is_private=False)
        for n in range(30):
            await posting.post(hub, who, lobby.id, posting.Draft.checked(f"北京 report {n}"))

        async def texts(query: str) -> list[str]:
            found = await search_messages(hub, who, query, Ask(count=100, by_time=True))
            return [m.message.text for m in found.matches]

        before = await texts("report")
        source = Directory(shard_set.directory_url).entry(who.team_id)
        assert source is not None
        target = "b" if source.shard == "a" else "a"
        report = await asyncio.to_thread(move, settings, "acme", target)
        assert report.rows["search_docs"] == 30
        assert await texts("report") == before
        assert len(await texts("北京")) == 30
        # A phrase is asked by its boundary keys, a column of the rows that moves with them.
        assert await texts('"北京 report 7"') == ["北京 report 7"]
        await posting.post(hub, who, lobby.id, posting.Draft.checked("report after the move"))
        assert (await texts("report"))[0] == "report after the move"
        with shard_set.connect(source.shard) as conn:
            left = conn.execute(
                "SELECT count(*) FROM search_docs WHERE team_id = %s", (who.team_id,)
            )
            assert (left.fetchone() or (0,))[0] == 0
    finally:
        await hub.close()
