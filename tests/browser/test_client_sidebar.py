"""The sidebar is drawn again whenever a count, a presence or a conversation changes: a click on
a conversation must not be lost when that happens between the press and the release."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.client import conv_link, sign_in_as
from tests.support.servers import Server, Workspace, module_server, module_workspace
from tests.support.waiting import wait_for

server = module_server("client-sidebar")
workspace = module_workspace()


def test_a_click_survives_the_sidebar_drawn_again_between_press_and_release(
    server: Server, workspace: Workspace, page: Page
) -> None:
    alice = server.client(workspace.alice.token)
    bob = server.client(workspace.bob.token)
    [random] = [c["id"] for c in alice.conversations_list()["channels"] if c["name"] == "random"]
    sign_in_as(page, server, workspace, "alice")
    expect(page.locator("#channel-title")).to_have_text("#general")

    # Read between two of the redraws that follow signing in (counts, presence).
    box = wait_for(lambda: conv_link(page, "random").bounding_box(), 10, "the link's box")
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    # Bob posts in #random: Alice's sidebar is drawn again, the link now bold, under her press.
    bob.chat_postMessage(channel=random, text="while alice presses")
    expect(conv_link(page, "random")).to_have_class(re.compile(r"\bunread\b"))
    page.mouse.up()

    expect(page.locator("#channel-title")).to_have_text("#random")
    expect(page).to_have_url(re.compile(rf"/{random}$"))
