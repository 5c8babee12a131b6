"""The frames the gateway writes: spliced event bytes and RTM's own replies."""

from __future__ import annotations

from typing import Any

import orjson

from hubbub.realtime.socket import text_frame

CURSOR_FIELD = "hubbub_cursor"
# Slack closes a socket whose client sends a frame over 16 KB.
MAX_CLIENT_FRAME = 16 * 1024

EXPIRED = orjson.dumps({"type": "error", "error": {"code": 1, "msg": "Socket URL has expired"}})
HELLO = "hello"
RESYNC = "resync_required"

# Prefixes that pick out the few events the gateway itself acts on without parsing every event:
# events are serialised from dicts whose first key is "type" (services/).
MEMBER_LEFT = b'{"type":"member_left_channel"'
USER_TYPING = b'{"type":"user_typing"'
JOIN_NOTICE = b'{"type":"hubbub_member_joined"'
PRESENCE_CHANGE = b'{"type":"presence_change"'
IM_CREATED = b'{"type":"im_created"'


def splice_position(stream: str, seq: int, payload: bytes) -> bytes:
    """The event with its position added as its last field: once per gateway, not per socket."""
    if len(payload) < 3 or not payload.endswith(b"}"):
        return payload
    return b'%s,"%s":"%s:%d"}' % (payload[:-1], CURSOR_FIELD.encode(), stream.encode(), seq)


def logged_frame(stream: str, seq: int, payload: bytes) -> bytes:
    """A logged event as it goes on the wire: its position spliced in, framed."""
    return text_frame(splice_position(stream, seq, payload))


def frame(body: dict[str, Any]) -> bytes:
    return orjson.dumps(body)


def error_frame(code: int, msg: str) -> bytes:
    return orjson.dumps({"type": "error", "error": {"code": code, "msg": msg}})


def reply_error(reply_to: Any, code: int, msg: str) -> bytes:
    if reply_to is None:
        return error_frame(code, msg)
    return orjson.dumps({"ok": False, "reply_to": reply_to, "error": {"code": code, "msg": msg}})


def presence_frames(states: dict[str, str], *, batch: bool) -> list[bytes]:
    """presence_change events for people's current presence: one per person, or, for a
    batch_presence_aware session, one per presence naming everyone in it."""
    if not batch:
        return [
            orjson.dumps({"type": "presence_change", "user": u, "presence": p})
            for u, p in states.items()
        ]
    out = []
    for presence in ("active", "away"):
        users = [u for u, p in states.items() if p == presence]
        if users:
            out.append(
                orjson.dumps({"type": "presence_change", "users": users, "presence": presence})
            )
    return out


def im_as_seen_by(payload: bytes, user_id: str) -> bytes:
    """im_created is logged once on the DM's stream, naming the other party as the opener sees
    it (`channel.user`); the other party sees the opener there, as conversations.open shows."""
    body = orjson.loads(payload)
    channel, opener = body.get("channel"), body.get("user")
    if not isinstance(channel, dict) or channel.get("user") != user_id or opener == user_id:
        return payload
    channel["user"] = opener
    return frame(body)


def presence_as_batch(payload: bytes) -> bytes:
    """A presence_change of one person as a batch_presence_aware session takes it: `users`."""
    body = orjson.loads(payload)
    rest = {k: v for k, v in body.items() if k not in ("type", "user")}
    return frame({"type": body["type"], "users": [body["user"]], **rest})


def event_field(payload: bytes, name: str) -> Any:
    """One top-level field of an event's JSON; None when it has none or is not JSON."""
    try:
        body = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return None
    return body.get(name) if isinstance(body, dict) else None
