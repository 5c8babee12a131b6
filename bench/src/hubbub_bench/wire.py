"""Just enough of RFC 6455 for the fan-out bench: a client handshake, frame splitting, masking.

The fan-out client holds thousands of sockets and must not be what limits a run, so it speaks the
protocol itself (no compression offered, no per-message objects beyond the payload) rather than
through a WebSocket library; the bare ceiling server (`fanceiling`) uses the same few functions.
Pure: no I/O here.
"""

from __future__ import annotations

import base64
import hashlib
import os

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
MAX_FRAME = 1 << 24


class ProtocolError(ValueError):
    pass


def new_key() -> str:
    return base64.b64encode(os.urandom(16)).decode()


def accept_key(key: str) -> str:
    """Sec-WebSocket-Accept for a Sec-WebSocket-Key."""
    return base64.b64encode(hashlib.sha1(key.encode() + GUID).digest()).decode()


def upgrade_request(host: str, port: int, path: str, key: str) -> bytes:
    """The client's opening handshake; no extensions offered (so no permessage-deflate)."""
    return (
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    ).encode()


def upgrade_response(key: str) -> bytes:
    return (
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Accept: {accept_key(key)}\r\n\r\n"
    ).encode()


def header_value(head: bytes, name: bytes) -> str | None:
    """A header's value in an HTTP head (case-insensitive name), or None."""
    wanted = name.lower() + b":"
    for line in head.split(b"\r\n")[1:]:
        if line.lower().startswith(wanted):
            return line[len(wanted) :].strip().decode("latin-1")
    return None


def server_frame(payload: bytes, opcode: int = OP_TEXT) -> bytes:
    """An unmasked, unfragmented frame as a server sends it."""
    n = len(payload)
    if n < 126:
        head = bytes((0x80 | opcode, n))
    elif n < 1 << 16:
        head = bytes((0x80 | opcode, 126)) + n.to_bytes(2, "big")
    else:
        head = bytes((0x80 | opcode, 127)) + n.to_bytes(8, "big")
    return head + payload


def client_frame(payload: bytes, opcode: int, mask: bytes | None = None) -> bytes:
    """A masked frame as a client must send it (pongs and closes here: short payloads)."""
    mask = os.urandom(4) if mask is None else mask
    n = len(payload)
    if n < 126:
        head = bytes((0x80 | opcode, 0x80 | n))
    elif n < 1 << 16:
        head = bytes((0x80 | opcode, 0x80 | 126)) + n.to_bytes(2, "big")
    else:
        head = bytes((0x80 | opcode, 0x80 | 127)) + n.to_bytes(8, "big")
    return head + mask + bytes(b ^ mask[i & 3] for i, b in enumerate(payload))


def split_frames(buf: bytes) -> tuple[list[tuple[int, bytes]], int]:
    """The whole frames at the start of buf as (opcode, payload), and how many bytes they took.

    Frames from a server are unmasked; a masked or fragmented one is a protocol error here (the
    servers measured send neither for these small text frames).
    """
    out: list[tuple[int, bytes]] = []
    n = len(buf)
    i = 0
    while n - i >= 2:
        b0, b1 = buf[i], buf[i + 1]
        if b1 & 0x80 or not b0 & 0x80:
            raise ProtocolError("masked or fragmented frame from the server")
        length = b1 & 0x7F
        head = 2
        if length == 126:
            if n - i < 4:
                break
            length = int.from_bytes(buf[i + 2 : i + 4], "big")
            head = 4
        elif length == 127:
            if n - i < 10:
                break
            length = int.from_bytes(buf[i + 2 : i + 10], "big")
            head = 10
            if length > MAX_FRAME:
                raise ProtocolError("frame too large")
        end = i + head + length
        if end > n:
            break
        out.append((b0 & 0x0F, buf[i + head : end]))
        i = end
    return out, i


MARK = b'"text":"fanout '


def message_id(payload: bytes) -> int:
    """The bench's id of a message frame (`"text":"fanout <id> <sent>"`), or -1 for other frames."""
    k = payload.find(MARK)
    if k < 0:
        return -1
    k += len(MARK)
    j = payload.find(b" ", k)
    try:
        return int(payload[k:j])
    except ValueError:
        return -1
