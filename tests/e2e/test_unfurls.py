"""Link previews end to end: a server whose job runner fetches from pages served by the test on
127.0.0.1 (allow_private_outbound on, or off where the refusal is the point)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import select

from hubbub.domain.jobs import Job
from hubbub.services import previews
from hubbub.services.hub import Hub
from hubbub.store.tables import link_previews
from hubbub.store.tx import Tx
from tests.support.rtm import new_channel, rtm
from tests.support.servers import (
    Server,
    Workspace,
    make_workspace,
    module_server,
    module_workspace,
    run_admin,
    threaded_server,
)
from tests.support.waiting import wait_for
from tests.support.web_target import Target, html


@pytest.fixture(scope="module")
def target() -> Iterator[Target]:
    with Target("127.0.0.1") as site:
        yield site


server = module_server("unfurls", allow_private_outbound=True, outbound_timeout_s=0.5)
workspace = module_workspace()


def message(client: WebClient, channel: str, ts: str) -> dict[str, Any]:
    found: dict[str, Any] = client.conversations_history(
        channel=channel, latest=ts, inclusive=True, limit=1
    )["messages"][0]
    assert found["ts"] == ts
    return found


def attachments_of(client: WebClient, channel: str, ts: str) -> list[dict[str, Any]] | None:
    return message(client, channel, ts).get("attachments")


def test_a_page_with_open_graph_tags_becomes_an_attachment_seen_live(
    server: Server, workspace: Workspace, target: Target
) -> None:
    alice = server.client(workspace.alice.token)
    channel = new_channel(alice, workspace.bob.user_id)
    url = target.url("/og")
    with rtm(server, workspace.bob.token) as bob:
        ts = alice.chat_postMessage(channel=channel, text=f"look <{url}|here>")["ts"]
        changed = bob.until(lambda e: e.get("subtype") == "message_changed", timeout=10)[-1]
    assert changed["channel"] == channel
    assert changed["message"]["ts"] == ts
    assert "edited" not in changed["message"]  # a preview is no edit
    [shown] = changed["message"]["attachments"]
    assert shown == {
        "from_url": url,
        "original_url": url,
        "fallback": "Local News: A story worth reading",
        "title": "A story worth reading",
        "title_link": url,
        "text": "What happened, in two lines.",
        "image_url": target.url("/cover.png"),
        "service_name": "Local News",
        "id": 1,
    }
    assert attachments_of(alice, channel, ts) == [shown]
    assert changed["previous_message"].get("attachments") is None


def test_the_preview_of_a_link_in_a_file_comment_keeps_the_files_in_message_changed(
    server: Server, workspace: Workspace, target: Target
) -> None:
    """A client that replaces the message with message_changed's must not lose its files."""
    alice = server.client(workspace.alice.token)
    channel = new_channel(alice, workspace.bob.user_id)
    url = target.url("/og")
    with rtm(server, workspace.bob.token) as bob:
        alice.files_upload_v2(
            channel=channel, content="notes", filename="notes.txt", initial_comment=f"see {url}"
        )
        changed = bob.until(lambda e: e.get("subtype") == "message_changed", timeout=10)[-1]
    assert [a["title"] for a in changed["message"]["attachments"]] == ["A story worth reading"]
    assert [f["name"] for f in changed["message"]["files"]] == ["notes.txt"]
    assert [f["name"] for f in changed["previous_message"]["files"]] == ["notes.txt"]


def test_an_edit_that_adds_a_link_gets_its_preview_and_keeps_the_others(
    server: Server, workspace: Workspace, target: Target
) -> None:
    target.route("/second", lambda _r: html(b"<title>Second page</title>"))
    alice = server.client(workspace.alice.token)
    channel = new_channel(alice)
    first = target.url("/og")
    ts = alice.chat_postMessage(channel=channel, text=f"one {first}")["ts"]
    wait_for(lambda: attachments_of(alice, channel, ts))
    alice.chat_update(channel=channel, ts=ts, text=f"one {first} and {target.url('/second')}")
    shown = wait_for(lambda: (a := attachments_of(alice, channel, ts)) and len(a) == 2 and a)
    assert [a["title"] for a in shown] == ["A story worth reading", "Second page"]
    assert [a["id"] for a in shown] == [1, 2]


def test_several_links_at_most_three_and_only_html_pages(
    server: Server, workspace: Workspace, target: Target
) -> None:
    for n in range(4):
        target.route(f"/page{n}", lambda _r, n=n: html(f"<title>Page {n}</title>".encode()))
    alice = server.client(workspace.alice.token)
    channel = new_channel(alice)
    text = " ".join(
        [target.url("/plain"), target.url("/missing")] + [target.url(f"/page{n}") for n in range(4)]
    )
    ts = alice.chat_postMessage(channel=channel, text=text)["ts"]
    shown = wait_for(lambda: attachments_of(alice, channel, ts))
    # The first three links: text/plain and a 404 have no preview, the third page has.
    assert [a["title"] for a in shown] == ["Page 0"]
    assert target.hits["/page1"] == 0


