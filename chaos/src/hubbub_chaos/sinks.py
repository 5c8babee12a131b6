"""Where the server's background jobs make their external effects, run by the harness on
127.0.0.1: an HTTP sink that is an Events API app's request URL, and an SMTP sink for the
notification emails. Each delivery is recorded as an Effect, duplicates too: the checker
decides what "once in effect" allows."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson
from aiosmtpd.controller import Controller

from hubbub_chaos.journal import Journal

_PERMALINK = re.compile(r"/archives/([A-Z0-9]+)/p(\d{16})")


def ref_of(event: dict[str, Any]) -> str:
    """The message an app's event is about, "channel:ts"."""
    match event.get("type"), event.get("subtype"):
        case "reaction_added" | "reaction_removed", _:
            item = event.get("item") or {}
            return f"{item.get('channel')}:{item.get('ts')}"
        case "message", "message_changed":
            return f"{event.get('channel')}:{(event.get('message') or {}).get('ts')}"
        case "message", "message_deleted":
            return f"{event.get('channel')}:{event.get('deleted_ts')}"
    return f"{event.get('channel')}:{event.get('ts') or event.get('event_ts')}"


class EventsSink:
    """The Events API app's request URL. It answers url_verification, checks each request's
    signature once the app's signing secret is known (an unsigned or badly signed request is
    counted, not recorded), and records every event_callback."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self.signing_secret: str | None = None
        self.bad_signatures = 0
        self.received = 0
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, answer = sink.handle(dict(self.headers.items()), body)
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                except OSError:
                    pass  # the server gave up on us (stopped, killed)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/slack/events"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,))

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def handle(self, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        try:
            doc = orjson.loads(body)
        except orjson.JSONDecodeError:
            return 400, b""
        if doc.get("type") == "url_verification":
            return 200, str(doc.get("challenge", "")).encode()
        if self.signing_secret is not None and not _signed(self.signing_secret, headers, body):
            self.bad_signatures += 1
            return 401, b""
        if doc.get("type") == "event_callback":
            self.received += 1
            event = doc.get("event") or {}
            self.journal.effect("events_http", str(doc.get("event_id")), ref_of(event))
        return 200, b""


def _signed(secret: str, headers: dict[str, str], body: bytes) -> bool:
    lower = {k.lower(): v for k, v in headers.items()}
    stamp = lower.get("x-slack-request-timestamp", "")
    mac = hmac.new(secret.encode(), b"v0:" + stamp.encode() + b":" + body, hashlib.sha256)
    return hmac.compare_digest("v0=" + mac.hexdigest(), lower.get("x-slack-signature", ""))


class SmtpSink:
    """The SMTP server the deployment sends notification emails to. An email's key is its
    recipient and its Message-ID, by which a mailbox keeps one of each: the email job is at
    least once (a crash between the send and its record sends again), under one Message-ID
    per notification. Its ref is the message it is about (its permalink)."""

    def __init__(self, journal: Journal, port: int) -> None:
        self.journal = journal
        self.port = port
        self.received = 0
        self._controller = Controller(self, hostname="127.0.0.1", port=port)
        # aiosmtpd logs every SMTP command at info: thousands of lines of no use to a run.
        logging.getLogger("mail.log").setLevel(logging.WARNING)

    def start(self) -> None:
        self._controller.start()

    def close(self) -> None:
        self._controller.stop()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        body = parsed.get_body(("plain",))
        text = body.get_content() if body is not None else ""
        found = _PERMALINK.search(text)
        ref = f"{found[1]}:{found[2][:10]}.{found[2][10:]}" if found else "?"
        self.received += 1
        message_id = str(parsed.get("Message-ID") or f"none:{ref}")
        for rcpt in envelope.rcpt_tos:
            self.journal.effect("smtp", f"{rcpt}|{message_id}", ref)
        return "250 OK"
