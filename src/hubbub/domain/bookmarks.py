"""Channel bookmarks (links kept at the top of a channel): their rules, Slack's error codes and
JSON shape. No I/O here."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from hubbub.domain.errors import SlackError

MAX_TITLE = 255
MAX_LINK = 2_000
# The most bookmarks one channel keeps (Slack's too_many_bookmarks).
MAX_BOOKMARKS = 100
_EMOJI = re.compile(r":[a-z0-9_\-+']{1,100}:\Z")
_ID = re.compile(r"Bk[A-Z0-9]{1,20}\Z")


@dataclass(frozen=True, slots=True)
class Bookmark:
    team_id: str
    channel_id: str
    id: str
    title: str
    link: str
    emoji: str
    created: int
    updated: int  # 0 until edited
    updated_by: str
    position: int = 0  # its place in the channel's list, in the order bookmarks were added


def check_type(kind: str | None) -> None:
    """Only links are bookmarked here (Slack's folders, files and messages are not)."""
    if kind != "link":
        raise SlackError("invalid_bookmark_type")


def check_title(title: str | None) -> str:
    title = (title or "").strip()
    if not title or len(title) > MAX_TITLE:
        raise SlackError("invalid_arguments")
    return title


def check_link(link: str | None) -> str:
    """An http(s) URL with a host: what a person can open from the channel's header."""
    link = (link or "").strip()
    if not link or len(link) > MAX_LINK or any(c.isspace() for c in link):
        raise SlackError("invalid_link")
    try:
        parts = urlsplit(link)
    except ValueError as exc:
        raise SlackError("invalid_link") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SlackError("invalid_link")
    return link


def check_emoji(emoji: str | None) -> str:
    """`:name:` or nothing."""
    emoji = (emoji or "").strip()
    if emoji and not _EMOJI.match(emoji):
        raise SlackError("invalid_emoji")
    return emoji


def bookmark_id(value: str | None) -> str:
    """The `bookmark_id` argument: one in our shape, else there is no such bookmark."""
    if not value or not _ID.match(value):
        raise SlackError("not_found")
    return value


def bookmark_json(found: Bookmark) -> dict[str, Any]:
    """Slack's bookmark object; `rank` (a string, as Slack's) orders a channel's bookmarks."""
    return {
        "id": found.id,
        "channel_id": found.channel_id,
        "title": found.title,
        "link": found.link,
        "emoji": found.emoji or None,
        "icon_url": None,
        "type": "link",
        "entity_id": None,
        "date_created": found.created,
        "date_updated": found.updated,
        "rank": f"{found.position:010d}",
        "last_updated_by_user_id": found.updated_by,
        "last_updated_by_team_id": found.team_id,
        "shortcut_id": None,
        "app_id": None,
    }
