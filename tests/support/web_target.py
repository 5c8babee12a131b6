"""A small HTTP server on 127.0.0.x for the tests of outbound HTTP: pages with previews, a page
that never answers, one that sends 100 MB, redirects, and an echo of what it was sent."""

from __future__ import annotations

import contextlib
import gzip
import json
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

Reply = tuple[int, dict[str, str], Iterable[bytes]]
Handler = Callable[["Request"], Reply]

OG_PAGE = b"""<!doctype html><html><head>
<meta charset="utf-8"><title>Fallback title</title>
<meta property="og:title" content="A story worth reading">
<meta property="og:description" content="What happened, in two lines.">
<meta property="og:image" content="/cover.png">
<meta property="og:site_name" content="Local News">
</head><body><script>while (true) {}</script><p>Body</p></body></html>"""


class Request:
    def __init__(self, method: str, path: str, headers: dict[str, str], body: bytes) -> None:
        self.method, self.headers, self.body = method, headers, body
        parts = urlsplit(path)
        self.path = parts.path
        self.query = {k: v[-1] for k, v in parse_qs(parts.query).items()}


def html(body: bytes, status: int = 200) -> Reply:
    return status, {"Content-Type": "text/html; charset=utf-8"}, [body]


class Target:
    """Routes by path; counts hits and the bytes each path sent."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.routes: dict[str, Handler] = {}
        self.hits: Counter[str] = Counter()
        self.sent: Counter[str] = Counter()
        self.seen: list[Request] = []
        self.stop = threading.Event()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, 0), self._handler_class())
        self._server.daemon_threads = True
        self.host = host
        self.port = self._server.server_address[1]
        self._defaults()

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    def route(self, path: str, handler: Handler) -> None:
        self.routes[path] = handler

    def _defaults(self) -> None:
        self.route("/og", lambda _r: html(OG_PAGE))
        self.route("/plain", lambda _r: (200, {"Content-Type": "text/plain"}, [b"just text"]))
        self.route("/missing", lambda _r: html(b"<title>Not found</title>", 404))
        self.route("/hang", self._hang)
        self.route("/huge", self._huge)
        self.route("/redirect", self._redirect)
        self.route("/echo", self._echo)
        self.route("/bomb", self._bomb)

    def _hang(self, _request: Request) -> Reply:
        self.stop.wait(60)
        return html(b"<title>too late</title>")

    def _huge(self, _request: Request) -> Reply:
        chunk = b"<p>" + b"x" * 65_533 + b"\n"

        def body() -> Iterator[bytes]:
            head = b'<html><head><meta property="og:title" content="Huge page"></head><body>'
            yield head
            for _ in range(100 * 16):  # 100 MB
                yield chunk

        return 200, {"Content-Type": "text/html", "Content-Length": str(100 << 20)}, body()

    def _redirect(self, request: Request) -> Reply:
        status = int(request.query.get("status", "302"))
        return status, {"Location": request.query["to"]}, [b""]

    def _echo(self, request: Request) -> Reply:
        seen = {
            "method": request.method,
            "headers": request.headers,
            "body": request.body.decode(errors="replace"),
        }
        return 200, {"Content-Type": "application/json"}, [json.dumps(seen).encode()]

    def _bomb(self, _request: Request) -> Reply:
        packed = gzip.compress(b"<title>bomb</title>" + b" " * (50 << 20))
        return 200, {"Content-Type": "text/html", "Content-Encoding": "gzip"}, [packed]

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        target = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: Any) -> None:
                return None

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                request = Request(
                    self.command,
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(length) if length else b"",
                )
                with target._lock:
                    target.hits[request.path] += 1
                    target.seen.append(request)
                handler = target.routes.get(request.path)
                status, headers, body = (
                    handler(request) if handler else html(b"<title>no route</title>", 404)
                )
                self.send_response(status)
                parts = body
                if "Content-Length" not in headers and isinstance(parts, list):
                    headers = {**headers, "Content-Length": str(sum(len(p) for p in parts))}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                with contextlib.suppress(OSError):
                    for part in parts:
                        self.wfile.write(part)
                        with target._lock:
                            target.sent[request.path] += len(part)

            do_GET = do_POST = do_PUT = _serve

        return _Handler

    def __enter__(self) -> Target:
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop.set()
        self._server.shutdown()
        self._server.server_close()
