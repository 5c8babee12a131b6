"""Apps: made and changed by an admin; the events they hear, queued as `deliver` jobs; delivered
over the Events API (signed HTTP POSTs to the request URL) or over Socket Mode (an envelope to
one of the app's sockets, through the bus to whichever process holds them).
"""

from __future__ import annotations

import asyncio
import re
import secrets
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

import orjson
import structlog

from hubbub.domain import apps as rules
from hubbub.domain.apps import App, Command
from hubbub.domain.errors import SlackError
from hubbub.domain.ids import new_app_token, new_id, token_hash
from hubbub.domain.jobs import Job, PermanentFailure
from hubbub.domain.model import Identity
from hubbub.services import app_http, workspaces
from hubbub.services.access import guests_of, home
from hubbub.services.auth import issue_token
from hubbub.services.follow_up import Logged
from hubbub.services.hub import EventLog, Hub
from hubbub.services.messages import channel_type
from hubbub.store.tx import Tx
from hubbub.tickets.port import Ticket

log = structlog.get_logger()

DELIVER_JOB = "deliver"
# Where Socket Mode sockets connect (app.Front routes it to realtime/socket_mode.py).
USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"
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
        tx.identity_changed = True  # the reactor's list of apps: _apps_of
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
        tx.identity_changed = True  # the reactor's list of apps: _apps_of
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


# -- Socket Mode: connections ---------------------------------------------------------------


async def connections_open(hub: Hub, who: Identity) -> str:
    """apps.connections.open: a single-use URL for one Socket Mode connection of the app."""
    if who.token_kind != rules.APP_TOKEN_KIND or who.app_id is None:
        raise SlackError("not_allowed_token_type")
    app = await get_app(hub, who.team_id, who.app_id)
    if not app.socket_mode:
        raise SlackError("socket_mode_not_enabled")  # hubbub's: Slack refuses it as well
    key = await hub.tickets.issue(Ticket(who, None))
    return hub.urls.socket_mode(key, app.id)


async def consume_socket_ticket(hub: Hub, key: str) -> Identity | None:
    """Who a Socket Mode connection is, from its ticket: an app-level token's app, once."""
    ticket = await hub.tickets.consume(key)
    if ticket is None or not ticket.for_socket or ticket.who.token_kind != rules.APP_TOKEN_KIND:
        return None
    return ticket.who


def app_stream(app_id: str) -> str:
    """The bus topic of an app's envelopes: app ids (A…) meet no channel, team or user id."""
    return app_id


async def socket_send(
    hub: Hub,
    app_id: str,
    kind: str,
    payload: dict[str, Any],
    *,
    retry: int = 0,
    reason: str | None = None,
    accepts_response_payload: bool = False,
    timeout_s: float | None = None,
) -> dict[str, Any] | None:
    """Hands an envelope to one of the app's sockets, wherever they are held, and waits for the
    app's ack: the ack (its `payload`, if any), or None if none came in time (no socket, or
    an app too slow). The ack comes back on a bus topic of the envelope's own."""
    envelope_id = str(uuid.uuid4())
    reply = "E" + envelope_id.replace("-", "")
    loop = asyncio.get_running_loop()
    acked: asyncio.Future[bytes] = loop.create_future()

    def on_reply(_stream: str, _seq: int, data: bytes) -> None:
        if not acked.done():
            acked.set_result(data)

    envelope = {
        "envelope_id": envelope_id,
        "type": kind,
        "accepts_response_payload": accepts_response_payload,
        "payload": payload,
        "retry_attempt": retry,
        "retry_reason": reason or "",
    }
    subscription = hub.bus.subscribe(reply, on_reply)
    try:
        await hub.bus.publish(
            app_stream(app_id), 0, orjson.dumps({"reply": reply, "envelope": envelope})
        )
        wait = hub.app_timings.ack_timeout_s if timeout_s is None else timeout_s
        answer: dict[str, Any] = orjson.loads(await asyncio.wait_for(acked, wait))
        return answer
    except TimeoutError:
        return None
    finally:
        subscription.close()


async def socket_ack(hub: Hub, reply: str, payload: Any) -> None:
    """What a socket's client acked, sent back to whoever waits for it (socket_send)."""
    body = {"payload": payload} if isinstance(payload, dict) else {}
    await hub.bus.publish(reply, 0, orjson.dumps(body))


# -- Events API: signed requests ------------------------------------------------------------


