"""The client's first hour: what a new team trips over in its first conversations."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.client import sign_in_as
from tests.support.servers import Server, Workspace


def _errors(page: Page) -> list[str]:
    """The page's uncaught errors, collected as they happen."""
    seen: list[str] = []
    page.on("pageerror", lambda err: seen.append(str(err)))
    return seen


def test_a_new_dm_from_the_plus_dialog_opens_without_an_error(
    server: Server, workspace: Workspace, page: Page
) -> None:
    errors = _errors(page)
    sign_in_as(page, server, workspace, "alice")
    page.get_by_role("button", name="New direct message").click()
    page.get_by_label("Search people").fill("bob")
    page.get_by_role("dialog").get_by_role("checkbox").first.check()
    page.get_by_role("dialog").get_by_role("button", name="Message").click()
    expect(page.locator("#channel-title")).to_have_text("bob")
    expect(page).to_have_url(re.compile(r"/client/T\w+/D\w+$"))
    expect(page.locator("#composer-input")).to_have_attribute("placeholder", "Message bob")
    page.get_by_role("button", name="Create a channel").click()  # a later draw of the sidebar
    page.keyboard.press("Escape")
    expect(page.locator("nav .conv[aria-current=page] .name")).to_have_text("bob")
    assert errors == []
