"""Reading logged events: what identifies one, and which mark a person's joining or leaving."""

from __future__ import annotations

from typing import Any

JOIN_SUBTYPES = frozenset({"channel_join", "group_join"})
LEAVE_SUBTYPES = frozenset({"channel_leave", "group_leave"})
# Message events that add a message to a channel (not a change, a deletion or a thread's count).
NEW_MESSAGE_SUBTYPES = frozenset({None, "thread_broadcast"}) | JOIN_SUBTYPES | LEAVE_SUBTYPES

# The fields that say which event it is and what it did. Not the rest: the receiver's copy and
# the log's may differ in presentation (`event_ts`, `hubbub_cursor` are taken off the Recv; an
# `im_created`'s `channel` object is rewritten per side; blocks, `channel_type`, `hidden`) while
# being the same event. A different text, ts, author, target or kind is a different event.
_TOP = (
    *("type", "subtype", "ts", "client_msg_id", "text", "thread_ts"),
    *("user", "reaction", "deleted_ts"),
)
_NESTED = (("message", ("ts", "text", "client_msg_id", "thread_ts")), ("item", ("ts", "channel")))


def identity(event: dict[str, Any]) -> dict[str, Any]:
    """The identifying fields of an event, those it has; equal for the same event."""
    out = {k: event[k] for k in _TOP if k in event}
    if isinstance(event.get("channel"), str):
        out["channel"] = event["channel"]
    for outer, inner in _NESTED:
        nested = event.get(outer)
        if isinstance(nested, dict):
            out.update({f"{outer}.{k}": nested[k] for k in inner if k in nested})
    return out


def is_join(event: dict[str, Any] | None, user: str) -> bool:
    """One of the events a join of `user` logs (its `channel_join` message, then
    `member_joined_channel`)."""
    if event is None or event.get("user") != user:
        return False
    kind = event.get("type")
    return kind == "member_joined_channel" or (
        kind == "message" and event.get("subtype") in JOIN_SUBTYPES
    )


def is_leave(event: dict[str, Any] | None, user: str) -> bool:
    """The event after which a session stops following a channel `user` left."""
    return (
        event is not None
        and event.get("type") == "member_left_channel"
        and event.get("user") == user
    )


def is_new_message(event: dict[str, Any]) -> bool:
    return event.get("type") == "message" and event.get("subtype") in NEW_MESSAGE_SUBTYPES
