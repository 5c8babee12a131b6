"""Modals as the domain sees them: a view as an app gives it, checked against Slack's limits;
the view object Slack answers with; a person's input turned into `state.values`; the
trigger_id's form. No I/O here (docs/integrations.md, Modals).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from hubbub.domain import inputs
from hubbub.domain.blocks import check_blocks, with_ids
from hubbub.domain.elements import MAX_OPTION_VALUE
from hubbub.domain.errors import SlackError
from hubbub.domain.interactions import Press, action, check_press

MAX_VIEW_BLOCKS = 100
MAX_TITLE = 24
MAX_CALLBACK_ID = 255
MAX_EXTERNAL_ID = 255
MAX_PRIVATE_METADATA = 3000
MAX_INPUT_VALUE = 3000
# A modal's stack: the root and at most two pushed on it (Slack's).
MAX_STACK = 3
# `<ms issued>.<ticket key>` (services/interactions.py issue_trigger).
_TRIGGER = re.compile(r"([0-9]{10,16})\.([A-Za-z0-9_-]{16,64})\Z")
# The inputs whose state is kept, and how the person's value becomes it.
INPUTS = (
    frozenset({"plain_text_input", "static_select", "radio_buttons", "datepicker"}) | inputs.KINDS
)


def _invalid(message: str) -> SlackError:
    return SlackError("invalid_arguments", response_metadata={"messages": [f"[ERROR] {message}"]})


def parse_trigger(trigger_id: str) -> tuple[int, str]:
    """(ms issued, ticket key), or invalid_trigger_id for anything not of our form."""
    found = _TRIGGER.match(trigger_id)
    if found is None:
        raise SlackError("invalid_trigger_id")
    return int(found.group(1)), found.group(2)


def _plain(view: dict[str, Any], key: str, *, required: bool) -> None:
    value = view.get(key)
    if value is None and not required:
        return
    if (
        not isinstance(value, dict)
        or value.get("type") != "plain_text"
        or not isinstance(value.get("text"), str)
        or not 0 < len(value["text"]) <= MAX_TITLE
    ):
        raise _invalid(f"must provide a plain_text `{key}` of at most {MAX_TITLE} characters")


def _short(view: dict[str, Any], key: str, limit: int) -> None:
    value = view.get(key)
    if value is not None and (not isinstance(value, str) or len(value) > limit):
        raise _invalid(f"`{key}` must be a string of at most {limit} characters")


def check_view(view: Any, *, kind: str = "modal") -> dict[str, Any]:
    """A modal (or, kind "home", an App Home tab) as given, with the block and action ids
    Slack fills in where the app gave none; invalid_arguments (with Slack's
    response_metadata.messages) otherwise."""
    if not isinstance(view, dict):
        raise _invalid("must provide an object `view`")
    if view.get("type") != kind:
        raise _invalid(f"`type` must be `{kind}`")
    _plain(view, "title", required=kind == "modal")
    _plain(view, "submit", required=False)
    _plain(view, "close", required=False)
    _short(view, "callback_id", MAX_CALLBACK_ID)
    _short(view, "external_id", MAX_EXTERNAL_ID)
    _short(view, "private_metadata", MAX_PRIVATE_METADATA)
    for flag in ("notify_on_close", "clear_on_close"):
        if not isinstance(view.get(flag, False), bool):
            raise _invalid(f"`{flag}` must be a boolean")
    blocks = check_blocks(view.get("blocks"), limit=MAX_VIEW_BLOCKS)
    if kind == "modal" and any(b["type"] == "input" for b in blocks) and "submit" not in view:
        raise _invalid("a view with input blocks must provide `submit`")
    keep = (
        "type",
        "title",
        "submit",
        "close",
        "callback_id",
        "external_id",
        "private_metadata",
        "notify_on_close",
        "clear_on_close",
    )
    out = {k: view[k] for k in keep if k in view}
    out["blocks"] = with_ids(blocks)
    return out


def home_view_id(app_id: str, user_id: str) -> str:
    """The id of the app's Home tab for the person: one each, so the same id every time."""
    digest = hashlib.sha256(f"home/{app_id}/{user_id}".encode()).hexdigest()
    return "V" + digest[:10].upper()


def new_hash(now: int) -> str:
    """A view's version, as Slack's: `<seconds>.<random>`; each change makes a new one."""
    return f"{now}.{secrets.token_hex(4)}"


