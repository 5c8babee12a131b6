"""Search in the browser client (issue 19, docs/search.md In the browser): the box in the top bar
sends the query with its modifiers to search.messages and search.files with the browser's
session; the pane shows messages grouped by conversation with their time and the matched words
marked, and files with their type and size; a click opens the message in its conversation (far
back in its history, scrolled to and flashed) or in its thread; Escape closes the pane. What a
person may not read never shows."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Locator, Page, expect
from slack_sdk import WebClient

from tests.browser import axe
from tests.browser.client import message, sign_in_as, wait_ready
from tests.browser.conftest import screenshot
from tests.support.servers import Server, Workspace

# The class of the message a link or a search brought into view.
HIGHLIGHTED = re.compile(r"(^|\s)highlight(\s|$)")


def general(client: WebClient) -> str:
    for channel in client.conversations_list()["channels"]:
        if channel["name"] == "general":
            found: str = channel["id"]
            return found
    raise AssertionError("no #general")


def search(page: Page, query: str) -> Locator:
    """Types the query in the top bar's box, presses Enter, and returns the results pane."""
    box = page.get_by_role("searchbox", name="Search")
    box.fill(query)
    box.press("Enter")
    pane = page.get_by_role("complementary", name=f"Results for “{query}”")
    expect(pane).to_be_visible()
    expect(pane.locator(".search-summary")).to_be_visible()
    return pane


def test_a_hit_is_marked_and_a_click_lands_on_the_message_far_back(
    pair: tuple[Page, Page], server: Server, workspace: Workspace
) -> None:
    _alice, bob = pair
    api = server.client(workspace.alice.token)
    channel = general(api)
    # The message searched for, then two pages of history after it (the client reads 50 at a
    # time): it is not on the screen until the client reads back to it, and it is then the
    # oldest it has read, so one page more shows what came before it.
    api.chat_postMessage(channel=channel, text="Context before the news")
    target = api.chat_postMessage(channel=channel, text="The zebra launch is on Friday")["ts"]
    api.chat_postMessage(channel=channel, text="<img src=x onerror=alert(1)> zebra tag")
    for n in range(98):
        api.chat_postMessage(channel=channel, text=f"filler message {n}")
    bob.reload()
    wait_ready(bob)
    expect(bob.locator(f'#messages [data-ts="{target}"]')).to_have_count(0)

    pane = search(bob, "zebra")
    expect(pane.locator(".search-summary")).to_have_text("2 messages, 0 files")
    group = pane.locator(".search-group", has=bob.get_by_role("heading", name="#general"))
    hits = group.locator(".search-hit")
    expect(hits).to_have_count(2)
    hit = pane.locator(f'.search-hit[data-ts="{target}"]')
    expect(hit.locator(".search-text")).to_have_text("The zebra launch is on Friday")
    expect(hit.locator("mark")).to_have_text("zebra")
    expect(hit.locator(".search-meta .author")).to_have_text("alice")
    expect(hit.locator("time")).to_be_visible()
    # A message's text is text: the markup in it is shown, never made.
    tag = pane.locator(".search-hit", has_text="onerror")
    expect(tag.locator(".search-text")).to_have_text("<img src=x onerror=alert(1)> zebra tag")
    expect(pane.locator("img")).to_have_count(0)
    screenshot(bob, "search")
    axe.assert_accessible(bob)

    hit.click()
    expect(pane).to_be_hidden()
    landed = bob.locator(f'#messages article.msg[data-ts="{target}"]')
    expect(landed).to_be_visible()
    expect(landed).to_be_in_viewport()
    expect(landed).to_have_class(HIGHLIGHTED)
    expect(landed).to_be_focused()
    expect(message(bob, "Context before the news")).to_be_attached()

    # The modifiers and phrases go to the server as typed.
    pane = search(bob, '"zebra launch" from:@alice in:#general')
    expect(pane.locator(".search-hit")).to_have_count(1)
    pane = search(bob, "zebra -friday")
    expect(pane.locator(".search-hit")).to_have_count(1)
    expect(pane.locator(".search-hit .search-text")).to_contain_text("zebra tag")
    # Escape closes the pane, from the box and from anywhere.
    bob.get_by_role("searchbox", name="Search").press("Escape")
    expect(bob.locator("aside.search-pane")).to_be_hidden()
    search(bob, "zebra")
    bob.locator("#messages").focus()
    bob.keyboard.press("Escape")
    expect(bob.locator("aside.search-pane")).to_be_hidden()


def test_a_reply_opens_in_its_thread(
    pair: tuple[Page, Page], server: Server, workspace: Workspace
) -> None:
    _alice, bob = pair
    api = server.client(workspace.alice.token)
    channel = general(api)
    parent = api.chat_postMessage(channel=channel, text="Where do we meet?")["ts"]
    reply = api.chat_postMessage(channel=channel, thread_ts=parent, text="At the giraffe house")
    pane = search(bob, "giraffe")
    hit = pane.locator(".search-hit")
    expect(hit).to_have_count(1)
    expect(hit.locator(".search-meta")).to_contain_text("in a thread")
    hit.click()
    thread = bob.locator("aside.thread")
    expect(thread).to_be_visible()
    shown = thread.locator(f'article.msg[data-ts="{reply["ts"]}"]')
    expect(shown).to_have_class(HIGHLIGHTED)
    expect(bob.locator(f'#messages article.msg[data-ts="{parent}"]')).to_be_visible()


