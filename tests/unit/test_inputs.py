"""The elements of domain/elements.py checked when stored, and what a person gives in them
parsed by domain/inputs.py into Slack's shapes: options the element offers only, numbers
within bounds, emails and URLs that parse, ids in Slack's shape (whom the person may see is
the service's: tests/e2e/test_input_elements.py)."""

from __future__ import annotations

from typing import Any

import pytest

from hubbub.domain.blocks import check_blocks
from hubbub.domain.errors import SlackError
from hubbub.domain.inputs import Pick, held, number_problem, picks
from hubbub.domain.interactions import action, check_press

OPTIONS = [
    {"text": {"type": "plain_text", "text": "Red"}, "value": "red"},
    {"text": {"type": "plain_text", "text": "Blue"}, "value": "blue"},
]
NUMBER = {
    "type": "number_input",
    "action_id": "n",
    "is_decimal_allowed": False,
    "min_value": "1",
    "max_value": "10",
}


def _input(element: dict[str, Any]) -> list[dict[str, Any]]:
    label = {"type": "plain_text", "text": "L"}
    return [{"type": "input", "label": label, "element": element}]


def _actions(element: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"type": "actions", "elements": [element]}]


GOOD: list[dict[str, Any]] = [
    {"type": "checkboxes", "options": OPTIONS, "initial_options": [OPTIONS[0]]},
    {"type": "multi_static_select", "options": OPTIONS, "max_selected_items": 2},
    {"type": "timepicker", "initial_time": "23:59"},
    NUMBER | {"initial_value": "3"},
    {"type": "email_text_input", "initial_value": "a@b.co"},
    {"type": "url_text_input"},
    {"type": "users_select", "initial_user": "U123"},
    {"type": "multi_users_select", "initial_users": ["U111", "W222"]},
    {"type": "conversations_select", "filter": {"include": ["public", "im"]}},
    {"type": "multi_conversations_select", "initial_conversations": ["C111", "D222"]},
    {"type": "channels_select", "initial_channel": "C111"},
    {"type": "multi_channels_select", "initial_channels": ["C111"]},
]
BAD: list[dict[str, Any]] = [
    {"type": "checkboxes", "options": OPTIONS * 6},  # more than 10
    {"type": "checkboxes", "options": OPTIONS, "initial_options": [{**OPTIONS[0], "value": "x"}]},
    {
        "type": "multi_static_select",
        "options": [{"text": {"type": "plain_text", "text": "x" * 76}, "value": "v"}],
    },
    {"type": "multi_static_select", "options": OPTIONS, "max_selected_items": 0},
    {"type": "multi_static_select"},
    {"type": "timepicker", "initial_time": "24:00"},
    {"type": "number_input", "min_value": "1"},  # is_decimal_allowed is required
    NUMBER | {"min_value": "1.5"},
    NUMBER | {"initial_value": "11"},
    NUMBER | {"min_value": "20"},
    {"type": "users_select", "initial_user": "C123"},
    {"type": "multi_users_select", "initial_users": "U111"},
    {"type": "conversations_select", "filter": {"include": ["everything"]}},
    {"type": "channels_select", "initial_channel": "D111"},
    {"type": "users_select", "placeholder": {"type": "mrkdwn", "text": "x"}},
]


@pytest.mark.parametrize("element", GOOD, ids=lambda e: e["type"])
def test_slacks_elements_are_stored(element: dict[str, Any]) -> None:
    assert check_blocks(_input(element))


@pytest.mark.parametrize("element", BAD)
def test_elements_past_slacks_limits_are_invalid_blocks(element: dict[str, Any]) -> None:
    with pytest.raises(SlackError) as caught:
        check_blocks(_input(element))
    assert caught.value.code == "invalid_blocks"


def test_number_email_and_url_inputs_live_only_in_input_blocks() -> None:
    for kind in ("email_text_input", "url_text_input"):
        with pytest.raises(SlackError):
            check_blocks(_actions({"type": kind}))
    assert check_blocks(_actions({"type": "users_select"}))


def _error(element: dict[str, Any], given: Any) -> str:
    with pytest.raises(SlackError) as caught:
        held(element, given)
    return str(caught.value.code)


