"""Driving hubbub's client in Chromium as a person would: sign in, open, type, read the screen."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from tests.support.servers import Server, Workspace


def sign_in(page: Page, server: Server, domain: str, email: str, password: str) -> None:
    page.goto(server.url + "/login")
    page.get_by_label("Workspace domain").fill(domain)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    wait_ready(page)


def sign_in_as(page: Page, server: Server, ws: Workspace, name: str) -> None:
    sign_in(page, server, ws.domain, f"{name}@{ws.domain}.test", f"pw-{name}")


def wait_ready(page: Page) -> None:
    """The client has drawn a conversation: its heading and its first page of history."""
    expect(page.locator("#channel-title")).not_to_be_empty()
    expect(page.locator("#messages .start, #messages [data-ts]").first).to_be_attached()


def open_conversation(page: Page, name: str) -> None:
    conv_link(page, name).click()
    expect(page.locator("#channel-title")).to_have_text(re.compile(rf"#?{re.escape(name)}$"))


def send(page: Page, text: str, box: str = "#composer-input") -> None:
    page.locator(box).fill(text)
    page.locator(box).press("Enter")


def message(page: Page, text: str, within: str = "#messages") -> Locator:
    return page.locator(f"{within} article.msg", has=page.locator(".text", has_text=text))


def texts(page: Page, within: str = "#messages") -> list[str]:
    return page.locator(f"{within} article.msg .text").all_inner_texts()


def conv_link(page: Page, name: str) -> Locator:
    """The sidebar's link to a conversation, by its name exactly."""
    exact = page.locator(".name", has_text=re.compile(rf"^{re.escape(name)}$"))
    return page.locator("nav .conv", has=exact)