def test_a_file_hit_shows_its_type_and_size_and_downloads(
    pair: tuple[Page, Page], server: Server, workspace: Workspace
) -> None:
    _alice, bob = pair
    api = server.client(workspace.alice.token)
    body = b"%PDF-1.4\n" + b"0" * 3000 + b"\n%%EOF\n"
    api.files_upload_v2(
        channel=general(api), content=body, filename="roadmap.pdf", title="Roadmap for spring"
    )
    pane = search(bob, "roadmap")
    expect(pane.locator(".search-summary")).to_have_text("0 messages, 1 file")
    item = pane.locator(".search-file")
    expect(item.locator(".file-name")).to_have_text("roadmap.pdf")
    expect(item.locator(".file-title mark")).to_have_text("Roadmap")
    expect(item.locator(".file-meta")).to_have_text(f"PDF · {(len(body) / 1024):.1f} KB")
    link = item.get_by_role("link", name="Download roadmap.pdf")
    got = bob.request.get(link.get_attribute("href") or "")
    assert got.status == 200 and got.body() == body
    opened = item.get_by_role("link", name="roadmap.pdf", exact=True)
    assert bob.request.get(opened.get_attribute("href") or "").status == 200
    axe.assert_accessible(bob)


def test_a_private_channels_message_never_shows_to_a_non_member(
    pair: tuple[Page, Page], server: Server, workspace: Workspace
) -> None:
    alice, bob = pair
    api = server.client(workspace.alice.token)
    hidden = api.conversations_create(name="board", is_private=True)["channel"]["id"]
    api.chat_postMessage(channel=hidden, text="the okapi acquisition")
    api.files_upload_v2(channel=hidden, content="x", filename="okapi-terms.txt")
    api.chat_postMessage(channel=general(api), text="an okapi in the open")

    pane = search(bob, "okapi")
    expect(pane.locator(".search-summary")).to_have_text("1 message, 0 files")
    expect(pane.locator(".search-hit .search-text")).to_have_text("an okapi in the open")
    expect(pane).not_to_contain_text("acquisition")
    expect(pane).not_to_contain_text("okapi-terms")
    # A DM's results are under the other person's name.
    dm = api.conversations_open(users=workspace.bob.user_id)["channel"]["id"]
    api.chat_postMessage(channel=dm, text="an okapi just for you")
    pane = search(bob, "okapi just")
    expect(pane.locator(".search-group h4")).to_have_text(["alice"])
    # Alice, a member, finds them all.
    alice.reload()
    wait_ready(alice)
    pane = search(alice, "okapi")
    expect(pane.locator(".search-summary")).to_have_text("3 messages, 1 file")
    headings = sorted(pane.locator(".search-group h4").all_inner_texts())
    assert headings == ["#board", "#general", "bob"]


def test_at_a_phone_width_the_pane_covers_the_screen(
    server: Server, workspace: Workspace, browser: Browser
) -> None:
    api = server.client(workspace.alice.token)
    api.chat_postMessage(channel=general(api), text="a pocket-sized walrus")
    context = browser.new_context(viewport={"width": 360, "height": 740}, has_touch=True)
    axe.install(context)
    try:
        page = context.new_page()
        sign_in_as(page, server, workspace, "bob")
        for control in ("Jump to…", "Sign out"):
            expect(page.get_by_role("button", name=control)).to_be_in_viewport()
        pane = search(page, "walrus")
        box = pane.bounding_box()
        assert box is not None and box["x"] == 0 and box["width"] == 360
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        screenshot(page, "search-phone")
        axe.assert_accessible(page)
        pane.locator(".search-hit").click()
        expect(pane).to_be_hidden()
        expect(page.locator("#messages article.msg", has_text="walrus")).to_be_in_viewport()
    finally:
        context.close()


def test_more_results_come_a_page_at_a_time_and_stay_put(
    pair: tuple[Page, Page], server: Server, workspace: Workspace
) -> None:
    _alice, bob = pair
    api = server.client(workspace.alice.token)
    channel = general(api)
    for n in range(25):
        api.chat_postMessage(channel=channel, text=f"heron sighting {n:02d}")
    for n in range(22):
        api.files_upload_v2(channel=channel, content=f"{n}", filename=f"heron-{n:02d}.txt")
    pane = search(bob, "heron")
    expect(pane.locator(".search-summary")).to_have_text("25 messages, 22 files")
    expect(pane.locator(".search-hit")).to_have_count(20)
    expect(pane.locator(".search-file")).to_have_count(20)
    # Posted after the first page was read: the next page is the one that first page led to.
    api.chat_postMessage(channel=channel, text="heron sighting late")
    pane.get_by_role("button", name="More messages").click()
    expect(pane.locator(".search-hit")).to_have_count(25)
    expect(pane.get_by_role("button", name="More messages")).to_have_count(0)
    expect(pane).not_to_contain_text("heron sighting late")
    texts = pane.locator(".search-hit .search-text").all_inner_texts()
    assert sorted(texts) == [f"heron sighting {n:02d}" for n in range(25)]
    # The focus goes on from the first of the new ones.
    expect(pane.locator(".search-hit").nth(20)).to_be_focused()
    pane.get_by_role("button", name="More files").click()
    expect(pane.locator(".search-file")).to_have_count(22)
    names = sorted(pane.locator(".search-file .file-name").all_inner_texts())
    assert names == [f"heron-{n:02d}.txt" for n in range(22)]
    expect(pane.get_by_role("button", name="More files")).to_have_count(0)
