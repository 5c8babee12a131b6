"""Two people chat in the browser client, each in their own browser context, live both ways."""

from __future__ import annotations

import re

from playwright.sync_api import BrowserContext, Page, expect

from tests.browser import axe
from tests.browser.client import (
    conv_link,
    message,
    open_conversation,
    send,
    texts,
)
from tests.browser.conftest import screenshot
from tests.support.servers import Server, Workspace


def test_create_channel_add_a_person_and_chat_both_ways(pair: tuple[Page, Page]) -> None:
    alice, bob = pair
    alice.get_by_role("button", name="Create a channel").click()
    alice.get_by_label("Name").fill("deals")
    alice.get_by_role("button", name="Create", exact=True).click()
    expect(alice.locator("#channel-title")).to_have_text("#deals")

    alice.get_by_role("button", name="Add people").click()
    alice.get_by_label("Search people").fill("bob")
    alice.get_by_role("dialog").get_by_role("checkbox").first.check()
    alice.get_by_role("dialog").get_by_role("button", name="Add").click()
    # Bob's sidebar gains the channel live, without a reload.
    expect(conv_link(bob, "deals")).to_be_visible()
    open_conversation(bob, "deals")

    send(alice, "Hi Bob, the *Q3* numbers are in :tada:")
    expect(message(bob, "Hi Bob, the Q3 numbers are in")).to_be_visible()
    expect(message(bob, "Q3").locator("strong")).to_have_text("Q3")
    expect(message(bob, "Q3").locator(".emoji")).to_have_text("🎉")
    # Typing shows on the other side, until the message arrives.
    bob.locator("#composer-input").press_sequentially("Great, thanks!", delay=10)
    expect(alice.locator(".typing")).to_have_text("bob is typing…")
    bob.locator("#composer-input").press("Enter")
    expect(message(alice, "Great, thanks!")).to_be_visible()
    expect(alice.locator(".typing")).to_have_text("")
    assert texts(alice)[-2:] == texts(bob)[-2:]

    screenshot(alice, "channel")
    axe.assert_accessible(alice)


def test_thread_reaction_edit_delete_arrive_live(pair: tuple[Page, Page]) -> None:
    alice, bob = pair
    send(alice, "Lunch at noon?")
    root = message(bob, "Lunch at noon?")
    expect(root).to_be_visible()

    root.hover()
    root.get_by_role("button", name="Reply in thread").click()
    expect(bob.locator("aside.thread")).to_be_visible()
    send(bob, "Count me in", box="#thread-input")
    expect(message(bob, "Count me in", within="aside.thread")).to_be_visible()
    replies = message(alice, "Lunch at noon?").locator(".replies")
    expect(replies).to_have_text("1 reply")
    replies.click()
    expect(message(alice, "Count me in", within="aside.thread")).to_be_visible()
    screenshot(alice, "thread")
    axe.assert_accessible(alice)
    alice.keyboard.press("Escape")
    expect(alice.locator("aside.thread")).to_be_hidden()

    root.hover()
    root.get_by_role("button", name="Add reaction").click()
    bob.get_by_role("dialog").get_by_role("button", name="+1", exact=True).first.click()
    chip = message(alice, "Lunch at noon?").locator(".reaction")
    expect(chip).to_have_text(re.compile(r"👍\s*1"))
    expect(chip).to_have_attribute("title", re.compile("bob reacted"))
    chip.click()  # Alice adds hers to the same reaction
    expect(message(bob, "Lunch at noon?").locator(".reaction .count")).to_have_text("2")

    # Up in an empty composer edits one's own last message.
    alice.locator("#composer-input").focus()
    alice.keyboard.press("ArrowUp")
    box = alice.get_by_role("textbox", name="Edit message")
    expect(box).to_have_value("Lunch at noon?")
    box.fill("Lunch at 1pm?")
    box.press("Enter")
    edited = bob.locator("#messages article.msg", has_text="Lunch at 1pm?")
    expect(edited.locator(".edited")).to_have_text("(edited)")

    send(alice, "oops, wrong channel")
    expect(message(bob, "oops, wrong channel")).to_be_visible()
    mine = message(alice, "oops, wrong channel")
    mine.hover()
    mine.get_by_role("button", name="Delete message").click()
    alice.get_by_role("dialog").get_by_role("button", name="Delete").click()
    expect(message(bob, "oops, wrong channel")).to_have_count(0)
    expect(message(alice, "oops, wrong channel")).to_have_count(0)


def test_html_and_script_in_a_message_render_as_text(pair: tuple[Page, Page]) -> None:
    alice, bob = pair
    attack = (
        '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>'
        '<a href="javascript:window.pwned=3">click</a> <javascript:window.pwned=4|me too> '
        "&lt;b&gt;not bold&lt;/b&gt;"
    )
    send(alice, attack)
    shown = message(bob, "<img src=x")
    expect(shown).to_be_visible()
    assert shown.locator(".text").inner_text() == attack
    assert shown.locator("img, script").count() == 0
    for link in shown.locator("a").all():
        assert not (link.get_attribute("href") or "").lower().startswith("javascript")
    shown.locator(".text").click()
    assert bob.evaluate("window.pwned") is None
    assert alice.evaluate("window.pwned") is None


def test_unread_and_mention_badges_live_across_reloads_and_tabs(
    server: Server, workspace: Workspace, pair: tuple[Page, Page], two: tuple[BrowserContext, ...]
) -> None:
    alice, bob = pair
    second_tab = two[1].new_page()
    second_tab.goto(bob.url)
    expect(second_tab.locator("#channel-title")).to_have_text("#general")
    open_conversation(alice, "random")
    open_conversation(bob, "random")
    open_conversation(second_tab, "random")

    open_conversation(alice, "general")
    send(alice, "plain news")
    send(alice, "@here please look")
    send(alice, "@bob and once more")
    for tab in (bob, second_tab):
        link = conv_link(tab, "general")
        expect(link).to_have_class(re.compile(r"\bunread\b"))
        expect(link.locator(".badge")).to_have_text("2")
        # Named by what it shows, the badge said in words (axe: label-content-name-mismatch).
        expect(link).to_have_accessible_name("general (unread, 2 mentions)")
    axe.assert_accessible(bob)
    screenshot(bob, "unread")

    bob.reload()
    expect(conv_link(bob, "general").locator(".badge")).to_have_text("2")

    # Reading it in one tab clears the badge in the other, and stays read after a reload.
    open_conversation(bob, "general")
    expect(message(bob, "and once more")).to_be_visible()
    expect(conv_link(second_tab, "general").locator(".badge")).to_have_count(0)
    expect(conv_link(second_tab, "general")).not_to_have_class(re.compile(r"\bunread\b"))
    second_tab.reload()
    expect(conv_link(second_tab, "general")).to_be_visible()
    expect(conv_link(second_tab, "general").locator(".badge")).to_have_count(0)
    expect(conv_link(second_tab, "general")).not_to_have_class(re.compile(r"\bunread\b"))