@dataclass(frozen=True, slots=True)
class View:
    team_id: str
    id: str
    app_id: str
    bot_id: str
    user_id: str
    root_view_id: str
    previous_view_id: str | None
    hash: str
    body: dict[str, Any]  # as check_view returns it
    state: dict[str, Any] = field(default_factory=dict)  # state.values

    @property
    def external_id(self) -> str:
        return str(self.body.get("external_id") or "")


def view_json(view: View) -> dict[str, Any]:
    """Slack's view object, as views.open and the payloads give it."""
    body = view.body
    return {
        "id": view.id,
        "team_id": view.team_id,
        "type": body["type"],
        "blocks": body["blocks"],
        "private_metadata": body.get("private_metadata", ""),
        "callback_id": body.get("callback_id", ""),
        "state": {"values": view.state},
        "hash": view.hash,
        "title": body.get("title"),
        "clear_on_close": body.get("clear_on_close", False),
        "notify_on_close": body.get("notify_on_close", False),
        "close": body.get("close"),
        "submit": body.get("submit"),
        "previous_view_id": view.previous_view_id,
        "root_view_id": view.root_view_id,
        "app_id": view.app_id,
        "external_id": view.external_id,
        "app_installed_team_id": view.team_id,
        "bot_id": view.bot_id,
    }


def state_of(body: dict[str, Any], given: Any, action_ts: str) -> dict[str, Any]:
    """`state.values` of a submitted view: for each input block, what the person gave, as
    {block_id: {action_id: string}} (a text, an option's value, a date, a time, a number, a
    picked id) or a list of strings (checkboxes' and multi-selects' picks), turned into
    Slack's shapes and checked against the view's own elements (domain/inputs.py); a required
    input left empty is invalid_arguments, an unknown option invalid_option. Whether the
    person may see the people and conversations picked is the caller's (inputs.picks)."""
    if given is None:
        given = {}
    if not isinstance(given, dict):
        raise _invalid("`values` must be an object")
    out: dict[str, Any] = {}
    for block in body["blocks"]:
        element = block.get("element")
        if block["type"] != "input" or not isinstance(element, dict):
            continue
        kind, block_id, action_id = element.get("type"), block["block_id"], element["action_id"]
        if kind not in INPUTS:
            continue
        mine = given.get(block_id)
        value = mine.get(action_id) if isinstance(mine, dict) else None
        if value == "" or value == []:
            value = None
        if kind in inputs.KINDS:
            entry = inputs.held(element, value)
            if inputs.is_empty(entry) and not block.get("optional", False):
                raise _invalid(f"`{block_id}` is required")
            out[block_id] = {action_id: entry}
            continue
        if value is not None and (not isinstance(value, str) or len(value) > MAX_INPUT_VALUE):
            raise _invalid(f"each value must be a string of at most {MAX_INPUT_VALUE} characters")
        if value is None and not block.get("optional", False):
            raise _invalid(f"`{block_id}` is required")
        out[block_id] = {action_id: _held(element, kind, block_id, action_id, value, action_ts)}
    return out


def picks_of(body: dict[str, Any], state: dict[str, Any]) -> list[inputs.Pick]:
    """The people and conversations a submitted state names, with what each element allows."""
    found: list[inputs.Pick] = []
    for block in body["blocks"]:
        element = block.get("element")
        if block["type"] != "input" or not isinstance(element, dict):
            continue
        entry = state.get(block["block_id"], {}).get(element["action_id"])
        if entry is not None:
            found.extend(inputs.picks(element, entry))
    return found


def _held(
    element: dict[str, Any],
    kind: str,
    block_id: str,
    action_id: str,
    value: str | None,
    action_ts: str,
) -> dict[str, Any]:
    if kind == "plain_text_input":
        return {"type": kind, "value": value}
    if value is None:
        empty = "selected_date" if kind == "datepicker" else "selected_option"
        return {"type": kind, empty: None}
    if kind == "datepicker":
        press = check_press(block_id, action_id, None, value)
    elif len(value) > MAX_OPTION_VALUE:
        raise SlackError("invalid_option")
    else:
        press = Press(block_id, action_id, value, None)
    done = action(element, press, action_ts)
    return {k: v for k, v in done.items() if k in ("type", "selected_option", "selected_date")}
