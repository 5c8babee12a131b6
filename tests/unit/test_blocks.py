"""Block Kit blocks against Slack's limits: what a message may hold, and invalid_blocks."""

from __future__ import annotations

from typing import Any

import pytest

from hubbub.domain.blocks import check_blocks, with_ids
from hubbub.domain.errors import SlackError
from tests.support.blocks import md, plain

ACCEPTED: list[dict[str, Any]] = [
    {"type": "section", "text": md("x" * 3000)},
    {"type": "section", "block_id": "b1", "fields": [md("a"), plain("b")]},
    {"type": "section", "text": md("pick"), "accessory": {"type": "button", "text": plain("Go")}},
    {"type": "divider"},
    {"type": "header", "text": plain("h" * 150)},
    {"type": "image", "image_url": "https://example.test/a.png", "alt_text": "a cat"},
    {
        "type": "context",
        "elements": [md("by ada"), {"type": "image", "image_url": "u", "alt_text": "a"}],
    },
    {"type": "actions", "elements": [{"type": "button", "text": plain("OK"), "action_id": "ok"}]},
    {"type": "input", "label": plain("Name"), "element": {"type": "plain_text_input"}},
    {"type": "rich_text", "elements": [{"type": "rich_text_section", "elements": []}]},
    {"type": "markdown", "text": "**bold**"},
]

REFUSED: list[Any] = [
    {"type": "no_such_block"},
    {"type": 5},
    {"text": md("no type")},
    "section",
    {"type": "section", "text": md("x" * 3001)},
    {"type": "section"},
    {"type": "section", "text": md("")},
    {"type": "section", "text": {"type": "html", "text": "<b>x</b>"}},
    {"type": "section", "text": "plain string"},
    {"type": "section", "fields": [md("f")] * 11},
    {"type": "section", "fields": [md("f" * 2001)]},
    {"type": "section", "text": md("x"), "accessory": "button"},
    {"type": "section", "text": md("x"), "block_id": "b" * 256},
    {"type": "header", "text": plain("h" * 151)},
    {"type": "header", "text": md("not plain")},
    {"type": "image", "image_url": "https://example.test/a.png"},
    {"type": "image", "alt_text": "no url"},
    {"type": "context", "elements": []},
    {"type": "context", "elements": [md("c")] * 11},
    {"type": "actions", "elements": [{"text": plain("no type")}]},
    {"type": "actions", "elements": [{"type": "button"}] * 26},
    {"type": "input", "label": plain("Name")},
    {"type": "rich_text", "elements": "text"},
    {"type": "markdown", "text": "x" * 12_001},
]


@pytest.mark.parametrize("block", ACCEPTED, ids=lambda b: str(b.get("type")))
def test_blocks_within_slacks_limits_are_kept(block: dict[str, Any]) -> None:
    assert check_blocks([block]) == [block]


@pytest.mark.parametrize("block", REFUSED)
def test_blocks_outside_them_are_invalid_blocks(block: Any) -> None:
    with pytest.raises(SlackError) as err:
        check_blocks([{"type": "divider"}, block])
    assert err.value.code == "invalid_blocks"


def test_more_than_fifty_blocks_are_invalid_blocks() -> None:
    assert len(check_blocks([{"type": "divider"}] * 50)) == 50
    with pytest.raises(SlackError):
        check_blocks([{"type": "divider"}] * 51)


def test_ids_left_out_are_filled_in_and_given_ones_kept() -> None:
    button = {"type": "button", "text": {"type": "plain_text", "text": "Go"}}
    image = {"type": "image", "image_url": "https://x/y.png", "alt_text": "y"}
    given = check_blocks(
        [
            {"type": "divider"},
            {
                "type": "actions",
                "block_id": "mine",
                "elements": [button, {**button, "action_id": "a"}],
            },
            {"type": "section", "text": {"type": "mrkdwn", "text": "x"}, "accessory": image},
            {"type": "section", "text": {"type": "mrkdwn", "text": "x"}, "accessory": button},
            {
                "type": "input",
                "label": {"type": "plain_text", "text": "L"},
                "element": {"type": "plain_text_input"},
            },
        ]
    )
    before = [dict(b) for b in given]
    divider, actions, pictured, pressed, typed = with_ids(given)
    assert given == before, "the given blocks are not changed"
    assert divider["block_id"] and actions["block_id"] == "mine"
    first, second = actions["elements"]
    assert first["action_id"] and second["action_id"] == "a"
    assert "action_id" not in pictured["accessory"]
    assert pressed["accessory"]["action_id"] and typed["element"]["action_id"]
    ids = [b["block_id"] for b in (divider, pictured, pressed, typed)]
    assert len(set(ids)) == 4 and all(0 < len(i) <= 255 for i in ids)
    assert with_ids(given)[0]["block_id"] != divider["block_id"], "random at every call"
