"""Search on both stores (docs/search.md): the index follows every write of a message in its own
transaction, every language is found by substring, and the query language's modifiers narrow
what is found. Through the services, on a real SQLite file and a real PostgreSQL database."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import event
from sqlalchemy.engine import Engine

from hubbub.app import build_hub
from hubbub.config import Settings
from hubbub.domain.jobs import Job
from hubbub.domain.model import Identity, Message
from hubbub.domain.search_text import boundary_keys
from hubbub.domain.ts import from_micros
from hubbub.services import direct, messages, pins, posting, previews, reactions, workspaces
from hubbub.services import search as search_service
from hubbub.services.auth import authenticate
from hubbub.services.channels import create
from hubbub.services.hub import Hub
from hubbub.services.membership import join
from hubbub.services.search import Ask, search_messages
from hubbub.services.search_index import reindex
from hubbub.store.queries import search as search_sql
from hubbub.store.queries import search_index
from hubbub.store.queries.search_statements import Plan
from hubbub.store.tx import Tx
from tests.support.search_keys import key_gaps
from tests.support.web_target import Target


@dataclass
class World:
    hub: Hub
    ada: Identity
    bob: Identity
    general: str
    random: str
    sqlite_file: Path | None  # None: on PostgreSQL


@pytest.fixture(params=["sqlite", "postgres"])
async def world(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[World]:
    url = request.getfixturevalue("postgres_url") if request.param == "postgres" else None
    # Private addresses allowed: a link preview's page is a local test server (Target).
    settings = Settings(data_dir=tmp_path / "data", database_url=url, allow_private_outbound=True)
    hub = build_hub(settings)
    await workspaces.create_workspace(hub, "Acme", "acme")
    people = []
    for name in ("ada", "bob"):
        account = await workspaces.create_user(hub, "acme", email=f"{name}@acme.test", name=name)
        people.append(await authenticate(hub, account.token))
    ada, bob = people
    general = await create(hub, ada, "lobby", is_private=False)
    random = await create(hub, ada, "side", is_private=False)
    await join(hub, bob, general.id)
    yield World(hub, ada, bob, general.id, random.id, None if url else settings.database)
    await hub.close()


async def found(w: World, query: str, who: Identity | None = None, **ask: object) -> list[str]:
    """The texts a search finds, in the order it gives them."""
    results = await search_messages(w.hub, who or w.ada, query, Ask(**ask))  # type: ignore[arg-type]
    return [m.message.text for m in results.matches]


async def post(w: World, text: str, channel: str | None = None, **more: object) -> str:
    draft = posting.Draft.checked(text, **more)  # type: ignore[arg-type]
    msg = await posting.post(w.hub, w.ada, channel or w.general, draft)
    return msg.ts


async def test_an_edit_replaces_the_old_text_and_a_delete_removes_it(world: World) -> None:
    w = world
    ts = await post(w, "the alpha release is out")
    assert await found(w, "alpha") == ["the alpha release is out"]

    await messages.update(w.hub, w.ada, w.general, ts, text="the bravo release is out")
    assert await found(w, "alpha") == []
    assert await found(w, "bravo") == ["the bravo release is out"]

    await messages.delete(w.hub, w.ada, w.general, ts)
    assert await found(w, "bravo") == []
    assert await found(w, "release") == []


@pytest.mark.parametrize("world", ["sqlite"], indirect=True)  # PostgreSQL's GIN is its own
async def test_sqlites_fts5_table_follows_every_write(world: World) -> None:
    """search_fts is written beside search_docs, not by triggers: after posts, edits, deletes,
    a tombstone and a rebuild, FTS5 alone (no instr() behind it) finds each word, and each
    phrase by its boundary key, in the rows that hold it now and nowhere else, and its own
    integrity check passes."""
    w = world
    first = await post(w, "the alpha release")
    second = await post(w, "the beta release")
    parent = await post(w, "a parent")
    await post(w, "a reply", thread_ts=parent)
    await messages.update(w.hub, w.ada, w.general, first, text="the gamma release")
    await messages.delete(w.hub, w.ada, w.general, second)
    await messages.delete(w.hub, w.ada, w.general, parent)

    def check(tx: Any, _log: object) -> dict[str, int]:
        assert key_gaps(tx.conn, w.ada.team_id) == set()  # FTS5's own checks, both tables
        rows = {}
        for word in ("alpha", "beta", "gamma", "parent", "reply", "release"):
            grams = " ".join(f'"{word[i : i + 3]}"' for i in range(len(word) - 2))
            rows[word] = tx.conn.exec_driver_sql(
                "SELECT count(*) FROM search_fts WHERE search_fts MATCH ?", (grams,)
            ).scalar()
        for phrase in ("alpha release", "beta release", "gamma release"):
            (key,) = boundary_keys(phrase)
            rows[phrase] = tx.conn.exec_driver_sql(
                "SELECT count(*) FROM search_keys WHERE search_keys MATCH ?", (f'"{key}"',)
            ).scalar()
        return rows

    now = {"alpha": 0, "beta": 0, "gamma": 1, "parent": 0, "reply": 1, "release": 1}
    now |= {"alpha release": 0, "beta release": 0, "gamma release": 1}
    assert await w.hub.commit(w.ada.team_id, check) == now
    assert await found(w, "release") == ["the gamma release"]
    await reindex(w.hub, w.ada.team_id)
    assert await w.hub.commit(w.ada.team_id, check) == now


@pytest.mark.parametrize("world", ["sqlite"], indirect=True)
async def test_sqlites_fts5_tables_merge_sixteen_segments_at_a_time(world: World) -> None:
    """Migration 0029: each term's rows are written again half as often as with eight (what a
    post costs at 1M messages, docs/search.md "Posting"); a crisis merge only past 64."""

    def config(tx: Any, _log: object) -> dict[str, dict[str, int]]:
        return {
            table: dict(tx.conn.exec_driver_sql(f"SELECT k, v FROM {table}_config").all())
            for table in ("search_fts", "search_keys")
        }

    merges = {"automerge": 16, "crisismerge": 64, "version": 4}
    assert await world.hub.commit(world.ada.team_id, config) == {
        "search_fts": merges,
        "search_keys": merges,
    }


async def test_a_deleted_parent_is_not_found_while_its_replies_are(world: World) -> None:
    w = world
    parent = await post(w, "parent words here")
    await post(w, "reply words here", thread_ts=parent)
    await messages.delete(w.hub, w.ada, w.general, parent)
    # The tombstone that stays for the thread's sake is not found either, by its own text.
    assert await found(w, "words") == ["reply words here"]
    assert await found(w, "deleted") == []


async def test_system_messages_are_not_indexed(world: World) -> None:
    w = world
    await join(w.hub, w.bob, w.random)  # writes a channel_join message
    assert await found(w, "joined") == []


@pytest.mark.parametrize(
    ("text", "query"),
    [
        ("我们明天在北京开会", "北京"),  # two characters: below a trigram
        ("我们明天在北京开会", "明天在北"),
        ("我们明天在北京开会", "京"),
        ("東京タワーに行きました", "タワー"),
        ("東京タワーに行きました", "行き"),
        ("मैं दिल्ली में रहता हूँ", "दिल्ली"),
        ("मैं दिल्ली में रहता हूँ", "रहता हूँ"),
        ("Let us meet at the café", "cafe"),
        ("Let us meet at the cafe", "café"),
        ("Let us meet at the CAFÉ", "Café"),
        ("Straße", "STRASSE"),
        ("ok", "ok"),
        ("a b c", "b"),
    ],
)
async def test_every_language_is_found_by_substring(world: World, text: str, query: str) -> None:
    await post(world, text)
    await post(world, "something else entirely")
    assert await found(world, query) == [text]


async def test_words_phrases_exclusions_and_prefixes(world: World) -> None:
    w = world
    await post(w, "deploy the new build today")
    await post(w, "the build is new")
    await post(w, "deployment finished")
    assert sorted(await found(w, "new build")) == ["deploy the new build today", "the build is new"]
    assert await found(w, '"new build"') == ["deploy the new build today"]
    assert await found(w, "build -today") == ["the build is new"]
    assert sorted(await found(w, "deploy*")) == [
        "deploy the new build today",
        "deployment finished",
    ]
    await post(w, "we redeploy")
    assert await found(w, "deploy*") != await found(w, "deploy")  # redeploy: not a word start
    assert await found(w, '"new  BUILD" today') == ["deploy the new build today"]
    # The engines' own syntax is text: found where the text has it, never an error.
    for query in ("NEAR(new build)", "new OR old", "body:new", "new*build", '"unbalanced', "^new"):
        assert await found(w, query) == []


@pytest.mark.parametrize("prefix", ["depl*", "dep*", "de*", "DÉPLOY*"])
async def test_a_prefix_finds_the_words_it_begins_on_both_stores(world: World, prefix: str) -> None:
    """`word*` is a word that begins so (Slack's meaning), after white space or punctuation,
    typographic quotes and dashes included; not inside a word, nor after a Han character.
    Asked by the word start's key on PostgreSQL (four bytes or more), else by trigrams, else
    by a walk of the newest rows: the same matches every way, edits followed."""
    w = world
    begins = [
        "deployment finished",
        "(deploy) at noon",
        "“Deploy” it",
        "x-deploy",
        "late—deploying",
        "Déploiement",
        "redeployed, then deploy",  # the first occurrence inside a word, a later one begins one
    ]
    inside = ["we redeploy", "東京deploy", "x_redeploy", "nodeploy", "redeploy undeploy"]
    for text in begins + inside:
        await post(w, text)
    # Folded: "deploiement" begins with "depl", not with "deploy".
    expected = [t for t in begins if prefix != "DÉPLOY*" or t != "Déploiement"]
    assert sorted(await found(w, prefix)) == sorted(expected)
    # An edit moves the word start: the old text's word is gone, the new one found.
    ts = await post(w, "nodeploy yet")
    assert "nodeploy yet" not in await found(w, prefix)
    await messages.update(w.hub, w.ada, w.general, ts, text="no deploy yet")
    assert "no deploy yet" in await found(w, prefix)


async def test_a_prefix_in_a_modifiers_walk_and_with_other_terms(world: World) -> None:
    w = world
    await post(w, "deploying the build", w.random)
    await post(w, "redeploying the build", w.random)
    await post(w, "deploying elsewhere")
    assert await found(w, "deploy* in:#side") == ["deploying the build"]
    assert await found(w, "build deploy*") == ["deploying the build"]
    assert await found(w, "deploy* -build") == ["deploying elsewhere"]
    mine = sorted(await found(w, "deploy* from:@ada"))
    assert mine == ["deploying elsewhere", "deploying the build"]


async def test_phrases_by_their_boundary_keys_follow_edits_in_every_script(world: World) -> None:
    """A phrase is asked by the keys of its spaces on SQLite (by its trigrams on PostgreSQL):
    found where it is, in any script (keys are of UTF-8 bytes), not where its words are
    apart, and an edit moves it."""
    w = world
    first = await post(w, "ship the green release")
    await post(w, "green is the release")
    await post(w, "東京 タワーに行きました")
    await post(w, "Crème brûlée tonight")
    assert await found(w, '"green release"') == ["ship the green release"]
    assert await found(w, '"東京 タワー"') == ["東京 タワーに行きました"]
    assert await found(w, '"creme brulee"') == ["Crème brûlée tonight"]
    # Inside words: the keys are of three bytes either side of a space, whole words or not.
    assert await found(w, '"een rele"') == ["ship the green release"]
    await messages.update(w.hub, w.ada, w.general, first, text="ship the blue release")
    assert await found(w, '"green release"') == []
    assert await found(w, '"blue release"') == ["ship the blue release"]


@pytest.mark.parametrize("walk_limit", [search_sql.WALK_LIMIT, 0])
async def test_modifiers(world: World, walk_limit: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # The same answers whether in:, from: and has:link lead with their own rows (few here) or
    # the text index does (WALK_LIMIT 0: a modifier is never small enough to lead).
    monkeypatch.setattr(search_sql, "WALK_LIMIT", walk_limit)
    w = world
    await post(w, "status in general")
    await post(w, "status in random", w.random)
    bobs = await posting.post(w.hub, w.bob, w.general, posting.Draft.checked("status from bob"))
    linked = await post(w, "status with <https://example.com|a link>")
    pinned = await post(w, "status pinned")
    await pins.add(w.hub, w.ada, w.general, pinned)
    liked = await post(w, "status liked")
    await reactions.add(w.hub, w.bob, w.general, liked, "thumbsup")
    parent = await post(w, "status thread parent")
    await post(w, "status thread reply", thread_ts=parent)
    dm = await direct.open_conversation(w.hub, w.ada, user_ids=[w.bob.user_id], channel_id=None)
    await posting.post(w.hub, w.ada, dm.channel.id, posting.Draft.checked("status in the dm"))

    assert await found(w, "status in:#side") == ["status in random"]
    assert await found(w, "status in:side") == ["status in random"]
    assert await found(w, f"status in:<#{w.random}>") == ["status in random"]
    assert await found(w, "status in:@bob") == ["status in the dm"]
    assert await found(w, f"status in:<@{w.bob.user_id}>") == ["status in the dm"]
    assert await found(w, "status from:@bob") == [bobs.text]
    assert await found(w, f"status from:<@{w.bob.user_id}>") == [bobs.text]
    assert await found(w, "status from:me in:#side") == ["status in random"]
    assert await found(w, "status has:link") == ["status with <https://example.com|a link>"]
    assert await found(w, "status has:pin") == ["status pinned"]
    assert await found(w, "status has:reaction") == ["status liked"]
    assert sorted(await found(w, "status is:thread")) == [
        "status thread parent",
        "status thread reply",
    ]
    assert len(await found(w, "status on:today")) == 9
    assert len(await found(w, "status during:year")) == 9
    assert await found(w, "status before:2001-01-01") == []
    assert await found(w, "status after:today") == []
    # A modifier alone is a search too.
    assert await found(w, "from:@bob") == [bobs.text]
    # Names and ids of nothing find nothing, without a word about why.
    for query in ("in:#nowhere", "from:@nobody", "in:@nobody", "in:<#C0NOSUCH>", "on:2026-02-30"):
        assert await found(w, query) == []
    assert linked and liked


async def test_sorting_and_pages_are_stable(world: World) -> None:
    w = world
    for n in range(25):
        await post(w, f"report number {n:02d}" + " report" * (n % 3))
    newest = await found(w, "report", by_time=True, count=100)
    assert newest == sorted(newest, reverse=True)
    oldest = await found(w, "report", by_time=True, ascending=True, count=100)
    assert oldest == list(reversed(newest))
    ranked = await found(w, "report", count=100)
    # More occurrences rank higher: every message saying it three times comes first.
    assert all(t.count("report") == 3 for t in ranked[:8])
    pages = [await found(w, "report", count=10, page=p) for p in (1, 2, 3)]
    assert [t for page in pages for t in page] == ranked
    assert await found(w, "report", count=10, page=4) == []
    results = await search_messages(w.hub, w.ada, "report", Ask(count=10, page=3))
    assert results.total == 25


async def test_a_bot_token_may_not_search(world: World) -> None:
    from hubbub.domain.errors import SlackError

    bot = await workspaces.create_bot(world.hub, "acme", name="robot")
    who = await authenticate(world.hub, bot.token)
    with pytest.raises(SlackError, match="not_allowed_token_type"):
        await search_messages(world.hub, who, "anything", Ask())


@pytest.mark.parametrize("store", ["sqlite", "postgres"])
def test_any_query_runs_on_the_real_store(
    store: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Whatever the query holds, the engine never sees syntax of its own: no error, ever."""
    url = request.getfixturevalue("postgres_url") if store == "postgres" else None
    loop = asyncio.new_event_loop()
    hub = build_hub(Settings(data_dir=tmp_path / "data", database_url=url))
    try:
        loop.run_until_complete(workspaces.create_workspace(hub, "Acme", "acme"))
        account = loop.run_until_complete(
            workspaces.create_user(hub, "acme", email="a@acme.test", name="a")
        )
        who = loop.run_until_complete(authenticate(hub, account.token))
        channel = loop.run_until_complete(create(hub, who, "lobby", is_private=False))
        loop.run_until_complete(
            posting.post(
                hub,
                who,
                channel.id,
                posting.Draft.checked('a "NEAR" (OR) body:x ^y * 100% _ \\ 北京'),
            )
        )

        @settings(max_examples=150, deadline=None)
        @given(st.text(max_size=200) | st.lists(SYNTAX).map(" ".join))
        def run(text: str) -> None:
            loop.run_until_complete(search_messages(hub, who, text, Ask()))

        run()
    finally:
        loop.run_until_complete(hub.close())
        loop.close()


SYNTAX = st.sampled_from(
    [
        '"',
        "NEAR(",
        "OR",
        "AND",
        "NOT",
        "^",
        "*",
        "body:",
        "(",
        ")",
        "&",
        "|",
        "!",
        "<->",
        ":*",
        "%",
        "_",
        "\\",
        "'",
        "-",
        "in:",
        "from:",
        "北",
        "x",
        "abc",
        "'; DROP TABLE messages; --",
    ]
)


async def written_at(w: World, moment: datetime, text: str) -> None:
    """A message whose ts is that moment, written by the store's own insert (as an import writes
    history), so its day is not today's."""
    team = w.ada.team_id
    ts = from_micros(int(moment.timestamp()) * 1_000_000)

    def unit(tx: Tx, _log: object) -> None:
        msg = Message(team, w.general, ts, w.ada.user_id, None, None, text, None, None, None, 0,
                      (), None, None, None, None)  # fmt: skip
        tx.insert_message(msg, tx.next_seq(team, w.general), in_channel=True)

    await w.hub.commit(team, unit)


async def lives_in(w: World, who: Identity, tz: str) -> None:
    await w.hub.commit(
        who.team_id, lambda tx, _log: tx.update_user(who.team_id, who.user_id, tz=tz)
    )


async def test_days_are_the_searchers_own(world: World) -> None:
    # Midnight opening 2026-11-20 is 08:00 UTC in Los Angeles (PST), and 15:00 UTC the day
    # before in Tokyo: a message a second before each, and one at it.
    w = world
    for place, midnight in (
        ("losangeles", datetime(2026, 11, 20, 8, tzinfo=UTC)),
        ("tokyo", datetime(2026, 11, 19, 15, tzinfo=UTC)),
    ):
        await written_at(w, midnight - timedelta(seconds=1), f"tzcheck {place} late")
        await written_at(w, midnight, f"tzcheck {place} early")
    await lives_in(w, w.ada, "America/Los_Angeles")
    await lives_in(w, w.bob, "Asia/Tokyo")
    for who, place in ((w.ada, "losangeles"), (w.bob, "tokyo")):
        late, early = f"tzcheck {place} late", f"tzcheck {place} early"
        words = f"tzcheck {place}"
        assert await found(w, f"{words} on:2026-11-19", who) == [late]
        assert await found(w, f"{words} on:2026-11-20", who) == [early]
        assert await found(w, f"{words} during:2026-11-20", who) == [early]
        assert await found(w, f"{words} before:2026-11-20", who) == [late]
        assert await found(w, f"{words} after:2026-11-19", who) == [early]
    # Tokyo's two messages are both of November 19th in Los Angeles, and in UTC.
    tokyo = ["tzcheck tokyo early", "tzcheck tokyo late"]
    assert sorted(await found(w, "tzcheck tokyo on:2026-11-19", w.ada)) == tokyo
    # A zone this system does not know (an import may bring any text) is UTC: never an error.
    await lives_in(w, w.ada, "Mars/Olympus_Mons")
    assert sorted(await found(w, "tzcheck tokyo on:2026-11-19", w.ada)) == tokyo
    assert sorted(await found(w, "tzcheck losangeles on:2026-11-20", w.ada)) == [
        "tzcheck losangeles early",
        "tzcheck losangeles late",
    ]


async def test_during_a_months_name(world: World) -> None:
    w = world
    today = datetime.now(UTC)
    # The month before this one: this year's, or December of last year in January.
    last = (today.replace(day=1) - timedelta(days=1)).replace(day=15, hour=12)
    await written_at(w, last, "monthcheck last month")
    await written_at(w, last.replace(year=last.year - 1), "monthcheck a year before")
    name = MONTHS[last.month - 1]
    assert await found(w, f"monthcheck during:{name}") == ["monthcheck last month"]
    assert await found(w, f"monthcheck during:{name[:3].upper()}") == ["monthcheck last month"]
    assert await found(w, f"monthcheck during:{MONTHS[today.month - 1]}") == []


MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]


