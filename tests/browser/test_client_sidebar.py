"""The sidebar is drawn again whenever a count, a presence or a conversation changes: a click on
a conversation must not be lost when that happens between the press and the release."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect
from slack_sdk import WebClient

from tests.browser.client import conv_link, sign_in_as
from tests.support.servers import Server, Workspace, module_server, module_workspace
from tests.support.waiting import wait_for

server = module_server("client-sidebar")
workspace = module_workspace()


def _press_while_drawn_again(page: Page, control: Locator, bob: WebClient, random: str) -> None:
    """Presses control, has the sidebar drawn again under the press, releases."""
    # Read between two of the redraws that follow signing in (counts, presence).
    box = wait_for(lambda: control.bounding_box(), 10, "the control's box")
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    # Bob posts in #random: Alice's sidebar is drawn again, #random now bold, under her press.
    bob.chat_postMessage(channel=random, text="while alice presses")
    expect(conv_link(page, "random")).to_have_class(re.compile(r"\bunread\b"))
    page.mouse.up()


@pytest.mark.parametrize("control", ["a conversation", "a button"])
def test_a_click_survives_the_sidebar_drawn_again_between_press_and_release(
    server: Server, workspace: Workspace, page: Page, control: str
) -> None:
    alice = server.client(workspace.alice.token)
    bob = server.client(workspace.bob.token)
    [random] = [c["id"] for c in alice.conversations_list()["channels"] if c["name"] == "random"]
    alice.conversations_mark(
        channel=random, ts=bob.chat_postMessage(channel=random, text="x")["ts"]
    )
    sign_in_as(page, server, workspace, "alice")
    expect(page.locator("#channel-title")).to_have_text("#general")

    if control == "a conversation":
        _press_while_drawn_again(page, conv_link(page, "random"), bob, random)
        expect(page.locator("#channel-title")).to_have_text("#random")
        expect(page).to_have_url(re.compile(rf"/{random}$"))
    else:
        button = page.get_by_role("button", name="New direct message")
        _press_while_drawn_again(page, button, bob, random)
        expect(page.get_by_label("Search people")).to_be_visible()
    assert page.locator(".toast.error").count() == 0