def signed_headers(
    app: App, body: bytes, content_type: str, *, retry: int = 0, reason: str | None = None
) -> dict[str, str]:
    stamp = str(int(time.time()))
    headers = {
        "Content-Type": content_type,
        "User-Agent": USER_AGENT,
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": rules.signature(app.signing_secret, stamp, body),
    }
    if retry:
        headers["X-Slack-Retry-Num"] = str(retry)
        headers["X-Slack-Retry-Reason"] = reason or "http_error"
    return headers


@dataclass(frozen=True, slots=True)
class Sent:
    ok: bool
    reason: str  # X-Slack-Retry-Reason of the next try when not ok
    status: int = 0
    body: bytes = b""
    content_type: str = ""
    no_retry: bool = False


async def http_send(
    hub: Hub,
    app: App,
    url: str,
    body: bytes,
    content_type: str,
    *,
    retry: int = 0,
    reason: str | None = None,
) -> Sent:
    """POSTs a signed request to the app; ok for a 2xx within the timeout."""
    headers = signed_headers(app, body, content_type, retry=retry, reason=reason)
    timings = hub.app_timings
    try:
        status, answer_headers, answer = await app_http.post(
            hub, url, body, headers, timeout_s=timings.http_timeout_s
        )
    except app_http.OutboundError as exc:
        return Sent(False, exc.reason)
    no_retry = answer_headers.get("x-slack-no-retry") == "1"
    kind = answer_headers.get("content-type", "")
    return Sent(200 <= status < 300, "http_error", status, answer, kind, no_retry)


async def verify_url(hub: Hub, app: App, url: str) -> None:
    """Slack's url_verification: the app must echo the challenge."""
    challenge = secrets.token_urlsafe(24)
    body = orjson.dumps(
        {"token": app.verification_token, "challenge": challenge, "type": "url_verification"}
    )
    sent = await http_send(hub, app, url, body, "application/json")
    echoed: Any = sent.body.decode(errors="replace").strip()
    if sent.ok and echoed != challenge:
        try:
            answer = orjson.loads(sent.body)
            echoed = answer.get("challenge") if isinstance(answer, dict) else None
        except orjson.JSONDecodeError:
            echoed = None
    if not sent.ok or echoed != challenge:
        raise SlackError("url_verification_failed", status=sent.status, reason=sent.reason)


# -- which apps hear an event -----------------------------------------------------------------

_APP_MENTION_SUBTYPES = frozenset({None, "thread_broadcast", "bot_message", "me_message"})


def _mentions(text: Any, user_id: str) -> bool:
    return isinstance(text, str) and re.search(rf"<@{user_id}(\|[^>]*)?>", text) is not None


def _listens(app: App, event: dict[str, Any]) -> bool:
    """Whether the app is subscribed to what the event is, membership aside."""
    if rules.subscription_of(event) in app.events:
        return True
    return "app_mention" in app.events and event.get("type") == "message"


async def _apps_of(hub: Hub, team_id: str) -> tuple[App, ...]:
    """The workspace's apps that can be delivered to; read once per identity version, which
    every change of an app moves (create_app, update_app), as the reactor asks per event."""
    found = hub.app_lists.get(team_id)
    if found is None:
        version = hub.app_lists.version()
        found = await hub.read(
            team_id,
            lambda tx: tuple(a for a in tx.list_apps(team_id) if a.socket_mode or a.request_url),
        )
        hub.app_lists.put(team_id, found, version)
    return found


def _heard(
    tx: Tx, team_id: str, event: dict[str, Any], apps: list[App]
) -> list[tuple[App, dict[str, Any]]]:
    """Of these apps, those that hear the event, with what each hears. tx: on the shard of
    team_id, whose log the event is in (a shared channel's host: the guests' bots are its
    members too)."""
    subscription = rules.subscription_of(event)
    channel = rules.event_channel(event)
    out: list[tuple[App, dict[str, Any]]] = []
    for app in apps:
        wants_mention = "app_mention" in app.events and event.get("type") == "message"
        # Slack sends a conversation's events only to apps whose bot is a member of it.
        if channel is not None and tx.membership(team_id, channel, app.bot_user_id) is None:
            continue
        if subscription in app.events:
            out.append((app, event))
        mentioned = event.get("subtype") in _APP_MENTION_SUBTYPES and _mentions(
            event.get("text"), app.bot_user_id
        )
        if wants_mention and mentioned:
            out.append((app, _app_mention(event)))
    return out


def _app_mention(event: dict[str, Any]) -> dict[str, Any]:
    keep = ("user", "text", "ts", "team", "channel", "event_ts", "thread_ts", "blocks")
    mention = {"type": "app_mention", **{k: event[k] for k in keep if k in event}}
    if "client_msg_id" in event:
        mention["client_msg_id"] = event["client_msg_id"]
    if "bot_id" in event:
        mention["bot_id"] = event["bot_id"]
    return mention


