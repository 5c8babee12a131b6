"""A desktop_notification shows in the browser client: a toast while the page is in view and the
conversation is another one."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.client import sign_in_as, wait_ready
from tests.support.rtm import new_channel
from tests.support.servers import Server, Workspace


def test_a_mention_elsewhere_shows_a_toast(
    page: Page, server: Server, workspace: Workspace
) -> None:
    w = workspace
    alice, bob = server.client(w.alice.token), server.client(w.bob.token)
    channel = new_channel(alice, w.bob.user_id)
    name = alice.conversations_info(channel=channel)["channel"]["name"]
    sign_in_as(page, server, w, "alice")  # opens #general
    wait_ready(page)
    expect(page.locator("#channel-title")).to_have_text("#general")
    bob.chat_postMessage(channel=channel, text=f"<@{w.alice.user_id}> have a look &amp; see")
    expect(page.locator(".toast")).to_have_text(f"#{name}: bob: @alice have a look & see")
