"""The client's screens one at a time: keyboard, a phone's width, history, permalinks, DMs,
browsing channels, pins and presence."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser import axe
from tests.browser.client import (
    conv_link,
    message,
    open_conversation,
    send,
    sign_in_as,
    texts,
)
from tests.browser.conftest import screenshot
from tests.support.servers import Server, Workspace
from tests.support.waiting import wait_for


def _general(page: Page) -> str:
    return page.url.split("?")[0].rsplit("/", 1)[1]


def test_keyboard_newlines_switcher_and_escape(
    server: Server, workspace: Workspace, context: BrowserContext, page: Page
) -> None:
    axe.install(context)
    sign_in_as(page, server, workspace, "alice")
    box = page.locator("#composer-input")
    expect(box).to_be_focused()
    box.press_sequentially("line one")
    box.press("Shift+Enter")
    box.press_sequentially("line two")
    box.press("Enter")
    expect(message(page, "line one")).to_be_visible()
    assert texts(page)[-1] == "line one\nline two"
    expect(box).to_have_value("")

    page.keyboard.press("Control+k")
    dialog = page.get_by_role("dialog", name="Jump to a conversation")
    expect(dialog).to_be_visible()
    page.keyboard.type("rand")
    expect(dialog.get_by_role("option").first).to_have_text("#random")
    page.keyboard.press("Enter")
    expect(page.locator("#channel-title")).to_have_text("#random")
    expect(dialog).to_have_count(0)
    expect(box).to_be_focused()

    page.keyboard.press("Control+k")
    expect(dialog).to_be_visible()
    screenshot(page, "switcher")
    axe.assert_accessible(page)
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)


def test_usable_at_a_phone_width(server: Server, workspace: Workspace, browser: Browser) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740}, has_touch=True)
    axe.install(context)
    try:
        page = context.new_page()
        sign_in_as(page, server, workspace, "bob")
        nav = page.get_by_role("navigation", name="Conversations")
        expect(conv_link(page, "random")).not_to_be_in_viewport()
        page.get_by_role("button", name="Show conversations").click()
        expect(conv_link(page, "random")).to_be_in_viewport()
        screenshot(page, "phone-sidebar")
        conv_link(page, "random").click()
        expect(page.locator("#channel-title")).to_have_text("#random")
        expect(conv_link(page, "random")).not_to_be_in_viewport()
        send(page, "Hello from a phone")
        expect(message(page, "Hello from a phone")).to_be_in_viewport()
        composer = page.locator("#composer-input").bounding_box()
        assert composer is not None and composer["x"] + composer["width"] <= 360
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360  # nothing sticks out sideways
        screenshot(page, "phone")
        axe.assert_accessible(page)
        del nav
    finally:
        context.close()


def test_history_scrolls_back_in_pages_grouped_and_dated(
    server: Server, workspace: Workspace, page: Page
) -> None:
    bob = server.client(workspace.bob.token)
    sign_in_as(page, server, workspace, "alice")
    general = _general(page)
    posted = [bob.chat_postMessage(channel=general, text=f"m{i:03}")["ts"] for i in range(130)]
    page.reload()
    expect(message(page, "m129")).to_be_in_viewport()
    assert 40 <= len(texts(page)) <= 60  # one page, not the whole history
    # Consecutive messages of one author are grouped under one name; the day is shown once.
    assert page.locator("#messages article.msg.grouped").count() >= 40
    expect(page.locator("#messages .day")).to_have_count(1)
    expect(page.locator("#messages .day")).to_have_text("Today")

    def at_the_start() -> bool:
        page.locator("#messages").evaluate("el => el.scrollTop = 0")
        if page.locator("#messages .start").count():
            return True
        page.wait_for_timeout(300)  # Playwright's wait: the page loads older messages meanwhile
        return False

    wait_for(at_the_start, timeout=3, interval=0, what="the very beginning, scrolling up")
    expect(page.locator("#messages .start")).to_have_text("This is the very beginning of #general.")
    shown = [t for t in texts(page) if re.fullmatch(r"m\d{3}", t)]
    assert shown == [f"m{i:03}" for i in range(130)]
    assert len(posted) == 130


def test_a_permalink_opens_its_message(server: Server, workspace: Workspace, page: Page) -> None:
    bob = server.client(workspace.bob.token)
    sign_in_as(page, server, workspace, "alice")
    general = _general(page)
    first = bob.chat_postMessage(channel=general, text="the one to find")["ts"]
    for i in range(80):
        bob.chat_postMessage(channel=general, text=f"filler {i}")
    link = bob.chat_getPermalink(channel=general, message_ts=first)["permalink"]
    page.goto(link)
    found = page.locator(f'#messages article.msg[data-ts="{first}"]')
    expect(found).to_be_in_viewport()
    expect(found).to_have_class(re.compile(r"\bhighlight\b"))
    assert f"ts={first}" in page.url

    reply = bob.chat_postMessage(channel=general, text="a reply to find", thread_ts=first)["ts"]
    page.goto(bob.chat_getPermalink(channel=general, message_ts=reply)["permalink"])
    expect(message(page, "a reply to find", within="aside.thread")).to_be_visible()


def test_direct_messages_browse_join_and_pins(
    server: Server, workspace: Workspace, page: Page
) -> None:
    alice = server.client(workspace.alice.token)
    alice.conversations_create(name="announcements")
    sign_in_as(page, server, workspace, "bob")

    page.get_by_role("button", name="New direct message").click()
    page.get_by_label("Search people").fill("car")
    page.get_by_role("dialog").get_by_role("checkbox").first.check()
    page.get_by_role("dialog").get_by_role("button", name="Message").click()
    expect(page.locator("#channel-title")).to_have_text("carol")
    send(page, "hi carol")
    expect(message(page, "hi carol")).to_be_visible()
    expect(conv_link(page, "carol")).to_be_visible()

    # Several people make a group DM.
    page.get_by_role("button", name="New direct message").click()
    dialog = page.get_by_role("dialog")
    for name in ("alice", "carol"):
        dialog.get_by_label("Search people").fill(name)
        dialog.get_by_role("checkbox").first.check()
    dialog.get_by_role("button", name="Message").click()
    expect(page.locator("#channel-title")).to_have_text("alice, bob, carol")
    send(page, "hi both")
    expect(message(page, "hi both")).to_be_visible()
    expect(conv_link(page, "alice, bob, carol")).to_be_visible()

    page.get_by_role("button", name="Browse channels").click()
    page.get_by_label("Search channels").fill("announce")
    page.get_by_role("dialog").get_by_role("button", name="Join").click()
    expect(page.locator("#channel-title")).to_have_text("#announcements")
    expect(conv_link(page, "announcements")).to_be_visible()

    send(page, "pin me")
    pinned = message(page, "pin me")
    pinned.hover()
    pinned.get_by_role("button", name="Pin to channel").click()
    expect(pinned.locator(".pinned-note")).to_be_visible()
    page.get_by_role("button", name="Pinned", exact=True).click()
    expect(page.get_by_role("dialog").locator(".pin .text")).to_have_text("pin me")


def test_presence_dots_follow_people_live(
    server: Server, workspace: Workspace, browser: Browser, page: Page
) -> None:
    alice = server.client(workspace.alice.token)
    dm = alice.conversations_open(users=workspace.bob.user_id)["channel"]["id"]
    alice.chat_postMessage(channel=dm, text="ping")
    sign_in_as(page, server, workspace, "bob")
    dot = conv_link(page, "alice").locator(".presence")
    expect(dot).not_to_have_class(re.compile(r"\bactive\b"))

    other = browser.new_context()
    try:
        alice_page = other.new_page()
        sign_in_as(alice_page, server, workspace, "alice")
        expect(dot).to_have_class(re.compile(r"\bactive\b"))
    finally:
        other.close()
    expect(dot).not_to_have_class(re.compile(r"\bactive\b"), timeout=15_000)
    open_conversation(page, "alice")
    expect(message(page, "ping")).to_be_visible()


def test_attachments_show_as_text_with_a_safe_link(
    server: Server, workspace: Workspace, page: Page
) -> None:
    """Link previews and bots' attachments: service, linked title and text; a script URL is
    not made a link, and markup in them stays text."""
    bob = server.client(workspace.bob.token)
    sign_in_as(page, server, workspace, "alice")
    general = _general(page)
    bob.chat_postMessage(
        channel=general,
        text="see this",
        attachments=[
            {
                "service_name": "Example",
                "title": "A <b>page</b>",
                "title_link": "https://example.com/page",
                "text": "What it is about",
            },
            {"title": "Not a link", "title_link": "javascript:alert(1)", "fallback": "fb"},
        ],
    )
    shown = message(page, "see this")
    expect(shown.locator(".attachment")).to_have_count(2)
    first, second = shown.locator(".attachment").all()
    expect(first.locator(".service")).to_have_text("Example")
    expect(first.locator(".title a")).to_have_text("A <b>page</b>")
    assert first.locator(".title a").get_attribute("href") == "https://example.com/page"
    expect(first.locator(".summary")).to_have_text("What it is about")
    expect(second.locator(".title")).to_have_text("Not a link")
    assert second.locator("a").count() == 0
    assert shown.locator("b").count() == 0
