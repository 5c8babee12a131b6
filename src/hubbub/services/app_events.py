"""Apps' events: which apps hear a logged event (the reactor, `react`), each queued as a
`deliver` job, and its delivery over the Events API (a signed HTTP POST to the request URL,
app_http.py) or over Socket Mode (an envelope to one of the app's sockets, app_sockets.py),
with Slack's retries.
"""

from __future__ import annotations

import re
import secrets
import time
from typing import Any

import orjson
import structlog

from hubbub.domain import apps as rules
from hubbub.domain.apps import App
from hubbub.domain.jobs import Job, PermanentFailure
from hubbub.services.access import guests_of
from hubbub.services.app_http import Sent, http_send
from hubbub.services.app_sockets import socket_send
from hubbub.services.follow_up import Logged
from hubbub.services.hub import EventLog, Hub
from hubbub.store.tx import Tx

log = structlog.get_logger()

DELIVER_JOB = "deliver"

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


def queue_event_tx(log: EventLog, app: App, event: dict[str, Any]) -> None:
    """In a unit of work: an event for one app that is logged on no stream (app_home_opened,
    subteam_self_added), queued as a `deliver` job as every event is (Events API or Socket
    Mode, with Slack's retries)."""
    eid = "Ev" + secrets.token_hex(8).upper()
    body = event_callback(app, event, eid)
    key = f"{eid}:{app.id}"
    log.job(
        app.team_id, DELIVER_JOB, {"app_id": app.id, "key": key, "body": body, "retry": 0}, key=key
    )


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


# -- delivery ---------------------------------------------------------------------------------


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
