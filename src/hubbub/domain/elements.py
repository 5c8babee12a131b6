"""Block Kit's interactive elements beyond buttons and single selects, checked against Slack's
published limits when a message or view holding them is stored: checkboxes, multi-selects,
the time picker, number, email and URL inputs, and the user and conversation pickers. A bad
one is `invalid_blocks`, as any bad block is (domain/blocks.py). No I/O here; what a person
later picks in them is checked by domain/inputs.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from hubbub.domain.errors import SlackError
from hubbub.domain.ids import is_slack_id

MAX_OPTIONS = 100
MAX_CHECKBOXES = 10
MAX_OPTION_TEXT = 75
MAX_OPTION_VALUE = 150
MAX_PLACEHOLDER = 150
MAX_INITIAL_TEXT = 3000
# Slack sets no cap on max_selected_items; a pick of people or conversations is checked one by
# one against what the person may see, so hubbub bounds it.
MAX_SELECTED = 100
# Digits with at most one point and an optional sign: the number_input's strings.
NUMBER = re.compile(r"-?[0-9]{1,30}(\.[0-9]{1,30})?\Z")
TIME = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]\Z")
# The conversation kinds a conversations_select's filter may include.
CONVERSATION_KINDS = frozenset({"public", "private", "im", "mpim"})
# Elements only an input block may hold (in Slack, also not pressed from a message).
INPUT_ONLY = frozenset({"number_input", "email_text_input", "url_text_input"})


def invalid() -> SlackError:
    return SlackError("invalid_blocks")


def _plain(value: Any, limit: int, *, mrkdwn: bool = False) -> None:
    kinds = ("plain_text", "mrkdwn") if mrkdwn else ("plain_text",)
    if (
        not isinstance(value, dict)
        or value.get("type") not in kinds
        or not isinstance(value.get("text"), str)
        or not 0 < len(value["text"]) <= limit
    ):
        raise invalid()


def _option(value: Any, *, mrkdwn: bool) -> str:
    """An option object; its value."""
    if not isinstance(value, dict):
        raise invalid()
    _plain(value.get("text"), MAX_OPTION_TEXT, mrkdwn=mrkdwn)
    if "description" in value:
        _plain(value["description"], MAX_OPTION_TEXT, mrkdwn=mrkdwn)
    chosen = value.get("value")
    if not isinstance(chosen, str) or not 0 < len(chosen) <= MAX_OPTION_VALUE:
        raise invalid()
    return chosen


def _option_values(element: dict[str, Any], limit: int, *, mrkdwn: bool = False) -> set[str]:
    """The values of the element's options (or option groups'), each option checked."""
    options, groups = element.get("options"), element.get("option_groups")
    if (options is None) == (groups is None):
        raise invalid()
    found: list[Any] = []
    if options is not None:
        if not isinstance(options, list) or not 0 < len(options) <= limit:
            raise invalid()
        found = options
    else:
        if not isinstance(groups, list) or not 0 < len(groups) <= MAX_OPTIONS:
            raise invalid()
        for group in groups:
            if not isinstance(group, dict) or not isinstance(group.get("options"), list):
                raise invalid()
            _plain(group.get("label"), MAX_OPTION_TEXT)
            if not 0 < len(group["options"]) <= MAX_OPTIONS:
                raise invalid()
            found.extend(group["options"])
    return {_option(o, mrkdwn=mrkdwn) for o in found}


def _initial_options(element: dict[str, Any], offered: set[str], *, mrkdwn: bool) -> None:
    initial = element.get("initial_options")
    if initial is None:
        return
    if not isinstance(initial, list) or len(initial) > len(offered):
        raise invalid()
    for option in initial:
        if _option(option, mrkdwn=mrkdwn) not in offered:
            raise invalid()


def _max_selected(element: dict[str, Any]) -> None:
    most = element.get("max_selected_items")
    if most is not None and (
        not isinstance(most, int) or isinstance(most, bool) or not 0 < most <= MAX_SELECTED
    ):
        raise invalid()


def _flag(element: dict[str, Any], key: str) -> None:
    if not isinstance(element.get(key, False), bool):
        raise invalid()


def _id(value: Any, prefixes: str) -> None:
    if not isinstance(value, str) or not is_slack_id(value) or value[0] not in prefixes:
        raise invalid()


def _ids(value: Any, prefixes: str) -> None:
    if not isinstance(value, list) or len(value) > MAX_SELECTED:
        raise invalid()
    for item in value:
        _id(item, prefixes)


def _checkboxes(element: dict[str, Any]) -> None:
    offered = _option_values(element, MAX_CHECKBOXES, mrkdwn=True)
    if "option_groups" in element:
        raise invalid()
    _initial_options(element, offered, mrkdwn=True)


def _multi_static_select(element: dict[str, Any]) -> None:
    offered = _option_values(element, MAX_OPTIONS)
    _initial_options(element, offered, mrkdwn=False)
    _max_selected(element)


def _timepicker(element: dict[str, Any]) -> None:
    initial = element.get("initial_time")
    if initial is not None and (not isinstance(initial, str) or not TIME.match(initial)):
        raise invalid()
    zone = element.get("timezone")
    if zone is not None and (not isinstance(zone, str) or not 0 < len(zone) <= 64):
        raise invalid()


def number(text: Any) -> float | None:
    """A number_input's string as a number, or None when it is not one."""
    if not isinstance(text, str) or not NUMBER.match(text):
        return None
    return float(text)


