"""search.* methods: search.messages, search.files and search.all, for people's tokens only
(docs/search.md)."""

from __future__ import annotations

import math
from typing import Any

from hubbub.api.call import Call
from hubbub.api.registry import TIER_2, Router
from hubbub.domain import cursor
from hubbub.domain.errors import SlackError
from hubbub.domain.model import Channel
from hubbub.domain.search_query import SearchQuery
from hubbub.domain.search_text import highlight
from hubbub.domain.shapes import USER_TEAM, file_json
from hubbub.services.search import MAX_COUNT, MAX_PAGE, Ask, Match, iid, search_messages
from hubbub.services.search_files import FileMatch, search_files

router = Router()

ARGS = {
    "query": "string",
    "count": "integer",
    "page": "integer",
    "cursor": "string",
    "highlight": "boolean",
    "sort": "string",
    "sort_dir": "string",
    "team_id": "string",
}
DEFAULT_COUNT = 20
# Slack's first cursor: `*` asks for the first page and a cursor for the next.
FIRST = "*"
_CURSOR = "search"


@router.method("search.messages", scopes="search:read", tier=TIER_2, args=ARGS, user_token=True)
async def messages(call: Call) -> dict[str, Any]:
    """Searches for messages matching a query."""
    text, ask, given = _ask(call)
    return {"query": text, "messages": await _messages(call, text, ask, given)}


@router.method("search.files", scopes="search:read", tier=TIER_2, args=ARGS, user_token=True)
async def files(call: Call) -> dict[str, Any]:
    """Searches for files matching a query: their names and titles."""
    text, ask, given = _ask(call)
    return {"query": text, "files": await _files(call, text, ask, given)}


@router.method("search.all", scopes="search:read", tier=TIER_2, args=ARGS, user_token=True)
async def all_(call: Call) -> dict[str, Any]:
    """Searches for messages and files matching a query (hubbub has no posts)."""
    text, ask, given = _ask(call)
    return {
        "query": text,
        "messages": await _messages(call, text, ask, given),
        "files": await _files(call, text, ask, given),
        "posts": {"total": 0, "matches": []},
    }


def _ask(call: Call) -> tuple[str, Ask, bool]:
    text = call.required("query", "no_query")
    if not text.strip():
        raise SlackError("no_query")
    count = call.integer("count") or DEFAULT_COUNT
    count = DEFAULT_COUNT if count < 1 else min(count, MAX_COUNT)
    page = max(1, call.integer("page") or 1)
    given = call.text("cursor")
    latest_us = None
    if given:
        latest_us, page = _read_cursor(given)
    ask = Ask(
        count=count,
        page=page,
        by_time=call.text("sort") == "timestamp",
        ascending=call.text("sort_dir") == "asc",
        latest_us=latest_us,
    )
    return text, ask, bool(given)


def _read_cursor(given: str) -> tuple[int | None, int]:
    """`*`: the first page, as of now; else the instant the first page was read and the page
    to read, so a cursor's pages stay put while more messages come."""
    if given == FIRST:
        return None, 1
    latest, page = cursor.fields(_CURSOR, given, 2)
    number = cursor.decimal(page)
    if not 1 <= number <= MAX_PAGE:
        raise SlackError("invalid_cursor")
    return cursor.decimal(latest), number


async def _messages(call: Call, text: str, ask: Ask, given: bool) -> dict[str, Any]:
    results = await search_messages(call.hub, call.who, text, ask)
    marks = results.query if call.flag("highlight") else None
    shown = [_match(call, m, marks) for m in results.matches]
    return _section(shown, results.total, results.latest_us, ask, given)


async def _files(call: Call, text: str, ask: Ask, given: bool) -> dict[str, Any]:
    results = await search_files(call.hub, call.who, text, ask)
    marks = results.query if call.flag("highlight") else None
    shown = [_file_match(call, m, marks) for m in results.matches]
    return _section(shown, results.total, results.latest_us, ask, given)


def _section(
    matches: list[dict[str, Any]], total: int, latest_us: int, ask: Ask, given: bool
) -> dict[str, Any]:
    out: dict[str, Any] = {**_paging(total, len(matches), ask), "matches": matches}
    if given:
        pages = out["paging"]["pages"]
        more = ask.page < min(pages, MAX_PAGE)
        following = cursor.encode(_CURSOR, f"{latest_us}:{ask.page + 1}") if more else ""
        out["response_metadata"] = {"next_cursor": following}
    return out


def _paging(total: int, shown: int, ask: Ask) -> dict[str, Any]:
    pages = math.ceil(total / ask.count)
    first = (ask.page - 1) * ask.count + 1
    return {
        "total": total,
        "paging": {"count": ask.count, "total": total, "page": ask.page, "pages": pages},
        "pagination": {
            "total_count": total,
            "page": ask.page,
            "per_page": ask.count,
            "page_count": pages,
            "first": first,
            "last": first + shown - 1,
        },
    }


def _marked(text: str, marks: SearchQuery | None) -> str:
    """The text with the query's matches marked, when `highlight` asks for them."""
    return highlight(text, marks.terms, marks.prefixes) if marks else text


def _match(call: Call, match: Match, marks: SearchQuery | None) -> dict[str, Any]:
    msg = match.message
    return {
        "type": "message",
        "iid": iid(msg),
        "channel": _channel(match.channel),
        "ts": msg.ts,
        "text": _marked(msg.text, marks),
        "user": msg.user_id,
        "username": match.username,
        "team": msg.extra.get(USER_TEAM, msg.team_id),
        "permalink": call.hub.urls.permalink(msg),
        "score": round(match.score, 6),
    }


def _file_match(call: Call, match: FileMatch, marks: SearchQuery | None) -> dict[str, Any]:
    """Slack's file object (domain/shapes.py file_json, with where the searcher sees it
    shared); with highlight, the matches in its title marked (its name stays a file's name)."""
    out = file_json(match.file, call.hub.urls, match.seen)
    if marks:
        out["title"] = _marked(match.file.title, marks)
    return out


def _channel(channel: Channel) -> dict[str, Any]:
    """The channel of a match as Slack's search shows it (the searcher's own view of it)."""
    shared = bool(channel.shared_team_ids)
    private = channel.private_here or channel.is_im
    return {
        "id": channel.id,
        # A DM is named by the other person's id, as Slack shows it.
        "name": (channel.im_user or channel.id) if channel.is_im else channel.name,
        "is_channel": not private and not channel.is_mpim,
        "is_group": private and not channel.is_im and not channel.is_mpim,
        "is_im": channel.is_im,
        "is_mpim": channel.is_mpim,
        "is_private": private or channel.is_mpim,
        "is_shared": shared,
        "is_ext_shared": shared,
        "is_org_shared": False,
    }
