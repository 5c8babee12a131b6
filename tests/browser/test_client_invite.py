"""The whole first day: a person signs up, makes a workspace, invites a colleague by link, and
they talk; the colleague signs out and back in."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from tests.browser import axe
from tests.browser.client import message, send, sign_in, wait_ready
from tests.browser.conftest import screenshot
from tests.support.servers import Server


def test_sign_up_invite_by_link_join_and_talk(server: Server, browser: Browser) -> None:
    first, second = browser.new_context(), browser.new_context()
    for context in (first, second):
        context.set_default_timeout(10_000)
        axe.install(context)
    try:
        ann = first.new_page()
        ann.goto(server.url + "/signup")
        ann.get_by_label("Workspace name").fill("Vandelay Industries")
        ann.get_by_label("Workspace domain").fill("vandelay")
        ann.get_by_label("Your name").fill("Ann Vandelay")
        ann.get_by_label("Email").fill("ann@vandelay.test")
        ann.get_by_label("Password").fill("importer-exporter")
        ann.get_by_role("button", name="Create workspace").click()
        wait_ready(ann)

        ann.get_by_role("button", name="Invite people to Vandelay Industries").click()
        link = ann.get_by_label("Invite link").input_value()
        assert link.startswith(server.url + "/join/")
        screenshot(ann, "invite")
        ann.keyboard.press("Escape")

        ben = second.new_page()
        ben.goto(link)
        expect(ben.get_by_role("heading", level=1)).to_have_text("Join Vandelay Industries")
        axe.assert_accessible(ben)
        ben.get_by_label("Your name").fill("Ben Kramer")
        ben.get_by_label("Email").fill("ben@vandelay.test")
        ben.get_by_label("Password").fill("giddy-up-42")
        ben.get_by_role("button", name="Join").click()
        wait_ready(ben)
        expect(ben.locator("#channel-title")).to_have_text("#general")

        send(ben, "Hello, I'm new here")
        expect(message(ann, "Hello, I'm new here")).to_be_visible()
        send(ann, "Welcome, Ben!")
        expect(message(ben, "Welcome, Ben!")).to_be_visible()

        ben.get_by_role("button", name="Sign out").click()
        expect(ben.get_by_role("heading", level=1)).to_have_text("hubbub")
        sign_in(ben, server, "vandelay", "ben@vandelay.test", "giddy-up-42")
        expect(message(ben, "Welcome, Ben!")).to_be_visible()
    finally:
        first.close()
        second.close()