def section(text: str) -> list[dict[str, Any]]:
    return [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]


REPORT = {
    "fallback": "Nightly build",
    "title": "Nightly build",
    "fields": [{"title": "Branch", "value": "quixotic-branch", "short": True}],
}


async def test_the_words_of_blocks_and_attachments_are_found(world: World) -> None:
    w = world
    await post(w, "", blocks=section("the zephyr deploy finished"))
    await post(w, "build news", attachments=[REPORT])
    await post(w, "plain text only")
    assert await found(w, "zephyr") == [""]
    assert await found(w, '"zephyr deploy"') == [""]
    assert await found(w, "quixotic") == ["build news"]
    assert await found(w, "branch nightly") == ["build news"]
    assert await found(w, "build -quixotic") == []
    # Highlights mark the text only: a match in the blocks alone is found, unmarked.
    results = await search_messages(w.hub, w.ada, "quixotic", Ask())
    assert [m.message.text for m in results.matches] == ["build news"]
    # has:link sees a link a block shows.
    await post(w, "", blocks=section("see <https://example.com|the zephyr page>"))
    assert await found(w, "zephyr has:link") == [""]


async def test_an_edit_of_blocks_or_attachments_follows(world: World) -> None:
    w = world
    ts = await post(w, "status", blocks=section("old marmalade"))
    await messages.update(w.hub, w.ada, w.general, ts, text="status", blocks=section("new jam"))
    assert await found(w, "marmalade") == []
    assert await found(w, "jam") == ["status"]
    # Attachments left out of an edit stay, and so do their words; blocks left out too.
    await messages.update(w.hub, w.ada, w.general, ts, text="status", attachments=[REPORT])
    assert await found(w, "quixotic jam") == ["status"]
    await messages.update(w.hub, w.ada, w.general, ts, text="status now", blocks=[])
    assert await found(w, "jam") == []
    assert await found(w, "quixotic") == ["status now"]
    await messages.delete(w.hub, w.ada, w.general, ts)
    assert await found(w, "quixotic") == []


