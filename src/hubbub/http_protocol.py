"""HTTP/1.1 connections: uvicorn's httptools protocol, with a cap on a request's head.

llhttp, under httptools, takes a request line and headers of any size, and uvicorn keeps them
all in memory: a client could send 10 MB of headers per request. Past MAX_HEAD_BYTES the
request is answered 431 and the connection closed, before the application sees any of it.
This subclasses uvicorn's protocol (its parser callbacks and its answer to a parse error), which
pyproject.toml bounds and tests/integration/test_third_party_internals.py checks.
"""

from __future__ import annotations

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

# The request line plus every header's name and value (nginx's default buffers take 32 KB).
MAX_HEAD_BYTES = 64 << 10

_TOO_LARGE = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
    b"content-type: text/plain; charset=utf-8\r\n"
    b"content-length: 31\r\n"
    b"connection: close\r\n\r\n"
    b"request_header_fields_too_large"
)


class HeadTooLarge(Exception):
    pass


class HttpProtocol(HttpToolsProtocol):
    """Pass as uvicorn's `http` protocol class (app.SERVER_OPTIONS)."""

    head_bytes = 0
    head_too_large = False

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.head_bytes, self.head_too_large = 0, False

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value))
        super().on_header(name, value)

    def _count(self, size: int) -> None:
        self.head_bytes += size
        if self.head_bytes > MAX_HEAD_BYTES:
            self.head_too_large = True
            # Raised inside a parser callback, it reaches uvicorn as a parse error, which it
            # answers through send_400_response below and then stops reading.
            raise HeadTooLarge

    def send_400_response(self, msg: str) -> None:
        if not self.head_too_large:
            super().send_400_response(msg)
            return
        self.transport.write(_TOO_LARGE)
        self.transport.close()
