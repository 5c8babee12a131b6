"""Block Kit layout blocks in messages, checked against Slack's published limits.

Slack refuses a message whose blocks it does not know or that break a limit with
`invalid_blocks`; so does hubbub, since a block stored here is shown by every client later. What
is checked: the block types a message may hold, the text objects and their lengths, and the
required parts of each block. Buttons, single selects, overflow menus, date pickers and text
inputs are checked for their shape only: a dict with a type and text objects where they have
them; the other interactive elements against all of Slack's limits (domain/elements.py).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from hubbub.domain import elements
from hubbub.domain.errors import SlackError

MAX_BLOCKS = 50
MAX_BLOCK_ID = 255
MAX_SECTION_TEXT = 3000
MAX_SECTION_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_HEADER_TEXT = 150
MAX_CONTEXT_ELEMENTS = 10
MAX_ACTIONS_ELEMENTS = 25
MAX_IMAGE_URL = 3000
MAX_ALT_TEXT = 2000
MAX_LABEL = 2000
MAX_MARKDOWN_TEXT = 12_000


class InvalidBlocks(SlackError):
    def __init__(self) -> None:
        super().__init__("invalid_blocks")


def check_blocks(blocks: Any, *, limit: int = MAX_BLOCKS) -> list[dict[str, Any]]:
    """The blocks as given, or invalid_blocks; limit: a message's 50, a view's 100."""
    if not isinstance(blocks, list) or len(blocks) > limit:
        raise InvalidBlocks
    for block in blocks:
        if not isinstance(block, dict):
            raise InvalidBlocks
        check = _BLOCKS.get(block.get("type"))  # type: ignore[arg-type]
        if check is None:
            raise InvalidBlocks
        block_id = block.get("block_id")
        if block_id is not None and not _text(block_id, MAX_BLOCK_ID):
            raise InvalidBlocks
        check(block)
    return blocks


def new_id() -> str:
    """A block_id or action_id Slack makes for one an app left out: a few random characters
    (Slack's look like `Xa9=`), different at every call."""
    return secrets.token_urlsafe(4)


# Elements that are not pressed and so take no action_id.
_STILL = frozenset({"image", "plain_text", "mrkdwn"})


def with_ids(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Checked blocks with the ids Slack fills in where an app gave none: every block's
    block_id, and the action_id of every interactive element (an `actions` block's elements,
    a section's accessory, an input's element), so that a press can name them. The given
    blocks are not changed."""
    return [_block_with_ids(block) for block in blocks]


def _block_with_ids(block: dict[str, Any]) -> dict[str, Any]:
    block = dict(block)
    block.setdefault("block_id", new_id())
    kind = block["type"]
    if kind == "actions":
        block["elements"] = [_element_with_id(e) for e in block["elements"]]
    elif kind == "section" and "accessory" in block:
        block["accessory"] = _element_with_id(block["accessory"])
    elif kind == "input":
        block["element"] = _element_with_id(block["element"])
    return block


def _element_with_id(element: dict[str, Any]) -> dict[str, Any]:
    if element["type"] in _STILL or "action_id" in element:
        return element
    return {**element, "action_id": new_id()}


def _text(value: Any, limit: int) -> bool:
    return isinstance(value, str) and 0 < len(value) <= limit


def _text_object(value: Any, limit: int, kinds: tuple[str, ...] = ("plain_text", "mrkdwn")) -> None:
    if (
        not isinstance(value, dict)
        or value.get("type") not in kinds
        or not _text(value.get("text"), limit)
    ):
        raise InvalidBlocks


def _element(value: Any, *, in_input: bool = False) -> None:
    """An interactive or context element: its shape, and the length of any text it shows;
    the kinds domain/elements.py knows, against all of Slack's limits."""
    if not isinstance(value, dict) or not isinstance(value.get("type"), str):
        raise InvalidBlocks
    if value["type"] in elements.KINDS:
        elements.check_element(value, in_input=in_input)
        return
    for key in ("text", "placeholder"):
        if key in value:
            _text_object(value[key], MAX_FIELD_TEXT)


def _elements(block: dict[str, Any], limit: int, check: Callable[[Any], None]) -> None:
    elements = block.get("elements")
    if not isinstance(elements, list) or not 0 < len(elements) <= limit:
        raise InvalidBlocks
    for element in elements:
        check(element)


def _section(block: dict[str, Any]) -> None:
    text, fields = block.get("text"), block.get("fields")
    if text is None and fields is None:
        raise InvalidBlocks
    if text is not None:
        _text_object(text, MAX_SECTION_TEXT)
    if fields is not None:
        if not isinstance(fields, list) or not 0 < len(fields) <= MAX_SECTION_FIELDS:
            raise InvalidBlocks
        for field in fields:
            _text_object(field, MAX_FIELD_TEXT)
    if "accessory" in block:
        _element(block["accessory"])


def _divider(_block: dict[str, Any]) -> None:
    return


def _header(block: dict[str, Any]) -> None:
    _text_object(block.get("text"), MAX_HEADER_TEXT, ("plain_text",))


def _image(block: dict[str, Any]) -> None:
    has_url = _text(block.get("image_url"), MAX_IMAGE_URL)
    if not (has_url or isinstance(block.get("slack_file"), dict)):
        raise InvalidBlocks
    if not _text(block.get("alt_text"), MAX_ALT_TEXT):
        raise InvalidBlocks
    if "title" in block:
        _text_object(block["title"], MAX_ALT_TEXT, ("plain_text",))


def _context_element(value: Any) -> None:
    if isinstance(value, dict) and value.get("type") == "image":
        if not (_text(value.get("image_url"), MAX_IMAGE_URL) or "slack_file" in value):
            raise InvalidBlocks
        if not _text(value.get("alt_text"), MAX_ALT_TEXT):
            raise InvalidBlocks
        return
    _text_object(value, MAX_SECTION_TEXT)


def _context(block: dict[str, Any]) -> None:
    _elements(block, MAX_CONTEXT_ELEMENTS, _context_element)


def _actions(block: dict[str, Any]) -> None:
    _elements(block, MAX_ACTIONS_ELEMENTS, _element)


def _input(block: dict[str, Any]) -> None:
    _text_object(block.get("label"), MAX_LABEL, ("plain_text",))
    _element(block.get("element"), in_input=True)


def _rich_text(block: dict[str, Any]) -> None:
    elements = block.get("elements")
    if not isinstance(elements, list) or not all(
        isinstance(e, dict) and isinstance(e.get("type"), str) for e in elements
    ):
        raise InvalidBlocks


def _markdown(block: dict[str, Any]) -> None:
    if not _text(block.get("text"), MAX_MARKDOWN_TEXT):
        raise InvalidBlocks


def _shaped(block: dict[str, Any]) -> None:
    """Blocks that carry a file or a video: Slack checks them against its own records."""
    return


_BLOCKS: dict[str, Callable[[dict[str, Any]], None]] = {
    "section": _section,
    "divider": _divider,
    "header": _header,
    "image": _image,
    "context": _context,
    "actions": _actions,
    "input": _input,
    "rich_text": _rich_text,
    "markdown": _markdown,
    "file": _shaped,
    "video": _shaped,
}