async def test_a_rebuild_indexes_blocks_and_attachments(world: World) -> None:
    w = world
    await post(w, "", blocks=section("the zephyr deploy"))
    await post(w, "build news", attachments=[REPORT])
    await reindex(w.hub, w.ada.team_id)
    assert await found(w, "zephyr") == [""]
    assert await found(w, "quixotic") == ["build news"]


async def test_link_previews_are_not_indexed(world: World) -> None:
    # A preview is a page's words, not the poster's (Slack does not index unfurls): the
    # unfurl job's attachment is shown with the message, and search does not find its title.
    w = world
    with Target("127.0.0.2") as site:
        msg = await posting.post(
            w.hub, w.ada, w.general, posting.Draft.checked(f"see <{site.url('/og')}>")
        )
        job = Job("1", msg.team_id, previews.UNFURL_JOB, {"channel": w.general, "ts": msg.ts}, 1)
        await previews.unfurl(w.hub, job)
    stored = await w.hub.read(
        w.ada.team_id, lambda tx: tx.get_message(w.ada.team_id, w.general, msg.ts)
    )
    assert stored is not None
    assert [a["title"] for a in stored.attachments or []] == ["A story worth reading"]
    assert await found(w, "story worth") == []
    assert await found(w, "Local News") == []
    assert await found(w, "see") == [msg.text]


