"""The server-rendered pages in Chromium: they load, pass axe, and a person signs up in them."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser import axe
from tests.support.servers import Server


@pytest.fixture(autouse=True)
def _axe(context: BrowserContext) -> None:
    axe.install(context)


@pytest.mark.parametrize(
    ("path", "heading"),
    [("/", "hubbub"), ("/signup", "Create a workspace"), ("/login", "Sign in")],
)
def test_page_loads_and_is_accessible(server: Server, page: Page, path: str, heading: str) -> None:
    response = page.goto(server.url + path)
    assert response is not None and response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    axe.assert_accessible(page)


def test_sign_up_in_the_browser_lands_signed_in(server: Server, page: Page) -> None:
    page.goto(server.url + "/")
    page.get_by_role("link", name="create a workspace").click()
    page.get_by_label("Workspace name").fill("Initech")
    page.get_by_label("Workspace domain").fill("initech")
    page.get_by_label("Your name").fill("Peter Gibbons")
    page.get_by_label("Email").fill("peter@initech.test")
    page.get_by_label("Password").fill("tps reports")
    page.get_by_role("button", name="Create workspace").click()

    # The client opens #general, and its address names the workspace and the channel.
    expect(page.get_by_role("heading", level=1)).to_have_text("#general")
    assert re.search(r"/client/T\w+/C\w+$", page.url), page.url
    expect(page.locator(".team-name")).to_have_text("Initech")
    expect(page.locator("#messages .text").first).to_have_text(
        "@Peter Gibbons has joined the channel"
    )
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    axe.assert_accessible(page)

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("hubbub")
    page.goto(server.url + "/client")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")


def test_axe_reports_a_violation(server: Server, page: Page) -> None:
    """The check can fail: an image without a text alternative is reported by rule id."""
    page.goto(server.url + "/login")
    page.evaluate("document.querySelector('main').append(document.createElement('img'))")
    found = axe.violations(page)
    assert [v["id"] for v in found] == ["image-alt"]
    assert "image-alt (critical)" in axe.report(found)
