"""What a person picked or typed in the elements of domain/elements.py, turned into Slack's
shapes: the fields an element holds in `state.values` and sends in a `block_actions` action
(`selected_options`, `selected_time`, `value`, `selected_user(s)`, `selected_conversation(s)`,
`selected_channel(s)`). One bounded parser per kind; none of them trusts the client: an option
must be one the element offers, a number within its bounds, an email or URL one that parses.
The people and conversations picked are returned as Picks, for the service to check against
what the person may see (services/picks.py). No I/O here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from hubbub.domain import elements
from hubbub.domain.errors import SlackError
from hubbub.domain.ids import is_slack_id

# What the client sends for one element: a string, a list of them (the multi kinds,
# checkboxes), or nothing.
Given = str | list[str] | None

MAX_EMAIL = 254
MAX_URL = 3000
_EMAIL = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\Z"
)
_HOST = re.compile(r"[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?\Z")

# The field each kind holds its pick in; the multi kinds and checkboxes hold a list.
FIELD = {
    "checkboxes": "selected_options",
    "multi_static_select": "selected_options",
    "timepicker": "selected_time",
    "number_input": "value",
    "email_text_input": "value",
    "url_text_input": "value",
    "users_select": "selected_user",
    "multi_users_select": "selected_users",
    "conversations_select": "selected_conversation",
    "multi_conversations_select": "selected_conversations",
    "channels_select": "selected_channel",
    "multi_channels_select": "selected_channels",
}
MANY = frozenset(
    {
        "checkboxes",
        "multi_static_select",
        "multi_users_select",
        "multi_conversations_select",
        "multi_channels_select",
    }
)
KINDS = frozenset(FIELD)
assert KINDS == elements.KINDS


def _invalid(message: str) -> SlackError:
    return SlackError("invalid_arguments", response_metadata={"messages": [f"[ERROR] {message}"]})


@dataclass(frozen=True, slots=True)
class Pick:
    """A person or conversation picked in an element: the service checks the person may see
    it (and, for a conversation, that it is of a kind the element lists) before anything is
    kept or sent."""

    id: str
    user: bool  # a person; otherwise a conversation
    kinds: frozenset[str] = elements.CONVERSATION_KINDS  # of conversation allowed
    exclude_shared: bool = False  # a conversation shared with another workspace is refused


def _strings(given: Given, many: bool) -> list[str]:
    """The given strings, bounded: one for a single kind, a list without repeats for many."""
    if given is None or given == "" or given == []:
        return []
    if not many:
        if not isinstance(given, str) or len(given) > elements.MAX_INITIAL_TEXT:
            raise _invalid(f"each value must be a string of at most {elements.MAX_INITIAL_TEXT}")
        return [given]
    if not isinstance(given, list) or len(given) > elements.MAX_SELECTED:
        raise _invalid(f"each list must hold at most {elements.MAX_SELECTED} strings")
    if not all(isinstance(v, str) and 0 < len(v) <= elements.MAX_OPTION_VALUE for v in given):
        raise _invalid("each value must be a string")
    return list(dict.fromkeys(given))


def _options(element: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from element.get("options") or ()
    for group in element.get("option_groups") or ():
        yield from group["options"]


def _chosen_options(element: dict[str, Any], values: list[str]) -> list[dict[str, Any]]:
    """The element's own option objects for these values, in the order picked;
    invalid_option for one it does not offer."""
    offered = {o["value"]: o for o in _options(element)}
    if any(v not in offered for v in values):
        raise SlackError("invalid_option")
    most = element.get("max_selected_items")
    if isinstance(most, int) and len(values) > most:
        raise _invalid(f"at most {most} may be picked")
    return [offered[v] for v in values]


def _time(_element: dict[str, Any], values: list[str]) -> str | None:
    if values and not elements.TIME.match(values[0]):
        raise _invalid("a time must be HH:mm")
    return values[0] if values else None


def number_problem(element: dict[str, Any], text: str) -> str | None:
    """Why this text is not a number the element takes (Slack's client's words), or None."""
    value = elements.number(text)
    low, high = element.get("min_value"), element.get("max_value")
    if value is None or ("." in text and element.get("is_decimal_allowed") is not True):
        return "Please enter a whole number." if value is not None else "Please enter a number."
    if (low is not None and value < float(low)) or (high is not None and value > float(high)):
        lowest = "-∞" if low is None else low
        highest = "∞" if high is None else high
        return f"Please enter a number between {lowest} and {highest}."
    return None


def _number(element: dict[str, Any], values: list[str]) -> str | None:
    if not values:
        return None
    problem = number_problem(element, values[0])
    if problem is not None:
        raise _invalid(problem)
    return values[0]


def is_email(text: str) -> bool:
    return len(text) <= MAX_EMAIL and _EMAIL.match(text) is not None


def _email(_element: dict[str, Any], values: list[str]) -> str | None:
    if values and not is_email(values[0]):
        raise _invalid("Please enter a valid email address.")
    return values[0] if values else None


def is_url(text: str) -> bool:
    """An absolute http(s) URL with a host, without spaces or control characters."""
    if len(text) > MAX_URL or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in text):
        return False
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    host = parts.netloc.rsplit("@", 1)[-1]
    return parts.scheme.lower() in ("http", "https") and _HOST.match(host) is not None


def _url(_element: dict[str, Any], values: list[str]) -> str | None:
    if values and not is_url(values[0]):
        raise _invalid("Please enter a valid URL.")
    return values[0] if values else None


def _ids(values: list[str], prefixes: str, element: dict[str, Any]) -> list[str]:
    most = element.get("max_selected_items")
    if isinstance(most, int) and len(values) > most:
        raise _invalid(f"at most {most} may be picked")
    if not all(is_slack_id(v) and v[0] in prefixes for v in values):
        raise SlackError("user_not_found" if prefixes == "UW" else "channel_not_found")
    return values


def _first(values: list[str]) -> str | None:
    return values[0] if values else None


_PARSE: dict[str, Callable[[dict[str, Any], list[str]], Any]] = {
    "checkboxes": _chosen_options,
    "multi_static_select": _chosen_options,
    "timepicker": _time,
    "number_input": _number,
    "email_text_input": _email,
    "url_text_input": _url,
    "users_select": lambda e, v: _first(_ids(v, "UW", e)),
    "multi_users_select": lambda e, v: _ids(v, "UW", e),
    "conversations_select": lambda e, v: _first(_ids(v, "CGD", e)),
    "multi_conversations_select": lambda e, v: _ids(v, "CGD", e),
    "channels_select": lambda e, v: _first(_ids(v, "C", e)),
    "multi_channels_select": lambda e, v: _ids(v, "C", e),
}


def held(element: dict[str, Any], given: Given) -> dict[str, Any]:
    """The element's entry in `state.values` for what the person gave: {"type", field}, the
    field null (a list: empty) when nothing was given. Raises invalid_option,
    invalid_arguments (with Slack's response_metadata), user_not_found or channel_not_found
    for an id that is none; whether the person may see the ids picked is the service's."""
    kind = element["type"]
    values = _strings(given, kind in MANY)
    return {"type": kind, FIELD[kind]: _PARSE[kind](element, values)}


def is_empty(entry: dict[str, Any]) -> bool:
    value = entry[FIELD[entry["type"]]]
    return value is None or value == []


def conversation_kind(*, is_im: bool, is_mpim: bool, private: bool) -> str:
    """A conversation's kind as a conversations_select's filter names it."""
    if is_im:
        return "im"
    if is_mpim:
        return "mpim"
    return "private" if private else "public"


def picks(element: dict[str, Any], entry: dict[str, Any]) -> list[Pick]:
    """The people and conversations an element's entry names, for the service to check."""
    kind = entry["type"]
    if kind not in KINDS:
        return []
    value = entry.get(FIELD[kind])
    ids = [] if value is None else value if isinstance(value, list) else [value]
    if "users" in kind:
        return [Pick(i, True) for i in ids]
    if "channels" in kind:
        return [Pick(i, False, frozenset({"public"})) for i in ids]
    if "conversations" not in kind:
        return []
    found = element.get("filter") or {}
    kinds = frozenset(found.get("include") or elements.CONVERSATION_KINDS)
    shared = found.get("exclude_external_shared_channels") is True
    return [Pick(i, False, kinds, shared) for i in ids]