async def test_a_page_of_results_is_read_in_one_statement(world: World) -> None:
    # get_messages (services/search.py _readable): exactly the (channel, ts) asked for.
    w = world
    first = await post(w, "one")
    second = await post(w, "two", w.random)
    asked = [(w.general, first), (w.random, second), (w.random, first), (w.general, "1.000001")]
    found = await w.hub.read(w.ada.team_id, lambda tx: tx.get_messages(w.ada.team_id, asked))
    assert {key: m.text for key, m in found.items()} == {
        (w.general, first): "one",
        (w.random, second): "two",
    }
    other = await w.hub.read(w.ada.team_id, lambda tx: tx.get_messages("T0NOSUCH", asked))
    assert other == {}
    assert await w.hub.read(w.ada.team_id, lambda tx: tx.get_messages(w.ada.team_id, [])) == {}

    if w.sqlite_file is not None:
        # SQLite looks each pair up in the message key's index: `(channel_id, ts) IN (VALUES
        # ...)` had it scan the workspace's messages (200 ms a search at 1M messages).
        seen: list[tuple[str, Any]] = []

        def record(_conn: Any, _cur: Any, statement: str, params: Any, *_rest: Any) -> None:
            seen.append((statement, params))

        event.listen(Engine, "before_cursor_execute", record)
        try:
            await w.hub.read(w.ada.team_id, lambda tx: tx.get_messages(w.ada.team_id, asked))
        finally:
            event.remove(Engine, "before_cursor_execute", record)
        [(statement, params)] = [(s, p) for s, p in seen if "FROM messages" in s]
        database = sqlite3.connect(w.sqlite_file)
        plan = database.execute("EXPLAIN QUERY PLAN " + statement, params).fetchall()
        database.close()
        assert all("SCAN" not in str(step) for step in plan), plan


