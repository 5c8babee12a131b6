"""Custom emoji: their names, bounds and Slack's error codes and event shapes. No I/O here.

A custom emoji is an image of the workspace's (stored through the Blobs port, content-addressed)
or an alias of another custom emoji, named like Slack's: lower-case letters, digits, `_`, `-`,
`+` and `'`. emoji.list answers each name with its image's URL or `alias:<name>`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from hubbub.domain.errors import SlackError

# Slack: "square images under 128KB work best"; larger ones are refused here.
MAX_BYTES = 128 * 1024
MAX_NAME = 100
# The most custom emoji (aliases included) one workspace keeps.
MAX_EMOJI = 10_000
# The image types an emoji may be, by the format Pillow found (hubbub/images.py).
TYPES = {"PNG": "image/png", "GIF": "image/gif", "JPEG": "image/jpeg", "WEBP": "image/webp"}
EXTENSIONS = {"image/png": "png", "image/gif": "gif", "image/jpeg": "jpg", "image/webp": "webp"}

_NAME = re.compile(r"[a-z0-9_\-+']+\Z")


@dataclass(frozen=True, slots=True)
class CustomEmoji:
    team_id: str
    name: str
    user_id: str  # who added it ("" from the command line)
    created: int
    # An image's blob, its sha256 and type; an alias has none of them, and names its original.
    blob_key: str | None = None
    sha256: str | None = None
    mimetype: str | None = None
    alias_for: str | None = None


def emoji_name(text: str | None, missing: str = "error_missing_name") -> str:
    """A name as given, colons and white space around it trimmed."""
    name = (text or "").strip().strip(":").strip()
    if not name:
        raise SlackError(missing)
    if name.lower() != name and _NAME.match(name.lower()):
        raise SlackError("error_lower_case_names_only")
    if len(name) > MAX_NAME or not _NAME.match(name):
        raise SlackError("error_bad_name_i18n")
    return name


def changed_added(name: str, value: str) -> dict[str, Any]:
    """emoji_changed for a new emoji: value its URL, or `alias:<original>`."""
    return {"type": "emoji_changed", "subtype": "add", "name": name, "value": value}


def changed_removed(names: list[str]) -> dict[str, Any]:
    return {"type": "emoji_changed", "subtype": "remove", "names": sorted(names)}


def changed_renamed(old_name: str, new_name: str, value: str) -> dict[str, Any]:
    """emoji_changed for a rename: value as emoji.list now answers the new name."""
    return {
        "type": "emoji_changed",
        "subtype": "rename",
        "old_name": old_name,
        "new_name": new_name,
        "value": value,
    }
