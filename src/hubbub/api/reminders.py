"""reminders.* methods: a person's reminders, said by Slackbot at their time. User tokens only,
as in Slack."""

from __future__ import annotations

from typing import Any

from hubbub.api.call import Call
from hubbub.api.registry import TIER_2, Router
from hubbub.domain.reminders import check_text, recurrence_days, reminder_json
from hubbub.services import reminders

router = Router()

READ, WRITE = "reminders:read", "reminders:write"
_ONE = {"reminder": "string", "team_id": "string"}


def _id(call: Call) -> str:
    return call.required("reminder", "not_found")


@router.method(
    "reminders.add",
    scopes=WRITE,
    tier=TIER_2,
    args={
        "text": "string",
        "time": "string",
        "user": "string",
        "recurrence": "json",
        "team_id": "string",
    },
    user_token=True,
)
async def add(call: Call) -> dict[str, Any]:
    """Sets a reminder, for the caller or another person of the workspace."""
    text = check_text(call.required("text"))
    given = call.json("recurrence", "cannot_parse")
    item = await reminders.add(
        call.hub,
        call.who,
        text,
        call.args.get("time"),
        call.text("user") or None,
        None if given is None else recurrence_days(given),
    )
    return {"reminder": reminder_json(item)}


@router.method(
    "reminders.list", scopes=READ, tier=TIER_2, args={"team_id": "string"}, user_token=True
)
async def list_(call: Call) -> dict[str, Any]:
    """The reminders for the caller and those the caller set, by time."""
    return {"reminders": [reminder_json(i) for i in await reminders.listed(call.hub, call.who)]}


@router.method("reminders.info", scopes=READ, tier=TIER_2, args=_ONE, user_token=True)
async def info(call: Call) -> dict[str, Any]:
    """One reminder."""
    return {"reminder": reminder_json(await reminders.info(call.hub, call.who, _id(call)))}


@router.method("reminders.complete", scopes=WRITE, tier=TIER_2, args=_ONE, user_token=True)
async def complete(call: Call) -> dict[str, Any]:
    """Marks one of the caller's reminders done."""
    await reminders.complete(call.hub, call.who, _id(call))
    return {}


@router.method("reminders.delete", scopes=WRITE, tier=TIER_2, args=_ONE, user_token=True)
async def delete(call: Call) -> dict[str, Any]:
    """Deletes a reminder."""
    await reminders.delete(call.hub, call.who, _id(call))
    return {}