@pytest.mark.parametrize("world", ["postgres"], indirect=True)
async def test_postgresql_walks_for_a_dense_word_and_else_asks_its_index(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The probe of the newest rows chooses: a word in most of them is found by walking the
    newest rows; one in some of them by the trigram index in a band of the newest ids; one in
    none by the index alone. A walk or band that ends before a window of matches hands over to
    the index. The same newest matches whichever leads."""
    w = world
    team = w.ada.team_id
    monkeypatch.setattr(search_sql, "PROBE_ROWS", 10)

    def unit(tx: Tx, _log: object) -> None:
        for n in range(60):
            words = "status rare" if n < 2 else "quiet" if n < 42 else "status"
            ts = from_micros(1_700_000_000_000_000 + n)
            msg = Message(team, w.general, ts, w.ada.user_id, None, None, f"{words} {n:02d}",
                          None, None, None, 0, (), None, None, None, None)  # fmt: skip
            tx.insert_message(msg, tx.next_seq(team, w.general), in_channel=True)

    await w.hub.commit(team, unit)
    plans: list[Plan] = []
    run = search_sql.SearchQueries._run

    def recorded(self: Any, scope: Any, query: Any, page: Any, plan: Plan) -> Any:
        plans.append(plan)
        return run(self, scope, query, page, plan)

    monkeypatch.setattr(search_sql.SearchQueries, "_run", recorded)

    async def searched(query: str, window: int) -> tuple[list[str], list[tuple[str, bool]]]:
        monkeypatch.setattr(search_service, "MAX_MATCHES", window)
        plans.clear()
        texts = await found(w, query, by_time=True, count=100)
        return texts, [(plan.lead, plan.floor is not None) for plan in plans]

    status = [f"status {n:02d}" for n in range(59, 41, -1)] + ["status rare 01", "status rare 00"]
    # The newest ten rows all match: a walk, here of the whole index (60 ids, fewer than its
    # span: no floor, and no hand-over even for a window it cannot fill).
    assert await searched("status", 10) == (status[:10], [("team", False)])
    assert await searched("status", 30) == (status, [("team", False)])
    assert await searched("rare", 10) == (status[18:], [("text", False)])
    monkeypatch.setattr(search_sql, "WALK_SPAN", 5)  # the walk ends short of ten matches
    assert await searched("status", 10) == (status[:10], [("team", True), ("text", False)])
    # Not dense enough to walk for: the index, in the newest 20 ids (2 x 10 x 10 / 10), which
    # hold ten matches; for a window of twenty, 40 ids, which hold 18 of them.
    monkeypatch.setattr(search_sql, "WALK_LIMIT", 5)
    assert await searched("status", 10) == (status[:10], [("text", True)])
    assert await searched("status", 20) == (status, [("text", True), ("text", False)])
    monkeypatch.setattr(search_sql, "BAND_MATCHES", 11)  # too few seen to tell a band
    assert await searched("status", 20) == (status, [("text", False)])


@pytest.mark.parametrize("world", ["sqlite"], indirect=True)
async def test_an_in_search_walks_the_message_key_newest_first(world: World) -> None:
    """in: with few rows leads by walking the channel's rows through the message's key, newest
    ts first, and stops at the window: no index of its own (migration 0028), no sort."""
    w = world
    for n in range(3):
        await post(w, f"status {n}", w.random)
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cur: Any, statement: str, params: Any, *_rest: Any) -> None:
        seen.append((statement, params))

    event.listen(Engine, "before_cursor_execute", record)
    try:
        assert await found(w, "status in:#side") == ["status 2", "status 1", "status 0"]
    finally:
        event.remove(Engine, "before_cursor_execute", record)
    [(statement, params)] = [(s, p) for s, p in seen if "count(*) OVER" in s]
    assert w.sqlite_file is not None
    database = sqlite3.connect(w.sqlite_file)
    plan = list(database.execute("EXPLAIN QUERY PLAN " + statement, params))
    database.close()
    # (id, parent, _, detail): the steps of the window's subquery `w`.
    [window] = [step[0] for step in plan if step[3] == "CO-ROUTINE w"]
    steps = [step[3] for step in plan if step[1] == window]
    assert any("SEARCH d USING INDEX uq_search_docs_message" in step for step in steps), plan
    assert not any("TEMP B-TREE" in step for step in steps), plan


async def test_dated_searches_hold_whatever_order_messages_were_indexed_in(world: World) -> None:
    """Ids follow the order messages are indexed, not their dates: history written between
    today's posts (as an import writes it), a day written again after a later one, and a
    rebuild. On SQLite a dated search asks only for the ids of its days (search_days,
    migration 0035): a day's span must widen with each row, never stay at its first."""
    w = world
    await post(w, "datecheck today")
    march = datetime(2026, 3, 10, 12, tzinfo=UTC)
    for days, hours, text in ((-40, 0, "-40"), (0, 0, "0"), (1, 0, "+1"), (-1, 0, "-1"),
                              (0, 2, "0 again")):  # fmt: skip
        await written_at(w, march + timedelta(days=days, hours=hours), f"datecheck {text}")
    await post(w, "datecheck today again")

    async def answers() -> None:
        async def dated(modifier: str) -> list[str]:
            return sorted(await found(w, f"datecheck {modifier}"))

        assert await dated("on:2026-03-10") == ["datecheck 0", "datecheck 0 again"]
        assert await dated("before:2026-03-10") == ["datecheck -1", "datecheck -40"]
        assert await dated("before:2026-03-11") == [
            "datecheck -1",
            "datecheck -40",
            "datecheck 0",
            "datecheck 0 again",
        ]
        assert await dated("after:2026-03-10") == [
            "datecheck +1",
            "datecheck today",
            "datecheck today again",
        ]
        assert await dated("during:2026-03") == [
            "datecheck +1",
            "datecheck -1",
            "datecheck 0",
            "datecheck 0 again",
        ]
        assert await dated("during:2026-01") == ["datecheck -40"]
        assert await dated("on:2026-03-12") == []
        assert await dated("before:2020-01-01") == []  # no day there at all
        assert await dated("after:2099-01-01") == []
        assert await dated("after:2026-03-09 before:2026-03-11") == [
            "datecheck 0",
            "datecheck 0 again",
        ]

    await answers()
    await reindex(w.hub, w.ada.team_id)  # every row written again, under new ids
    await answers()


@pytest.mark.parametrize("world", ["sqlite"], indirect=True)
async def test_sqlite_asks_fts5_for_a_dated_searchs_ids_alone(world: World) -> None:
    """A dated search hands FTS5 the first and last id its days can hold (search_days), which
    it seeks to, instead of every match of its words: `naidou during:month` at 1M messages,
    117 ms for its 218 matches among 75,767 candidates, 15 ms so (docs/search.md, "Dates")."""
    w = world
    assert w.sqlite_file is not None
    await post(w, "datebound one")
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cur: Any, statement: str, params: Any, *_rest: Any) -> None:
        seen.append((statement, params))

    event.listen(Engine, "before_cursor_execute", record)
    try:
        assert await found(w, "datebound during:month") == ["datebound one"]
    finally:
        event.remove(Engine, "before_cursor_execute", record)
    [(statement, params)] = [(s, p) for s, p in seen if "count(*) OVER" in s]
    database = sqlite3.connect(w.sqlite_file)
    plan = list(database.execute("EXPLAIN QUERY PLAN " + statement, params))
    database.close()
    # FTS5's plan names what it was given: M a MATCH, > and < a lowest and a highest rowid.
    [fts] = [step[3] for step in plan if "search_fts VIRTUAL TABLE" in step[3]]
    given_ = fts.rsplit(":", 1)[1]
    assert "M" in given_ and ">" in given_ and "<" in given_, plan


