"""Browser tests: Debian's Chromium driven by Playwright against a real hubbub server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from hubbub_bench.chromium import launch
from tests.browser import axe
from tests.browser.client import sign_in_as
from tests.support.servers import Server, Workspace

SCREENSHOTS = Path(__file__).parent / "screenshots"


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = launch(playwright)
    yield browser
    browser.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    context.set_default_timeout(10_000)
    return context.new_page()


@pytest.fixture
def two(browser: Browser) -> Iterator[tuple[BrowserContext, BrowserContext]]:
    """Two people's browsers, each with the accessibility checker ready."""
    contexts = [browser.new_context(viewport={"width": 1280, "height": 800}) for _ in range(2)]
    for c in contexts:
        c.set_default_timeout(10_000)
        axe.install(c)
    yield contexts[0], contexts[1]
    for c in contexts:
        c.close()


@pytest.fixture
def pair(
    server: Server, workspace: Workspace, two: tuple[BrowserContext, BrowserContext]
) -> tuple[Page, Page]:
    """Alice's and Bob's pages, signed in to the module's server."""
    alice, bob = two[0].new_page(), two[1].new_page()
    sign_in_as(alice, server, workspace, "alice")
    sign_in_as(bob, server, workspace, "bob")
    return alice, bob


def screenshot(page: Page, name: str) -> Path:
    """Saves a screenshot for the docs (the best are copied to docs/img/)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