def test_each_kind_holds_slacks_shape() -> None:
    boxes = {"type": "checkboxes", "options": OPTIONS}
    assert held(boxes, ["blue", "red", "blue"]) == {
        "type": "checkboxes",
        "selected_options": [OPTIONS[1], OPTIONS[0]],
    }
    assert held(boxes, None) == {"type": "checkboxes", "selected_options": []}
    assert _error(boxes, ["green"]) == "invalid_option"
    assert _error(boxes, "red") == "invalid_arguments"
    many = {"type": "multi_static_select", "options": OPTIONS, "max_selected_items": 1}
    assert _error(many, ["red", "blue"]) == "invalid_arguments"
    assert held({"type": "timepicker"}, "09:05") == {
        "type": "timepicker",
        "selected_time": "09:05",
    }
    assert _error({"type": "timepicker"}, "9:05") == "invalid_arguments"
    assert held(NUMBER, "10") == {"type": "number_input", "value": "10"}
    for junk in ("11", "0", "2.5", "two", "1e3", "", " 3"):
        if junk:
            assert _error(NUMBER, junk) == "invalid_arguments", junk
    assert number_problem(NUMBER, "11") == "Please enter a number between 1 and 10."
    from_zero = {"type": "number_input", "is_decimal_allowed": False, "min_value": "0"}
    assert number_problem(from_zero, "-1") == "Please enter a number between 0 and ∞."
    decimal = NUMBER | {"is_decimal_allowed": True}
    assert held(decimal, "2.5")["value"] == "2.5"
    email = {"type": "email_text_input"}
    assert held(email, "ann@example.com") == {
        "type": "email_text_input",
        "value": "ann@example.com",
    }
    for junk in ("ann", "ann@", "@example.com", "ann@example", "a b@example.com"):
        assert _error(email, junk) == "invalid_arguments", junk
    url = {"type": "url_text_input"}
    assert held(url, "https://example.com/a?b=c")["value"] == "https://example.com/a?b=c"
    for junk in ("example.com", "javascript:alert(1)", "https://", "https://a b", "ftp://x"):
        assert _error(url, junk) == "invalid_arguments", junk
    users = {"type": "users_select"}
    assert held(users, "U111") == {"type": "users_select", "selected_user": "U111"}
    assert held(users, None) == {"type": "users_select", "selected_user": None}
    assert _error(users, "C111") == "user_not_found"
    assert _error({"type": "channels_select"}, "G111") == "channel_not_found"
    assert held({"type": "multi_channels_select"}, ["C111"]) == {
        "type": "multi_channels_select",
        "selected_channels": ["C111"],
    }


def test_picks_carry_what_the_element_allows() -> None:
    only = {"type": "conversations_select", "filter": {"include": ["im"]}}
    entry = held(only, "D111")
    assert entry == {"type": "conversations_select", "selected_conversation": "D111"}
    assert picks(only, entry) == [Pick("D111", False, frozenset({"im"}))]
    chans = {"type": "multi_channels_select"}
    assert picks(chans, held(chans, ["C111", "C222"])) == [
        Pick("C111", False, frozenset({"public"})),
        Pick("C222", False, frozenset({"public"})),
    ]
    people = {"type": "multi_users_select"}
    assert picks(people, held(people, ["U111"])) == [Pick("U111", True)]


def test_a_press_on_checkboxes_and_a_users_select() -> None:
    boxes = {"type": "checkboxes", "action_id": "b", "options": OPTIONS}
    done = action(boxes, check_press("blk", "b", None, None, ["red"]), "1.2")
    assert done == {
        "type": "checkboxes",
        "action_id": "b",
        "block_id": "blk",
        "selected_options": [OPTIONS[0]],
        "action_ts": "1.2",
    }
    # All unchecked: Slack sends that too.
    assert action(boxes, check_press("blk", "b", None, None, []), "1.2")["selected_options"] == []
    users = {"type": "users_select", "action_id": "u"}
    assert action(users, check_press("blk", "u", "U999", None), "1.2")["selected_user"] == "U999"
    with pytest.raises(SlackError):
        action(users, check_press("blk", "u", None, None), "1.2")
    with pytest.raises(SlackError):
        check_press("blk", "u", None, None, "U111")  # values must be a list
    times = {"type": "timepicker", "action_id": "t"}
    press = check_press("blk", "t", None, None, None, "13:37")
    assert action(times, press, "1.2")["selected_time"] == "13:37"
