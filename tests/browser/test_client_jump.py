"""Opening a conversation at a message however far back (issue 19, docs/web.md "Far back"): a
search result, a pin, a permalink or a reply's thread opens a window of history around the
message, centred and flashed; scrolling down reads newer pages until the window joins the
present, "Jump to present" goes straight there, and a message posted meanwhile is not drawn
into the old window but is there when it joins."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Locator, Page, expect

from hubbub.services import auth, posting
from hubbub.services.hub import Hub
from tests.browser import axe
from tests.browser.client import message, wait_ready
from tests.support.servers import Running, Server, Workspace, make_workspace, threaded_app

HIGHLIGHTED = re.compile(r"(^|\s)highlight(\s|$)")
SEEDED = 2600  # more than the 40 pages of 50 the client once read back at most
WORDS = {3: "the aardvark plan", 4: "an old quokka question", 7: "the yak memo"}


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    with threaded_app(tmp_path_factory.mktemp("jump") / "data") as app:
        yield app


@pytest.fixture(scope="module")
def server(running: Running) -> Server:
    return running.server


@pytest.fixture(scope="module")
def workspace(server: Server) -> Workspace:
    return make_workspace(server.data_dir)


@dataclass(frozen=True)
class Seeded:
    channel: str
    ts: list[str]  # every seeded message, oldest first
    reply: str  # the reply to the sixth


@pytest.fixture(scope="module")
def seeded(running: Running, workspace: Workspace) -> Seeded:
    """#general with 2,600 messages, posted on the server's own hub (no HTTP call each): a few
    of the oldest say words searched for, and the sixth has a reply."""
    hub: Hub = running.front.api.hub
    api = running.server.client(workspace.alice.token)
    channel = next(c["id"] for c in api.conversations_list()["channels"] if c["name"] == "general")

    async def post_all() -> tuple[list[str], str]:
        alice = await auth.authenticate(hub, workspace.alice.token)
        out: list[str] = []
        reply = ""
        for n in range(SEEDED):
            draft = posting.Draft.checked(WORDS.get(n, f"seeded {n}"))
            msg = await posting.post(hub, alice, channel, draft)
            out.append(msg.ts)
            if n == 5:
                answer = await posting.post(
                    hub, alice, channel, posting.Draft.checked("the okapi answer", thread_ts=msg.ts)
                )
                reply = answer.ts
        return out, reply

    ts, reply = running.run(post_all()).result(600)
    return Seeded(channel, ts, reply)


def search_and_open(page: Page, query: str, ts: str) -> None:
    box = page.get_by_role("searchbox", name="Search")
    box.fill(query)
    box.press("Enter")
    pane = page.get_by_role("complementary", name=f"Results for “{query}”")
    pane.locator(f'.search-hit[data-ts="{ts}"]').click()
    expect(pane).to_be_hidden()


def shown(page: Page, ts: str) -> Locator:
    return page.locator(f'#messages article.msg[data-ts="{ts}"]')


def assert_centred(page: Page, ts: str) -> None:
    """The message is in the list's middle third, focused and marked (it flashed)."""
    landed = shown(page, ts)
    expect(landed).to_be_in_viewport()
    expect(landed).to_have_class(HIGHLIGHTED)
    expect(landed).to_be_focused()
    # Measured in one step of the page: the list may be redrawn at any time (a socket that
    # goes live rereads the conversation), which replaces the article a handle would hold.
    place = page.locator("#messages").evaluate(
        """(list, ts) => {
            const box = list.querySelector(`article.msg[data-ts="${ts}"]`).getBoundingClientRect();
            const frame = list.getBoundingClientRect();
            return (box.top + box.height / 2 - frame.top) / frame.height;
        }""",
        ts,
    )
    assert 1 / 3 < place < 2 / 3


