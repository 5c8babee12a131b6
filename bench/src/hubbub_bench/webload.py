"""One load of the browser client in Chromium: when the first message shows, and what it cost.

The time is the page's own: an init script (run before any script of the page, outside its CSP)
watches the DOM from navigation start for the first message of the client's contract
(`[role=log] [data-ts]`, rendered and not hidden), then waits for the next frame to be painted.
performance.now() there is the time since navigation start.

The bytes come from the DevTools protocol: each request's encodedDataLength (headers and body as
they came over the wire, 0 from the cache) and the payload of each WebSocket frame received,
counted up to the moment the message showed.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hubbub_bench.webstats import Transfer, wire_summary

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, CDPSession, Page

FIRST_MESSAGE = "[role=log] [data-ts]"
# Events can trail the page's answer a little: a short wait lets the protocol catch up.
SETTLE_MS = 300
POLL_MS = 25

RECORDER = """
(() => {
  const selector = SELECTOR;
  let found = false;
  const check = () => {
    if (found) return;
    const el = document.querySelector(selector);
    if (!el || !el.checkVisibility()) return;
    found = true;
    watch.disconnect();
    const inDom = performance.now();
    const rendered = document.querySelectorAll(selector).length;
    // The frame that shows it is painted between this callback and the task after it.
    requestAnimationFrame(() => setTimeout(() => {
      const shown = performance.now();
      window.__benchFirstMessage = {
        dom_ms: inDom, shown_ms: shown, wall_ms: performance.timeOrigin + shown, rendered,
      };
    }, 0));
  };
  const watch = new MutationObserver(check);
  watch.observe(document, {childList: true, subtree: true, attributes: true});
  // A message already in the DOM may become visible with no mutation (a style sheet loading).
  const poll = () => { check(); if (!found) requestAnimationFrame(poll); };
  requestAnimationFrame(poll);
})();
""".replace("SELECTOR", json.dumps(FIRST_MESSAGE))

NAVIGATION = """() => {
  const [nav] = performance.getEntriesByType('navigation');
  return nav ? {
    status: nav.responseStatus, ttfb_ms: nav.responseStart, dom_content_loaded_ms:
    nav.domContentLoadedEventEnd, load_ms: nav.loadEventEnd,
  } : {};
}"""


class NeverShown(Exception):
    """The first message did not show in time; wire: what the page loaded meanwhile."""

    def __init__(self, message: str, wire: dict[str, Any]) -> None:
        super().__init__(message)
        self.wire = wire


@dataclass
class Wire:
    """The protocol's network events of one page, from the last reset on."""

    cdp: CDPSession
    urls: dict[str, str] = field(default_factory=dict)  # request id -> URL
    sockets: dict[str, str] = field(default_factory=dict)  # request id -> ws URL
    transfers: list[Transfer] = field(default_factory=list)
    # The navigation's document request: CDP's clock to the wall clock.
    wall_minus_mono: float | None = None

    def __post_init__(self) -> None:
        self.cdp.on("Network.requestWillBeSent", self._sent)
        self.cdp.on("Network.loadingFinished", self._finished)
        self.cdp.on("Network.webSocketCreated", self._socket)
        self.cdp.on("Network.webSocketFrameReceived", self._frame)
        self.cdp.send("Network.enable")

    def reset(self) -> None:
        """Before a navigation: what the page before it still receives is not counted."""
        self.urls.clear()
        self.sockets.clear()
        self.transfers.clear()
        self.wall_minus_mono = None

    def _sent(self, event: dict[str, Any]) -> None:
        self.urls[event["requestId"]] = event["request"]["url"]
        if event.get("type") == "Document" and self.wall_minus_mono is None:
            self.wall_minus_mono = float(event["wallTime"]) - float(event["timestamp"])

    def _finished(self, event: dict[str, Any]) -> None:
        url = self.urls.pop(event["requestId"], None)
        if url is not None:
            size = int(event["encodedDataLength"])
            self.transfers.append(Transfer(url, size, float(event["timestamp"])))

    def _socket(self, event: dict[str, Any]) -> None:
        self.sockets[event["requestId"]] = event["url"]

    def _frame(self, event: dict[str, Any]) -> None:
        url = self.sockets.get(event["requestId"])
        if url is not None:
            size = len(event["response"]["payloadData"].encode())
            self.transfers.append(Transfer(url, size, float(event["timestamp"]), socket=True))

    def cutoff(self, wall_ms: float) -> float | None:
        """A wall-clock moment of the page on CDP's clock."""
        if self.wall_minus_mono is None:
            return None
        return wall_ms / 1000 - self.wall_minus_mono


def prepare(context: BrowserContext) -> tuple[Page, Wire]:
    context.add_init_script(RECORDER)
    page = context.new_page()
    return page, Wire(context.new_cdp_session(page))


def load(page: Page, wire: Wire, url: str, *, reload: bool, timeout_s: float) -> dict[str, Any]:
    """Opens url (or reloads it) and waits for the first message; raises NeverShown after
    timeout_s with what the page showed instead."""
    wire.reset()
    if reload:
        page.reload(wait_until="commit")
    else:
        page.goto(url, wait_until="commit")
    first = _wait_for_first(page, timeout_s)
    if first is None:
        raise NeverShown(_not_shown(page, timeout_s), wire_summary(wire.transfers, None))
    page.wait_for_timeout(SETTLE_MS)
    navigation: dict[str, Any] = page.evaluate(NAVIGATION)
    wire_at_first = wire_summary(wire.transfers, wire.cutoff(float(first["wall_ms"])))
    return {
        "shown_ms": round(float(first["shown_ms"]), 1),
        "in_dom_ms": round(float(first["dom_ms"]), 1),
        "messages_rendered": first["rendered"],
        **{k: round(float(v), 1) if k != "status" else v for k, v in navigation.items()},
        "wire": wire_at_first,
    }


def _wait_for_first(page: Page, timeout_s: float) -> dict[str, Any] | None:
    """The recorder's figures once it has them. Polled from here: page.wait_for_function
    compiles its predicate in the page, which a CSP without 'unsafe-eval' (the client's) refuses,
    while page.evaluate is not subject to it. The times are the page's, whatever the polling."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        first: dict[str, Any] | None = page.evaluate("window.__benchFirstMessage || null")
        if first is not None:
            return first
        page.wait_for_timeout(POLL_MS)
    return None


def _not_shown(page: Page, timeout_s: float) -> str:
    status = page.evaluate(NAVIGATION).get("status")
    title = page.title()
    return (
        f"the client never showed a message within {timeout_s:g} s: no visible "
        f"`{FIRST_MESSAGE}` at {page.url} (HTTP {status}, title {title!r})"
    )
