"""`hubbub bench web`'s measurement in Chromium, against a stand-in client of known sizes."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import Browser

from hubbub_bench import webload

HISTORY = b'{"messages": "' + b"x" * 50_000 + b'"}'
LATE = b"y" * 100_000
# Shows a message once its history has come, then fetches more after it is on screen.
PAGE = b"""<!doctype html><html lang="en"><head><title>stand-in</title>
<script src="/app.js" defer></script></head><body><main></main></body></html>"""
APP = b"""
fetch('/api/history').then(r => r.json()).then(() => {
  const log = document.createElement('div');
  log.setAttribute('role', 'log');
  log.id = 'messages';
  log.innerHTML = '<div data-ts="1700000000.000100">hello</div><div data-ts="2.0">again</div>';
  document.querySelector('main').append(log);
  setTimeout(() => fetch('/api/late').then(r => r.text()), 100);
});
"""
FILES = {
    "/client/T1/C1": ("text/html", PAGE),
    "/app.js": ("text/javascript", APP),
    "/api/history": ("application/json", HISTORY),
    "/api/late": ("text/plain", LATE),
}


class StandIn(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        kind, body = FILES.get(self.path, ("text/plain", b"no"))
        self.send_response(200 if self.path in FILES else 404)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "max-age=600" if self.path == "/app.js" else "no-store")
        # As strict as the client's: no inline script, no eval.
        self.send_header(
            "Content-Security-Policy", "default-src 'none'; script-src 'self'; connect-src 'self'"
        )
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def stand_in() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_load_times_the_first_message_and_counts_bytes_until_then(
    browser: Browser, stand_in: str
) -> None:
    context = browser.new_context()
    try:
        page, wire = webload.prepare(context)
        url = stand_in + "/client/T1/C1"
        cold = webload.load(page, wire, url, reload=False, timeout_s=10)
        assert 0 < cold["in_dom_ms"] <= cold["shown_ms"] < 5000
        assert cold["messages_rendered"] == 2
        assert cold["status"] == 200
        bytes_ = cold["wire"]
        # Headers come on top of each body; the fetch after the message is not counted.
        assert len(HISTORY) < bytes_["api"] < len(HISTORY) + 1000
        assert len(PAGE) + len(APP) < bytes_["static"] < len(PAGE) + len(APP) + 2000
        assert bytes_["largest"][0]["url"] == stand_in + "/api/history"
        # It had finished by the end of the load's settling wait, all the same.
        assert any(t.url.endswith("/api/late") for t in wire.transfers)

        warm = webload.load(page, wire, url, reload=True, timeout_s=10)
        # The script came from the cache this time: no bytes for it.
        assert warm["wire"]["static"] < cold["wire"]["static"] - len(APP) // 2
        assert warm["wire"]["api"] == pytest.approx(bytes_["api"], abs=200)
    finally:
        context.close()


def test_a_page_without_messages_is_a_clear_error(browser: Browser, stand_in: str) -> None:
    context = browser.new_context()
    try:
        page, wire = webload.prepare(context)
        with pytest.raises(webload.NeverShown, match="never showed a message within 1 s") as err:
            webload.load(page, wire, stand_in + "/nothing", reload=False, timeout_s=1)
        assert "HTTP 404" in str(err.value)
        assert err.value.wire["static"] > 0
    finally:
        context.close()