def read_down_to_the_present(page: Page, bar: Locator) -> None:
    """Scrolls to the end of the list, page after page, until the window joins the present."""
    articles = page.locator("#messages article.msg")
    for _ in range(SEEDED // 50 + 10):
        if bar.is_hidden():
            return
        count = articles.count()
        page.locator("#messages").evaluate("l => { l.scrollTop = l.scrollHeight; }")
        expect(articles).not_to_have_count(count)
    raise AssertionError("the window never reached the present")


def test_a_search_result_far_back_opens_a_window_that_reads_on_to_the_present(
    pair: tuple[Page, Page], server: Server, workspace: Workspace, seeded: Seeded
) -> None:
    _alice, bob = pair
    api = server.client(workspace.alice.token)
    target = seeded.ts[3]
    search_and_open(bob, "aardvark", target)
    assert_centred(bob, target)
    # A window around it, not the history read back to it: what came just before and after.
    expect(shown(bob, seeded.ts[2])).to_be_attached()
    expect(shown(bob, seeded.ts[20])).to_be_attached()
    assert bob.locator("#messages article.msg").count() < 100
    expect(shown(bob, seeded.ts[-1])).to_have_count(0)
    bar = bob.locator(".present-bar")
    expect(bar).to_be_visible()
    expect(bar).to_contain_text("You're viewing older messages")
    axe.assert_accessible(bob)

    # Posted while the window is far back: not drawn into it, counted on the bar.
    live = api.chat_postMessage(channel=seeded.channel, text="posted while bob reads old news")
    expect(bar).to_contain_text("1 new message")
    expect(message(bob, "posted while bob reads old news")).to_have_count(0)

    # Scrolling up reads older pages, to the channel's start.
    bob.locator("#messages").evaluate("l => { l.scrollTop = 0; }")
    expect(bob.locator("#messages .start")).to_be_attached()

    # Scrolling down reads newer pages until the present: every message once, in order, and
    # the one posted meanwhile last.
    read_down_to_the_present(bob, bar)
    expect(bar).to_be_hidden()
    expect(message(bob, "posted while bob reads old news")).to_be_visible()
    drawn = bob.locator("#messages article.msg").evaluate_all("ns => ns.map(n => n.dataset.ts)")
    assert drawn[-1] == live["ts"]
    assert [t for t in drawn if t in set(seeded.ts)] == seeded.ts


def test_jump_to_present_goes_back_to_the_newest(pair: tuple[Page, Page], seeded: Seeded) -> None:
    _alice, bob = pair
    search_and_open(bob, "yak", seeded.ts[7])
    assert_centred(bob, seeded.ts[7])
    bar = bob.locator(".present-bar")
    bar.get_by_role("button", name="Jump to present").click()
    expect(bar).to_be_hidden()
    expect(shown(bob, seeded.ts[-1])).to_be_in_viewport()
    expect(shown(bob, seeded.ts[7])).to_have_count(0)
    # A message sent from the window is seen at the present too.
    search_and_open(bob, "yak", seeded.ts[7])
    expect(bar).to_be_visible()
    bob.locator("#composer-input").fill("bob is back")
    bob.locator("#composer-input").press("Enter")
    expect(bar).to_be_hidden()
    expect(message(bob, "bob is back")).to_be_in_viewport()


def test_a_permalink_a_pin_and_a_reply_far_back_open_at_their_message(
    pair: tuple[Page, Page], server: Server, workspace: Workspace, seeded: Seeded
) -> None:
    _alice, bob = pair
    api = server.client(workspace.alice.token)
    # A link whose ts is none opens the conversation at its newest, with no error.
    bob.goto(f"{server.url}/client/{workspace.team_id}/{seeded.channel}?ts=soon%3Cb%3E")
    wait_ready(bob)
    expect(bob.locator("#messages article.msg").last).to_be_in_viewport()
    expect(bob.locator(".present-bar")).to_be_hidden()
    expect(bob.locator(".toast.error")).to_have_count(0)
    # A permalink (?ts=) to the oldest but one.
    old = seeded.ts[1]
    bob.goto(f"{server.url}/client/{workspace.team_id}/{seeded.channel}?ts={old}")
    assert_centred(bob, old)
    expect(bob.locator(".present-bar")).to_be_visible()

    # A pin, opened from the Pinned dialog.
    pinned = seeded.ts[4]
    api.pins_add(channel=seeded.channel, timestamp=pinned)
    bob.locator(".present-bar").get_by_role("button", name="Jump to present").click()
    bob.get_by_role("button", name="Pinned").click()
    dialog = bob.locator("dialog[open]")
    dialog.get_by_role("link", name="Open").click()
    assert_centred(bob, pinned)

    # A reply: its thread opens on the parent, which is in the window.
    search_and_open(bob, "okapi", seeded.reply)
    thread = bob.locator("aside.thread")
    expect(thread.locator(f'article.msg[data-ts="{seeded.reply}"]')).to_have_class(HIGHLIGHTED)
    expect(shown(bob, seeded.ts[5])).to_be_visible()