def event_callback(
    app: App, event: dict[str, Any], eid: str, *, ext_shared: bool = False
) -> dict[str, Any]:
    """Slack's outer envelope of an event, the same for every try of its delivery. Each app
    sees it from its own workspace (`team_id`, `context_team_id`, `authorizations`: its own
    install), also in a channel shared between workspaces (ext_shared)."""
    event_ts = str(event.get("event_ts") or event.get("ts") or "")
    try:
        event_time = int(float(event_ts))
    except ValueError:
        event_time = int(time.time())
    return {
        "token": app.verification_token,
        "team_id": app.team_id,
        "context_team_id": app.team_id,
        "context_enterprise_id": None,
        "api_app_id": app.id,
        "event": event,
        "type": "event_callback",
        "event_id": eid,
        "event_time": event_time,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": app.team_id,
                "user_id": app.bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": ext_shared,
        "event_context": f"4-{eid}",
    }


async def react(hub: Hub, logged: Logged) -> None:
    """The reactor (jobs/kinds.py): one `deliver` job per app that hears the event, keyed by
    event and app so a rerun of the event job queues none twice.

    An event of a shared channel (logged on its host's shard) is heard by the apps of every
    workspace in the share whose bot is in the channel, each queued on its own workspace's
    shard (where `deliver` finds the app); a workspace not in the share is never asked."""
    team_id, event = logged.team_id, logged.event
    if event.get("is_ephemeral") or (
        rules.subscription_of(event) is None and event.get("type") != "message"
    ):
        return  # no app could hear it: no read
    channel = rules.event_channel(event)
    guests = await guests_of(hub, team_id, channel) if channel is not None else ()
    for team in (team_id, *guests):
        apps = [app for app in await _apps_of(hub, team) if _listens(app, event)]
        if apps:
            # Each read runs before the loop moves on: the closure sees this team's apps.
            heard = await hub.read(team_id, lambda tx: _heard(tx, team_id, event, apps))  # noqa: B023
            await _queue(hub, logged, team, heard, bool(guests))


async def _queue(
    hub: Hub,
    logged: Logged,
    team_id: str,
    heard: list[tuple[App, dict[str, Any]]],
    ext_shared: bool,
) -> None:
    """The deliver jobs of team_id's apps that heard the event, on team_id's shard."""
    if not heard:
        return
    jobs = []
    for app, what in heard:
        eid = rules.event_id(logged.stream, logged.seq, what["type"])
        body = event_callback(app, what, eid, ext_shared=ext_shared)
        key = f"{body['event_id']}:{app.id}"
        jobs.append(({"app_id": app.id, "key": key, "body": body, "retry": 0}, key))

    def unit(_tx: Tx, log: EventLog) -> None:
        for payload, key in jobs:
            log.job(team_id, DELIVER_JOB, payload, key=key)

    await hub.commit(team_id, unit)


# -- delivery -----------------------------------------------------------------------------


async def deliver(hub: Hub, job: Job) -> None:
    """The `deliver` job: one try at an event, then the next try queued after Slack's delay
    (retry_delays_s) until they are spent, when the job fails for good (a dead letter)."""
    payload = job.payload
    team_id = job.team_id
    app = await hub.read(team_id, lambda tx: tx.get_app(team_id, payload["app_id"]))
    if app is None:
        return  # the app is gone: nobody to deliver to
    retry = int(payload.get("retry", 0))
    reason = payload.get("reason")
    if app.socket_mode:
        acked = await socket_send(
            hub, app.id, "events_api", payload["body"], retry=retry, reason=reason
        )
        sent = Sent(acked is not None, "timeout")
    elif app.request_url:
        body = orjson.dumps(payload["body"])
        sent = await http_send(
            hub, app, app.request_url, body, "application/json", retry=retry, reason=reason
        )
    else:
        return
    if sent.ok:
        return
    delays = hub.app_timings.retry_delays_s
    log.info("app_delivery_failed", app=app.id, retry=retry, reason=sent.reason)
    if sent.no_retry or retry >= len(delays):
        raise PermanentFailure(f"{sent.reason} (status {sent.status}) after {retry} retries")
    again = {**payload, "retry": retry + 1, "reason": sent.reason}
    key = f"{payload['key']}:{retry + 1}"
    delay_us = int(delays[retry] * 1_000_000)

    def unit(_tx: Tx, log: EventLog) -> None:
        log.job(team_id, DELIVER_JOB, again, key=key, delay_us=delay_us)

    await hub.commit(team_id, unit)
