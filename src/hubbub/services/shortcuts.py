"""Shortcuts the workspace's apps declare (domain/apps.py Shortcut): listed for the person's
client (shortcuts.list) and run by the person (shortcuts.run), which sends the app Slack's
`shortcut` (global) or `message_action` (on a message) with a trigger_id to open a modal with
(docs/integrations.md, Shortcuts).
"""

from __future__ import annotations

from typing import Any

from hubbub.domain import interactions as presses
from hubbub.domain.apps import App, Shortcut
from hubbub.domain.errors import SlackError
from hubbub.domain.model import Identity
from hubbub.domain.shapes import message_json
from hubbub.domain.ts import from_micros
from hubbub.services import commands
from hubbub.services.access import home, visible_channel
from hubbub.services.hub import Hub
from hubbub.services.interactions import (
    issue_trigger,
    people_only,
    presser_of,
    response_url,
    send,
)
from hubbub.services.messages import existing_message
from hubbub.store.tx import Tx


def _interactive(app: App) -> bool:
    return app.socket_mode or app.interactivity_url is not None


async def listed(hub: Hub, who: Identity) -> list[dict[str, Any]]:
    """shortcuts.list: the shortcuts of the person's workspace's apps that can take them."""
    people_only(who)
    found = await hub.read(who.team_id, lambda tx: tx.list_apps(who.team_id))
    return [
        {
            "app_id": app.id,
            "app_name": app.name,
            "type": s.kind,
            "callback_id": s.callback_id,
            "name": s.name,
            "description": s.description,
        }
        for app in found
        if _interactive(app)
        for s in app.shortcuts
    ]


def _declared(tx: Tx, who: Identity, app_id: str, callback_id: str) -> tuple[App, Shortcut]:
    app = tx.get_app(who.team_id, app_id) if app_id else None
    shortcut = next(
        (s for s in (app.shortcuts if app else ()) if s.callback_id == callback_id), None
    )
    if app is None or shortcut is None or not _interactive(app):
        raise SlackError("shortcut_not_found")
    return app, shortcut


async def run(
    hub: Hub,
    who: Identity,
    app_id: str,
    callback_id: str,
    channel_id: str | None,
    ts: str | None,
) -> None:
    """shortcuts.run: the person runs a shortcut of an app of their workspace; a message
    shortcut on a message they can see (channel and ts), whose response_url acts on it as a
    press's does. Answered once the app has acked."""
    people_only(who)

    def read(tx: Tx) -> tuple[App, Shortcut, presses.Presser, str]:
        app, shortcut = _declared(tx, who, app_id, callback_id)
        return app, shortcut, presser_of(tx, who), from_micros(tx.now_us)

    app, shortcut, presser, action_ts = await hub.read(who.team_id, read)
    payload: dict[str, Any] = {
        "type": "shortcut",
        "token": app.verification_token,
        "action_ts": action_ts,
        "team": presses.team_of(presser),
        "user": {k: v for k, v in presses.user_of(presser).items() if k != "name"},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": shortcut.callback_id,
    }
    if shortcut.kind == "message":
        payload.update(await _on_message(hub, who, app, channel_id or "", ts or ""))
    payload["trigger_id"] = await issue_trigger(hub, who, app)
    await send(hub, app, payload["type"], payload)


async def _on_message(
    hub: Hub, who: Identity, app: App, channel_id: str, ts: str
) -> dict[str, Any]:
    """What a message shortcut's payload adds: the message, its channel and a response_url."""

    def read(tx: Tx) -> tuple[Any, Any]:
        channel, _ = visible_channel(tx, who, channel_id, shown=False)
        return channel, existing_message(tx, channel, ts, malformed="message_not_found")

    channel, msg = await hub.read(await home(hub, who, channel_id), read)
    return {
        "type": "message_action",
        "channel": {"id": channel.id, "name": commands.channel_name(channel)},
        "message_ts": msg.ts,
        "message": message_json(msg),
        "response_url": await response_url(hub, who, app, channel.id, msg.ts),
    }
