"""The server restarts under an open client: it reconnects by itself, resumes from its cursor and
shows every message once, in order, without a reload."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Browser, expect

from tests.browser.client import message, sign_in_as, texts
from tests.support.servers import ProcessServer, free_port, make_workspace


def test_reconnects_after_a_restart_with_no_message_lost_or_doubled(
    tmp_path: Path, browser: Browser
) -> None:
    ws = make_workspace(tmp_path / "data")
    proc = ProcessServer(tmp_path / "data", free_port())
    proc.start()
    context = browser.new_context()
    context.set_default_timeout(20_000)
    try:
        page = context.new_page()
        sign_in_as(page, proc.server, ws, "bob")
        general = page.url.rsplit("/", 1)[1]
        page.evaluate("window.sameDocument = true")
        alice = proc.server.client(ws.alice.token)
        for i in range(5):
            alice.chat_postMessage(channel=general, text=f"before {i}")
        expect(message(page, "before 4")).to_be_visible()

        proc.kill()
        expect(page.locator(".status")).to_have_text(re.compile("connecting"))
        proc.start()
        # Posted while the client waits to reconnect: it gets them from the log on resume, the
        # rest live, each once.
        for i in range(20):
            alice.chat_postMessage(channel=general, text=f"after {i}")
        # The client's backoff grows while the server is away (up to 10 s between tries).
        expect(message(page, "after 19")).to_be_visible(timeout=30_000)
        expect(page.locator(".status")).to_be_hidden()

        history = alice.conversations_history(channel=general, limit=100)["messages"]
        stored = [m["text"] for m in reversed(history) if re.match(r"(before|after) ", m["text"])]
        shown = [t for t in texts(page) if re.match(r"(before|after) ", t)]
        assert shown == stored
        assert len(stored) == 25
        assert page.evaluate("window.sameDocument") is True  # no reload happened
    finally:
        context.close()
        proc.stop()
