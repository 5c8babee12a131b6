"""Message metadata (Slack's `metadata` argument): an app's `event_type` and `event_payload`
carried with a message, checked here before anything is written."""

from __future__ import annotations

import re
from typing import Any

import orjson

from hubbub.domain.errors import SlackError

# Slack: event types hold letters, digits, underscores and hyphens.
_EVENT_TYPE = re.compile(r"[A-Za-z0-9_\-]{1,255}\Z")
# hubbub's bound on the metadata of one message, as JSON: generous for structured events, small
# beside a message's 40,000 characters of text.
MAX_METADATA_BYTES = 16_384
# Where a message keeps its metadata: in its extra, shown under this name.
METADATA = "metadata"


def check_metadata(value: Any) -> dict[str, Any] | None:
    """The metadata as stored, or None when there is none; Slack's errors when it is not an
    object (`invalid_metadata_format`) or not `{event_type, event_payload}`
    (`invalid_metadata_schema`)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise SlackError("invalid_metadata_format")
    event_type = value.get("event_type")
    payload = value.get("event_payload", {})
    if set(value) - {"event_type", "event_payload"}:
        raise SlackError("invalid_metadata_schema")
    if not isinstance(event_type, str) or not _EVENT_TYPE.match(event_type):
        raise SlackError("invalid_metadata_schema")
    if not isinstance(payload, dict):
        raise SlackError("invalid_metadata_schema")
    try:
        size = len(orjson.dumps(payload))
    except orjson.JSONEncodeError as exc:  # nested past orjson's depth
        raise SlackError("invalid_metadata_format") from exc
    if size > MAX_METADATA_BYTES:
        raise SlackError("metadata_too_large")
    return {"event_type": event_type, "event_payload": payload}


def updated_extra(extra: dict[str, Any], value: Any) -> dict[str, Any]:
    """A message's extra after chat.update's `metadata`: left out (None), the metadata stays;
    an empty object removes it, as Slack documents; anything else is checked and replaces
    it."""
    if value is None:
        return extra
    out = {k: v for k, v in extra.items() if k != METADATA}
    if value == {}:
        return out
    checked = check_metadata(value)
    assert checked is not None
    out[METADATA] = checked
    return out


def without_others_metadata(
    shown: dict[str, Any], viewer_app_id: str | None, include_all: bool
) -> dict[str, Any]:
    """A message as history and replies show it: with its metadata when the viewer asked for
    all of it (`include_all_metadata`) or is the app that posted it, as in Slack."""
    if include_all or "metadata" not in shown:
        return shown
    if viewer_app_id is not None and shown.get("app_id") == viewer_app_id:
        return shown
    return {k: v for k, v in shown.items() if k != "metadata"}