def test_no_previews_when_the_author_said_so_nor_for_hubbubs_own_pages(
    server: Server, workspace: Workspace, target: Target
) -> None:
    target.route("/quiet", lambda _r: html(b"<title>Quiet</title>"))
    target.route("/loud", lambda _r: html(b"<title>Loud</title>"))
    bot = server.client(workspace.bot.token)
    alice = server.client(workspace.alice.token)
    channel = new_channel(alice, workspace.bot.user_id)
    quiet = bot.chat_postMessage(channel=channel, text=target.url("/quiet"), unfurl_links=False)
    assert "unfurl_links" not in quiet["message"]
    own = alice.chat_postMessage(channel=channel, text=f"{server.url}/archives/{channel}")["ts"]
    loud = alice.chat_postMessage(channel=channel, text=target.url("/loud"))["ts"]
    wait_for(lambda: attachments_of(alice, channel, loud))
    assert attachments_of(alice, channel, quiet["ts"]) is None
    assert attachments_of(alice, channel, own) is None
    assert target.hits["/quiet"] == 0


def test_a_target_that_hangs_is_retried_then_given_up_and_nothing_else_waits(
    server: Server, workspace: Workspace, target: Target
) -> None:
    alice = server.client(workspace.alice.token)
    channel = new_channel(alice)
    before = target.hits["/hang"]
    ts = alice.chat_postMessage(channel=channel, text=target.url("/hang"))["ts"]
    wait_for(lambda: target.hits["/hang"] > before)
    # Meanwhile the server answers as fast as ever.
    slowest = 0.0
    for n in range(20):
        started = time.monotonic()
        alice.chat_postMessage(channel=channel, text=f"meanwhile {n}")
        slowest = max(slowest, time.monotonic() - started)
    assert slowest < 0.5
    # Three tries (0.5 s each, a second or two apart), then the job ends.
    wait_for(lambda: target.hits["/hang"] == before + previews.SPEC.max_attempts, timeout=20)
    wait_for(lambda: not pending_jobs(server, workspace.team_id), timeout=10)
    assert attachments_of(alice, channel, ts) is None
    assert target.hits["/hang"] == before + previews.SPEC.max_attempts


def pending_jobs(server: Server, team_id: str) -> list[str]:
    async def work(hub: Hub) -> list[str]:
        def unit(tx: Tx) -> list[str]:
            counts = tx.job_counts()
            kind = counts.get(previews.UNFURL_JOB, {})
            return [k for k, n in kind.items() if n and k != "dead"]

        return await hub.read(team_id, unit)

    return run_admin(server.data_dir, work)


def test_a_100_mb_page_is_read_only_up_to_the_cap(
    server: Server, workspace: Workspace, target: Target
) -> None:
    alice = server.client(workspace.alice.token)
    channel = new_channel(alice)
    ts = alice.chat_postMessage(channel=channel, text=target.url("/huge"))["ts"]
    [shown] = wait_for(lambda: attachments_of(alice, channel, ts))
    assert shown["title"] == "Huge page"  # its head came in the first megabyte
    assert target.sent["/huge"] < 16 << 20


def test_with_the_setting_off_a_private_address_is_refused(tmp_path: Path) -> None:
    with Target("127.0.0.1") as site, threaded_server(tmp_path / "data") as srv:
        ws = make_workspace(srv.data_dir)
        alice = srv.client(ws.alice.token)
        channel = new_channel(alice)
        refused = alice.chat_postMessage(channel=channel, text=site.url("/og"))["ts"]
        job = Job("x", ws.team_id, previews.UNFURL_JOB, {"channel": channel, "ts": refused}, 1)
        # The server's own job, and one run here to its end: neither fetches anything.
        run_admin(srv.data_dir, lambda hub: previews.unfurl(hub, job))
        wait_for(lambda: not pending_jobs(srv, ws.team_id))
        assert attachments_of(alice, channel, refused) is None
        assert site.hits["/og"] == 0


def test_a_running_server_sweeps_expired_previews_away(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with threaded_server(data, preview_sweep_s=0.1) as srv:
        team = make_workspace(srv.data_dir).team_id

        async def cache(hub: Hub) -> None:
            def unit(tx: Tx, _log: Any) -> None:
                tx.cache_preview(team, "old", "https://old.example/", None, tx.now_us - 1)
                tx.cache_preview(team, "new", "https://new.example/", None, tx.now_us + 10**9)

            await hub.commit(team, unit)

        async def rows(hub: Hub) -> set[str]:
            # The table itself: reads of the cache already skip expired rows.
            query = select(link_previews.c.url_hash).where(link_previews.c.team_id == team)
            return await hub.read(team, lambda tx: set(tx.conn.execute(query).scalars()))

        run_admin(srv.data_dir, cache)
        wait_for(lambda: run_admin(srv.data_dir, rows) == {"new"})
