"""Apps as an admin makes and changes them (`hubbub admin create-app`, `update-app`): the bot
user, its tokens and signing secret, the events heard, where they go (a request URL, verified
first, or Socket Mode), slash commands and shortcuts; and the kind of conversation an app
token's scope check needs (channel_kind). Delivering their events is app_events.py; Socket Mode
is app_sockets.py; signed HTTP requests are app_http.py.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from hubbub.domain import apps as rules
from hubbub.domain.apps import App, Command
from hubbub.domain.errors import SlackError
from hubbub.domain.ids import new_app_token, new_id, token_hash
from hubbub.domain.model import Identity
from hubbub.services import workspaces
from hubbub.services.access import home
from hubbub.services.app_http import verify_url
from hubbub.services.auth import issue_token
from hubbub.services.hub import EventLog, Hub
from hubbub.services.messages import channel_type
from hubbub.store.tx import Tx

# Scopes an app gets when create-app names none: posting, and what its events need.
DEFAULT_SCOPES = frozenset({"chat:write", "users:read"})


@dataclass(frozen=True, slots=True)
class NewApp:
    app: App
    bot_token: str
    app_token: str


def app_json(app: App) -> dict[str, Any]:
    return {
        "app_id": app.id,
        "team_id": app.team_id,
        "name": app.name,
        "bot_user_id": app.bot_user_id,
        "bot_id": app.bot_id,
        "scopes": sorted(app.scopes),
        "events": sorted(app.events),
        "request_url": app.request_url,
        "socket_mode": app.socket_mode,
        "interactivity_url": app.interactivity_url,
        "shortcuts": [
            {"type": s.kind, "callback_id": s.callback_id, "name": s.name} for s in app.shortcuts
        ],
        "commands": [
            {"command": c.command, "url": c.url, "description": c.description} for c in app.commands
        ],
        "signing_secret": app.signing_secret,
    }


def _bot_name(name: str) -> str:
    return re.sub(r"[^a-z0-9._-]+", "_", name.strip().lower()).strip("_") or "app"


def _commands(commands: Iterable[str], url: str | None, socket_mode: bool) -> tuple[Command, ...]:
    out = []
    for command in commands:
        if url is None and not socket_mode:
            raise SlackError("invalid_command_url")  # nowhere to send it
        out.append(Command(rules.check_command(command), None if socket_mode else url))
    if len(out) > rules.MAX_COMMANDS:
        raise SlackError("too_many_commands")
    return tuple(out)


async def create_app(
    hub: Hub,
    domain: str,
    *,
    name: str,
    events: Iterable[str] = (),
    scopes: Iterable[str] | None = None,
    request_url: str | None = None,
    socket_mode: bool = False,
    commands: Iterable[str] = (),
    interactivity_url: str | None = None,
    shortcuts: Iterable[str] = (),
) -> NewApp:
    """A new app with its bot user, bot token, app-level token and signing secret. A request
    URL is verified first (url_verification), as Slack does before it saves one."""
    name = name.strip()
    if not name or len(name) > workspaces.MAX_USER_NAME:
        raise SlackError("invalid_name")
    heard = rules.check_events(events)
    granted = set(rules.check_scopes(DEFAULT_SCOPES if scopes is None else scopes))
    granted |= rules.event_scopes(heard)
    made = _commands(commands, request_url, socket_mode)
    if made:
        granted.add("commands")
    team_id = await workspaces.team_id_of(hub, domain)
    app = App(
        team_id=team_id,
        id=new_id("A"),
        name=name,
        bot_user_id="",
        bot_id="",
        scopes=frozenset(granted),
        signing_secret=secrets.token_hex(16),
        verification_token=secrets.token_urlsafe(18),
        events=heard,
        request_url=request_url or None,
        socket_mode=socket_mode,
        created=int(time.time()),
        commands=made,
        interactivity_url=rules.check_url(interactivity_url),
        shortcuts=rules.check_shortcuts(shortcuts),
    )
    if request_url and not socket_mode:
        await verify_url(hub, app, request_url)

    def unit(tx: Tx, log: EventLog) -> NewApp:
        tx.identity_changed = True  # the reactor's list of apps: app_events._apps_of
        bot = workspaces.add_bot_tx(tx, log, team_id, _bot_name(name), name)
        assert bot.bot_id is not None
        made = replace(app, bot_user_id=bot.id, bot_id=bot.bot_id)
        tx.insert_app(made)
        for command in made.commands:
            if not tx.put_command(team_id, made.id, command):
                raise SlackError("command_taken", command=command.command)
        scopes = ",".join(sorted(made.scopes))
        bot_token = issue_token(tx, team_id, bot.id, "xoxb", scopes, made.id)
        app_token = new_app_token(team_id, made.id)
        tx.insert_token(
            token_hash(app_token),
            team_id,
            bot.id,
            rules.APP_TOKEN_KIND,
            rules.APP_TOKEN_SCOPES,
            made.id,
        )
        return NewApp(made, bot_token, app_token)

    return await hub.commit(team_id, unit)


async def update_app(
    hub: Hub,
    domain: str,
    app_id: str,
    *,
    request_url: str | None = None,
    events: Iterable[str] | None = None,
    socket_mode: bool | None = None,
    commands: Iterable[str] | None = None,
    interactivity_url: str | None = None,
    shortcuts: Iterable[str] | None = None,
) -> App:
    """Changes where an app's events go and what it hears; a new request URL is verified."""
    team_id = await workspaces.team_id_of(hub, domain)
    app = await get_app(hub, team_id, app_id)
    heard = app.events if events is None else rules.check_events(events)
    socket = app.socket_mode if socket_mode is None else socket_mode
    url = app.request_url if request_url is None else (request_url or None)
    made = _commands(commands, url, socket) if commands is not None else None
    # "" takes the interactivity URL away, as an empty request URL does the request URL.
    interactive = (
        app.interactivity_url if interactivity_url is None else rules.check_url(interactivity_url)
    )
    declared = app.shortcuts if shortcuts is None else rules.check_shortcuts(shortcuts)
    if request_url and not socket:
        await verify_url(hub, app, request_url)

    def unit(tx: Tx, _log: EventLog) -> App:
        tx.identity_changed = True  # the reactor's list of apps: app_events._apps_of
        scopes = set(app.scopes) | rules.event_scopes(heard) | ({"commands"} if made else set())
        tx.update_app(
            team_id,
            app_id,
            events=heard,
            request_url=url,
            socket_mode=socket,
            scopes=scopes,
            interactivity_url=interactive,
            shortcuts=declared,
        )
        for command in made or ():
            if not tx.put_command(team_id, app_id, command):
                raise SlackError("command_taken", command=command.command)
        if scopes != set(app.scopes):
            tx.update_token_scopes(team_id, app_id, "xoxb", ",".join(sorted(scopes)))
        found = tx.get_app(team_id, app_id)
        assert found is not None
        return found

    return await hub.commit(team_id, unit)


async def get_app(hub: Hub, team_id: str, app_id: str) -> App:
    found = await hub.read(team_id, lambda tx: tx.get_app(team_id, app_id))
    if found is None:
        raise SlackError("app_not_found")
    return found


async def channel_kind(hub: Hub, who: Identity, channel_id: Any) -> str | None:
    """The kind of a conversation (channel, group, im, mpim) for the scope that reading it
    takes; None if the argument names none, which the method itself then answers."""
    if not isinstance(channel_id, str) or not channel_id:
        return None
    # A channel shared with the app's workspace is its host's: the kind is the host's.
    host = await home(hub, who, channel_id)
    found = await hub.read(host, lambda tx: tx.get_channel(host, channel_id))
    return None if found is None else channel_type(found)
