"""A local HTTP receiver for what hubbub POSTs to apps (and GETs: an emoji's image by URL): it
records each request and answers as the test tells it (echo url_verification, fail, hang)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.support.waiting import wait_for


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float

    def json(self) -> Any:
        return json.loads(self.body)


# (request) -> (status, headers, body); sleeping in it makes the receiver hang
Behaviour = Callable[[Received], tuple[int, dict[str, str], bytes]]


def echo_ok(request: Received) -> tuple[int, dict[str, str], bytes]:
    """Slack's app etiquette: echo url_verification's challenge, 200 to the rest."""
    if request.body.startswith(b"{"):
        body = request.json()
        if body.get("type") == "url_verification":
            return 200, {"Content-Type": "text/plain"}, body["challenge"].encode()
    return 200, {}, b""


@dataclass
class Receiver:
    url: str
    seen: list[Received] = field(default_factory=list)
    behaviour: Behaviour = echo_ok

    def events(self) -> list[Received]:
        return [r for r in self.seen if r.body.startswith(b"{") and b"event_callback" in r.body]

    def wait(self, check: Callable[[list[Received]], Any], timeout: float = 10.0) -> Any:
        """wait_for `check` of what was received so far."""
        return wait_for(
            lambda: check(list(self.seen)),
            timeout,
            lambda: f"receiver; saw {[r.headers for r in self.seen]}",
            interval=0.02,
        )


@contextmanager
def receiver() -> Iterator[Receiver]:
    box: list[Receiver] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            size = int(self.headers.get("Content-Length") or 0)
            got = Received(self.path, dict(self.headers.items()), self.rfile.read(size), 0.0)
            got.at = time.monotonic()
            box[0].seen.append(got)
            status, headers, body = box[0].behaviour(got)
            try:
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:
                pass  # the caller gave up on us

        do_GET = do_POST

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    box.append(Receiver(f"http://127.0.0.1:{server.server_address[1]}/slack/events"))
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield box[0]
    finally:
        server.shutdown()
        server.server_close()
