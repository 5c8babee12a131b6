"""A person's press on an app's blocks as the domain sees it: the element pressed, found in a
message's own blocks; what the person chose, checked against that element; the `block_actions`
payload Slack sends the app. No I/O here.

What the app is told comes from the stored blocks, never from the client: a button's value, a
select's option objects. The client names the element and its choice only.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from hubbub.domain import inputs
from hubbub.domain.elements import MAX_OPTION_VALUE
from hubbub.domain.errors import SlackError

# Slack's limits on the ids and on what a text input holds (an option's value: elements.py).
MAX_ACTION_ID = 255
MAX_TEXT_VALUE = 3000
MAX_PICKS = 100
# The elements a press is taken from, and whether the press chooses one of their options.
CHOOSING = frozenset({"static_select", "overflow", "radio_buttons"})
PRESSABLE = CHOOSING | {"button", "datepicker", "plain_text_input"} | inputs.KINDS
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")


@dataclass(frozen=True, slots=True)
class Press:
    """What the client says was pressed: the block (None: one without a block_id), the
    element, and the option value or date chosen with it."""

    block_id: str | None
    action_id: str
    value: str | None = None  # an option's value, a text input's text, a picked id
    date: str | None = None
    values: tuple[str, ...] | None = None  # a multi-select's or checkboxes' picks
    time: str | None = None  # a timepicker's HH:mm


def check_press(
    block_id: str | None,
    action_id: str,
    value: str | None,
    date: str | None,
    values: Any = None,
    time: str | None = None,
) -> Press:
    """The press's arguments, bounded, or invalid_arguments; values: a JSON list of strings
    (each element's parser in domain/inputs.py bounds them further)."""
    if block_id is not None and not 0 < len(block_id) <= MAX_ACTION_ID:
        raise SlackError("invalid_arguments")
    if not 0 < len(action_id) <= MAX_ACTION_ID:
        raise SlackError("invalid_arguments")
    # A chosen option must match one of the element's own (action), which bounds it further.
    if value is not None and not 0 < len(value) <= MAX_TEXT_VALUE:
        raise SlackError("invalid_arguments")
    if date is not None and _date(date) is None:
        raise SlackError("invalid_date")
    if values is not None and (
        not isinstance(values, list)
        or len(values) > MAX_PICKS
        or not all(isinstance(v, str) and 0 < len(v) <= MAX_OPTION_VALUE for v in values)
    ):
        raise SlackError("invalid_arguments")
    if time is not None and len(time) > len("HH:mm"):
        raise SlackError("invalid_arguments")
    picked = None if values is None else tuple(values)
    return Press(block_id, action_id, value, date, picked, time)


def _date(text: str) -> str | None:
    if not _DATE.match(text):
        return None
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return None
    return text


def _elements(block: dict[str, Any]) -> Iterator[Any]:
    kind = block.get("type")
    if kind == "actions" and isinstance(block.get("elements"), list):
        yield from block["elements"]
    elif kind == "section" and "accessory" in block:
        yield block["accessory"]
    elif kind == "input" and "element" in block and block.get("dispatch_action") is True:
        # An input's element sends block_actions only when its block asks (Slack's
        # dispatch_action); otherwise it is read when the view is submitted.
        yield block["element"]


def find_element(blocks: Any, press: Press) -> dict[str, Any]:
    """The element the press names in these blocks: block_not_found when no block has its
    block_id, action_not_found when that block has no pressable element of its action_id."""
    matched = False
    for block in blocks if isinstance(blocks, list) else ():
        if not isinstance(block, dict) or block.get("block_id") != press.block_id:
            continue
        matched = True
        for element in _elements(block):
            if (
                isinstance(element, dict)
                and element.get("action_id") == press.action_id
                and element.get("type") in PRESSABLE
            ):
                return element
    raise SlackError("action_not_found" if matched else "block_not_found")


def _options(element: dict[str, Any]) -> Iterator[Any]:
    if isinstance(element.get("options"), list):
        yield from element["options"]
    for group in element.get("option_groups") or ():
        if isinstance(group, dict) and isinstance(group.get("options"), list):
            yield from group["options"]


def action(element: dict[str, Any], press: Press, action_ts: str) -> dict[str, Any]:
    """The entry of `actions` for the press, as Slack writes it for the element's type;
    invalid_option for an option the element does not offer, invalid_date for a datepicker
    pressed without a date."""
    kind = element["type"]
    out: dict[str, Any] = {"type": kind, "action_id": press.action_id}
    if press.block_id is not None:
        out["block_id"] = press.block_id
    if kind == "button":
        for key in ("text", "value", "style", "url"):
            if key in element:
                out[key] = element[key]
    elif kind == "plain_text_input":
        limit = element.get("max_length")
        if press.value is None or (isinstance(limit, int) and len(press.value) > limit):
            raise SlackError("invalid_arguments")
        out["value"] = press.value
    elif kind in CHOOSING:
        option = next(
            (
                o
                for o in _options(element)
                if isinstance(o, dict) and press.value is not None and o.get("value") == press.value
            ),
            None,
        )
        if option is None:
            raise SlackError("invalid_option")
        out["selected_option"] = option
        if "placeholder" in element:
            out["placeholder"] = element["placeholder"]
    elif kind in inputs.KINDS:
        out.update(_picked(element, press))
    else:  # datepicker
        if press.date is None:
            raise SlackError("invalid_date")
        out["selected_date"] = press.date
        if "initial_date" in element:
            out["initial_date"] = element["initial_date"]
    out["action_ts"] = action_ts
    return out


def _picked(element: dict[str, Any], press: Press) -> dict[str, Any]:
    """A press on one of domain/inputs.py's kinds: what it now holds. A multi-select or
    checkboxes may be left with nothing picked (Slack sends that too); a single pick needs
    one."""
    kind = element["type"]
    given: inputs.Given
    if kind in inputs.MANY:
        given = list(press.values or ())
    else:
        given = press.time if kind == "timepicker" else press.value
    entry = inputs.held(element, given)
    if kind not in inputs.MANY and inputs.is_empty(entry):
        raise SlackError("invalid_arguments")
    return entry


def state_values(done: dict[str, Any]) -> dict[str, Any]:
    """`state.values` after the press: what a stateful element now holds, under its block and
    action ids (a button holds nothing; a block without a block_id cannot be named)."""
    block_id = done.get("block_id")
    if block_id is None or done["type"] == "button":
        return {}
    # A text input holds its text; a select or a date picker what was chosen (never a value).
    text = done["type"] == "plain_text_input"
    if done["type"] in inputs.KINDS:
        kept: tuple[str, ...] = (inputs.FIELD[done["type"]],)
    else:
        kept = ("value",) if text else ("selected_option", "selected_date")
    held = {k: v for k, v in done.items() if k == "type" or k in kept}
    return {block_id: {done["action_id"]: held}}


def merged_state(held: dict[str, Any], done: dict[str, Any]) -> dict[str, Any]:
    """A view's `state.values` after a press in it: what it held, with what the pressed
    element now holds put over its own entry."""
    out = {block_id: dict(actions) for block_id, actions in held.items()}
    for block_id, actions in state_values(done).items():
        out.setdefault(block_id, {}).update(actions)
    return out


@dataclass(frozen=True, slots=True)
class Presser:
    """Who pressed, as the payload names them."""

    user_id: str
    user_name: str
    team_id: str
    team_domain: str


def user_of(presser: Presser) -> dict[str, Any]:
    """The `user` of an interaction's payload."""
    return {
        "id": presser.user_id,
        "username": presser.user_name,
        "name": presser.user_name,
        "team_id": presser.team_id,
    }


def team_of(presser: Presser) -> dict[str, Any]:
    """The `team` of an interaction's payload."""
    return {"id": presser.team_id, "domain": presser.team_domain}


def block_actions(
    *,
    app_id: str,
    verification_token: str,
    presser: Presser,
    channel_id: str,
    channel_name: str,
    message: dict[str, Any],
    done: dict[str, Any],
    trigger_id: str,
    response_url: str,
    is_ephemeral: bool = False,
) -> dict[str, Any]:
    """Slack's block_actions payload of a press on a message's block; on an ephemeral message
    (is_ephemeral) without the `message`, which Slack does not send for one."""
    out = {
        "type": "block_actions",
        "user": user_of(presser),
        "api_app_id": app_id,
        "token": verification_token,
        "container": {
            "type": "message",
            "message_ts": message["ts"],
            "channel_id": channel_id,
            "is_ephemeral": is_ephemeral,
        },
        "trigger_id": trigger_id,
        "team": team_of(presser),
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel_id, "name": channel_name},
        "message": message,
        "state": {"values": state_values(done)},
        "response_url": response_url,
        "actions": [done],
    }
    if is_ephemeral:
        del out["message"]
    return out


def view_block_actions(
    *,
    app_id: str,
    verification_token: str,
    presser: Presser,
    view: dict[str, Any],
    done: dict[str, Any],
    trigger_id: str,
) -> dict[str, Any]:
    """Slack's block_actions payload of a press on a block of a view (a modal or a Home
    tab): the view itself, with its current state.values, in place of a message; no
    channel and no response_url."""
    return {
        "type": "block_actions",
        "user": user_of(presser),
        "api_app_id": app_id,
        "token": verification_token,
        "container": {"type": "view", "view_id": view["id"]},
        "trigger_id": trigger_id,
        "team": team_of(presser),
        "enterprise": None,
        "is_enterprise_install": False,
        "view": view,
        "actions": [done],
    }
