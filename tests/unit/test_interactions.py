"""domain/interactions.py: the element a press names is found in the stored blocks only, and
what the app is told comes from them, not from the client."""

from __future__ import annotations

from typing import Any

import pytest

from hubbub.domain.errors import SlackError
from hubbub.domain.interactions import action, check_press, find_element, state_values

GROUPED = {
    "type": "static_select",
    "action_id": "pick",
    "option_groups": [
        {
            "label": {"type": "plain_text", "text": "Warm"},
            "options": [{"text": {"type": "plain_text", "text": "Red"}, "value": "red"}],
        }
    ],
}
BLOCKS: list[dict[str, Any]] = [
    {"type": "divider"},
    {"type": "actions", "elements": [{"type": "button", "action_id": "anon", "value": "a"}]},
    {
        "type": "section",
        "block_id": "s",
        "text": {"type": "mrkdwn", "text": "x"},
        "accessory": GROUPED,
    },
    {"type": "context", "block_id": "c", "elements": [{"type": "mrkdwn", "text": "y"}]},
    {
        "type": "actions",
        "block_id": "a",
        "elements": [{"type": "workflow_button", "action_id": "who"}, "not-an-element"],
    },
]


def test_the_element_is_found_by_block_and_action_ids() -> None:
    assert find_element(BLOCKS, check_press(None, "anon", None, None))["value"] == "a"
    assert find_element(BLOCKS, check_press("s", "pick", "red", None)) is GROUPED
    for block_id, action_id, error in (
        ("s", "anon", "action_not_found"),  # in another block
        ("c", "anon", "action_not_found"),  # a block without elements
        ("a", "who", "action_not_found"),  # an element hubbub does not take presses of
        ("zz", "pick", "block_not_found"),
        (None, "pick", "action_not_found"),  # the block without an id has no such element
    ):
        with pytest.raises(SlackError) as caught:
            find_element(BLOCKS, check_press(block_id, action_id, None, None))
        assert caught.value.code == error
    for blocks in (None, "blocks", [None, 3]):
        with pytest.raises(SlackError):
            find_element(blocks, check_press("s", "pick", None, None))


def test_options_come_from_the_element_and_dates_are_real() -> None:
    press = check_press("s", "pick", "red", None)
    done = action(GROUPED, press, "1.000001")
    assert done["selected_option"] == GROUPED["option_groups"][0]["options"][0]
    assert state_values(done) == {
        "s": {"pick": {"type": "static_select", "selected_option": done["selected_option"]}}
    }
    with pytest.raises(SlackError) as caught:
        action(GROUPED, check_press("s", "pick", "blue", None), "1.000001")
    assert caught.value.code == "invalid_option"
    for bad in ("2027-02-29", "27-01-01", "2027-1-1", "2027-01-01T00:00", "tomorrow"):
        with pytest.raises(SlackError) as caught:
            check_press("d", "when", None, bad)
        assert caught.value.code == "invalid_date"
    picker = {"type": "datepicker", "action_id": "when"}
    assert action(picker, check_press("d", "when", None, "2028-02-29"), "1.1")["selected_date"] == (
        "2028-02-29"
    )
    for block_id, action_id, value in (
        ("x" * 256, "a", None),
        (None, "", None),
        (None, "a", "v" * 3001),
    ):
        with pytest.raises(SlackError) as caught:
            check_press(block_id, action_id, value, None)
        assert caught.value.code == "invalid_arguments"


def test_an_inputs_element_is_pressed_only_when_its_block_dispatches_actions() -> None:
    text = {"type": "plain_text_input", "action_id": "say", "max_length": 5}
    blocks: list[dict[str, Any]] = [
        {"type": "input", "block_id": "quiet", "element": dict(text)},
        {"type": "input", "block_id": "loud", "dispatch_action": True, "element": text},
    ]
    with pytest.raises(SlackError) as caught:
        find_element(blocks, check_press("quiet", "say", "hi", None))
    assert caught.value.code == "action_not_found"
    press = check_press("loud", "say", "hello", None)
    assert find_element(blocks, press) is text
    done = action(text, press, "1.000001")
    assert done == {
        "type": "plain_text_input",
        "action_id": "say",
        "block_id": "loud",
        "value": "hello",
        "action_ts": "1.000001",
    }
    assert state_values(done) == {"loud": {"say": {"type": "plain_text_input", "value": "hello"}}}
    # Past its max_length, or with no text, the press is refused.
    for value in ("hello!", None):
        with pytest.raises(SlackError) as caught:
            action(text, check_press("loud", "say", value, None), "1.000001")
        assert caught.value.code == "invalid_arguments"
    # A choice longer than any option is simply not one of them.
    with pytest.raises(SlackError) as caught:
        action(GROUPED, check_press("s", "pick", "r" * 151, None), "1.000001")
    assert caught.value.code == "invalid_option"