@pytest.mark.parametrize("world", ["sqlite"], indirect=True)
async def test_a_commit_reads_back_only_its_own_rows_for_their_days(world: World) -> None:
    """mark_days groups the rows the batch added by day once per commit: by their ids, never a
    scan of an index (SQLite chose uq_search_docs_message's whole covering index at first, and
    a post cost nine times the CPU at 1M messages)."""
    w = world
    for n in range(20):
        await post(w, f"daymark {n}")
    assert w.sqlite_file is not None
    database = sqlite3.connect(w.sqlite_file)
    database.execute("ANALYZE")  # the planner with statistics, as a store that has run a while
    statement = str(search_index.MARK_DAYS).replace(":first", "?").replace(":team_id", "?")
    team = (w.ada.team_id,)
    plan = [step[3] for step in database.execute("EXPLAIN QUERY PLAN " + statement, (5, *team))]
    database.close()
    assert any("USING INTEGER PRIMARY KEY (rowid>?)" in step for step in plan), plan
    assert not any("INDEX" in step and "PRIMARY KEY" not in step for step in plan), plan


@pytest.mark.parametrize("world", ["sqlite"], indirect=True)
async def test_a_common_word_beside_a_rarer_one_is_left_to_instr(world: World) -> None:
    """SQLite asks FTS5 only for the trigrams of the rarer terms: a word in one of 20 of the
    newest rows or more, beside a rarer one, is checked by instr() alone. Two rare words keep
    both; the answers are the same either way."""
    w = world
    for n in range(40):
        await post(w, f"ordinary chatter {n}" + (" quokka" if n == 0 else ""))
    await post(w, "quokka zebu")
    await post(w, "zebu alone")
    asked: list[str] = []

    def record(_conn: Any, _cur: Any, statement: str, params: Any, *_rest: Any) -> None:
        if "MATCH" in statement:
            asked.extend(p for p in params if isinstance(p, str) and p.startswith('"'))

    event.listen(Engine, "before_cursor_execute", record)
    try:
        assert await found(w, "quokka chatter") == ["ordinary chatter 0 quokka"]
        common_left, asked[:] = list(asked), []
        assert await found(w, "quokka zebu") == ["quokka zebu"]
        both_rare = list(asked)
    finally:
        event.remove(Engine, "before_cursor_execute", record)
    # Of the 42 rows, `chatter` is in 40, `quokka` and `zebu` in 2 each (under one in 20).
    assert common_left == ['"quo" "uok" "okk" "kka"'], common_left
    assert both_rare == ['"quo" "uok" "okk" "kka" "zeb" "ebu"'], both_rare