def _number_input(element: dict[str, Any]) -> None:
    decimal = element.get("is_decimal_allowed")
    if not isinstance(decimal, bool):
        raise invalid()
    for key in ("min_value", "max_value", "initial_value"):
        if key in element and (
            number(element[key]) is None or (not decimal and "." in element[key])
        ):
            raise invalid()
    low, high = element.get("min_value"), element.get("max_value")
    if low is not None and high is not None and float(low) > float(high):
        raise invalid()
    initial = element.get("initial_value")
    if initial is not None and (
        (low is not None and float(initial) < float(low))
        or (high is not None and float(initial) > float(high))
    ):
        raise invalid()


def _text_input(element: dict[str, Any]) -> None:
    initial = element.get("initial_value")
    if initial is not None and (not isinstance(initial, str) or len(initial) > MAX_INITIAL_TEXT):
        raise invalid()


def _users(single: bool) -> Callable[[dict[str, Any]], None]:
    def check(element: dict[str, Any]) -> None:
        if single and "initial_user" in element:
            _id(element["initial_user"], "UW")
        if not single:
            if "initial_users" in element:
                _ids(element["initial_users"], "UW")
            _max_selected(element)

    return check


def _filter(element: dict[str, Any]) -> None:
    found = element.get("filter")
    if found is None:
        return
    if not isinstance(found, dict):
        raise invalid()
    include = found.get("include")
    if include is not None and (
        not isinstance(include, list)
        or not include
        or not all(isinstance(k, str) and k in CONVERSATION_KINDS for k in include)
    ):
        raise invalid()
    for key in ("exclude_external_shared_channels", "exclude_bot_users"):
        _flag(found, key)


def _conversations(initial: str, initials: str, prefixes: str) -> Callable[[dict[str, Any]], None]:
    def check(element: dict[str, Any]) -> None:
        if initial and initial in element:
            _id(element[initial], prefixes)
        if initials and initials in element:
            _ids(element[initials], prefixes)
        if initials:
            _max_selected(element)
        _flag(element, "default_to_current_conversation")
        _flag(element, "response_url_enabled")
        if prefixes != "C":
            _filter(element)

    return check


_CHECKS: dict[str, Callable[[dict[str, Any]], None]] = {
    "checkboxes": _checkboxes,
    "multi_static_select": _multi_static_select,
    "timepicker": _timepicker,
    "number_input": _number_input,
    "email_text_input": _text_input,
    "url_text_input": _text_input,
    "users_select": _users(True),
    "multi_users_select": _users(False),
    "conversations_select": _conversations("initial_conversation", "", "CGD"),
    "multi_conversations_select": _conversations("", "initial_conversations", "CGD"),
    "channels_select": _conversations("initial_channel", "", "C"),
    "multi_channels_select": _conversations("", "initial_channels", "C"),
}
KINDS = frozenset(_CHECKS)


def check_element(element: dict[str, Any], *, in_input: bool) -> None:
    """One of these elements (KINDS), as an app gives it, or invalid_blocks; in_input: it sits
    in an input block (the only place Slack takes number, email and URL inputs)."""
    kind = element["type"]
    if kind in INPUT_ONLY and not in_input:
        raise invalid()
    if "placeholder" in element:
        _plain(element["placeholder"], MAX_PLACEHOLDER)
    _flag(element, "focus_on_load")
    _CHECKS[kind](element)
