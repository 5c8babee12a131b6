"""views.open, views.push, views.update (apps' bot tokens), and the person's views.submit and
views.close (hubbub's own, as blocks.actions is); docs/integrations.md, Modals."""

from __future__ import annotations

from typing import Any

from hubbub.api.call import Call
from hubbub.api.registry import NO_SCOPE, TIER_3, TIER_4, Router
from hubbub.services import views

router = Router()


@router.method(
    "views.open", scopes=NO_SCOPE, tier=TIER_4, args={"trigger_id": "string", "view": "json"}
)
async def open_view(call: Call) -> dict[str, Any]:
    """Opens a modal for the person a trigger_id was issued for."""
    trigger = call.required("trigger_id", "invalid_trigger_id")
    return {"view": await views.open_view(call.hub, call.who, trigger, call.json("view"))}


@router.method(
    "views.push", scopes=NO_SCOPE, tier=TIER_4, args={"trigger_id": "string", "view": "json"}
)
async def push_view(call: Call) -> dict[str, Any]:
    """Pushes a view onto the person's open modal."""
    trigger = call.required("trigger_id", "invalid_trigger_id")
    return {"view": await views.push_view(call.hub, call.who, trigger, call.json("view"))}


@router.method(
    "views.update",
    scopes=NO_SCOPE,
    tier=TIER_4,
    args={"view_id": "string", "external_id": "string", "hash": "string", "view": "json"},
)
async def update_view(call: Call) -> dict[str, Any]:
    """Updates an open view, by its id or external_id; hash_conflict for a stale hash."""
    view = await views.update_view(
        call.hub,
        call.who,
        call.json("view"),
        view_id=call.text("view_id") or None,
        external_id=call.text("external_id") or None,
        hash_=call.text("hash") or None,
    )
    return {"view": view}


@router.method(
    "views.submit",
    scopes=NO_SCOPE,
    tier=TIER_3,
    user_token=True,
    args={"view_id": "string", "values": "json"},
)
async def submit(call: Call) -> dict[str, Any]:
    """Submits the person's view: its app gets view_submission; its response_action back."""
    view_id = call.required("view_id", "not_found")
    return await views.submit(call.hub, call.who, view_id, call.json("values"))


@router.method(
    "views.close", scopes=NO_SCOPE, tier=TIER_3, user_token=True, args={"view_id": "string"}
)
async def close(call: Call) -> dict[str, Any]:
    """Closes the person's view; its app gets view_closed if it asked (notify_on_close)."""
    await views.close(call.hub, call.who, call.required("view_id", "not_found"))
    return {}


@router.method(
    "views.publish",
    scopes=NO_SCOPE,
    tier=TIER_4,
    args={"user_id": "string", "view": "json", "hash": "string"},
)
async def publish(call: Call) -> dict[str, Any]:
    """Publishes the app's Home tab for a person."""
    view = await views.publish(
        call.hub,
        call.who,
        call.required("user_id", "user_not_found"),
        call.json("view"),
        call.text("hash") or None,
    )
    return {"view": view}


@router.method(
    "views.home", scopes=NO_SCOPE, tier=TIER_3, user_token=True, args={"app_id": "string"}
)
async def home(call: Call) -> dict[str, Any]:
    """The person opens an app's Home tab: its view, and app_home_opened to the app."""
    return {
        "view": await views.open_home(call.hub, call.who, call.required("app_id", "app_not_found"))
    }
