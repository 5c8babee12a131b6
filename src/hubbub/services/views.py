"""Modals: views.open, views.push and views.update for apps; views.submit and views.close for
the person whose modal it is, which send the app view_submission (and its response_action back)
and view_closed. The App Home: views.publish, and views.home for the person, which sends
app_home_opened. The person's client hears view_opened, view_updated, view_closed and
view_published on their own stream, never logged, as ephemeral messages are
(docs/integrations.md, Modals and App Home).
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import orjson
import structlog

from hubbub.domain import inputs
from hubbub.domain import interactions as presses
from hubbub.domain import views as rules
from hubbub.domain.apps import App
from hubbub.domain.errors import SlackError
from hubbub.domain.ids import is_slack_id, new_id
from hubbub.domain.model import Identity
from hubbub.domain.ts import from_micros
from hubbub.domain.views import View, view_json
from hubbub.services import app_events
from hubbub.services.direct import open_im_tx
from hubbub.services.hub import EventLog, Hub
from hubbub.services.interactions import issue_trigger, people_only, presser_of, send
from hubbub.services.messages import EPHEMERAL_SEQ, user_stream
from hubbub.services.picks import check_picks
from hubbub.store.tx import Tx

log = structlog.get_logger()


def _app_of(who: Identity) -> tuple[str, str]:
    """The calling app's id and bot id: views.* take an app's bot token."""
    if who.app_id is None or who.bot_id is None:
        raise SlackError("not_allowed_token_type")
    return who.app_id, who.bot_id


async def _take_trigger(hub: Hub, who: Identity, trigger_id: str) -> Identity:
    """The person a trigger_id was issued for, once: expired_trigger_id past its 3 s,
    invalid_trigger_id for one of another app's, used already, or never issued."""
    issued_ms, key = rules.parse_trigger(trigger_id)
    ticket = await hub.tickets.consume(key)
    if ticket is None:
        late = time.time() * 1000 - issued_ms > hub.app_timings.trigger_ttl_s * 1000
        raise SlackError("expired_trigger_id" if late else "invalid_trigger_id")
    if ticket.trigger != who.app_id or ticket.who.team_id != who.team_id:
        raise SlackError("invalid_trigger_id")
    return ticket.who


async def _tell(hub: Hub, user_id: str, event: dict[str, Any]) -> None:
    await hub.bus.publish(user_stream(user_id), EPHEMERAL_SEQ, orjson.dumps(event))


def _new_view(
    tx: Tx,
    app: tuple[str, str, str],
    user_id: str,
    body: dict[str, Any],
    under: View | None,
    *,
    view_id: str | None = None,
) -> View:
    """A view the app (team, app id, bot id) opens for the person, on top of `under`."""
    team_id, app_id, bot_id = app
    view_id = view_id or new_id("V")
    view = View(
        team_id=team_id,
        id=view_id,
        app_id=app_id,
        bot_id=bot_id,
        user_id=user_id,
        root_view_id=under.root_view_id if under else view_id,
        previous_view_id=under.id if under else None,
        hash=rules.new_hash(tx.now),
        body=body,
    )
    if not tx.insert_view(view):
        raise SlackError("duplicate_external_id")
    return view


async def open_view(hub: Hub, who: Identity, trigger_id: str, view: Any) -> dict[str, Any]:
    """views.open: a modal for the person the trigger_id was issued for."""
    app = (who.team_id, *_app_of(who))
    body = rules.check_view(view)
    person = await _take_trigger(hub, who, trigger_id)
    made = await hub.commit(
        who.team_id, lambda tx, _log: _new_view(tx, app, person.user_id, body, None)
    )
    shown = view_json(made)
    await _tell(hub, person.user_id, {"type": "view_opened", "view": shown})
    return shown


def _push_tx(
    tx: Tx, app: tuple[str, str, str], user_id: str, root_view_id: str, body: dict[str, Any]
) -> View:
    stack = tx.stack(app[0], root_view_id)
    if not stack:
        raise SlackError("not_found")
    if len(stack) >= rules.MAX_STACK:
        raise SlackError("push_limit_reached")
    return _new_view(tx, app, user_id, body, stack[-1])


async def push_view(hub: Hub, who: Identity, trigger_id: str, view: Any) -> dict[str, Any]:
    """views.push: a view on top of the person's open modal of this app (not_found if none;
    push_limit_reached past Slack's 3 views)."""
    app = (who.team_id, *_app_of(who))
    body = rules.check_view(view)
    person = await _take_trigger(hub, who, trigger_id)

    def unit(tx: Tx, _log: EventLog) -> View:
        root = tx.open_root(who.team_id, app[1], person.user_id)
        if root is None:
            raise SlackError("not_found")
        return _push_tx(tx, app, person.user_id, root, body)

    made = await hub.commit(who.team_id, unit)
    shown = view_json(made)
    await _tell(hub, person.user_id, {"type": "view_opened", "view": shown})
    return shown


def _replace_tx(tx: Tx, old: View, body: dict[str, Any]) -> View:
    new = replace(old, body=body, hash=rules.new_hash(tx.now))
    if not tx.replace_view(new):
        raise SlackError("duplicate_external_id")
    return new


async def update_view(
    hub: Hub,
    who: Identity,
    view: Any,
    *,
    view_id: str | None,
    external_id: str | None,
    hash_: str | None,
) -> dict[str, Any]:
    """views.update: the app's view of this id (or external_id) changed; hash_conflict when
    a hash is given that is no longer the view's, not_found for a view of nobody's, another
    app's, or closed."""
    app_id, _ = _app_of(who)
    if not view_id and not external_id:
        raise SlackError("invalid_arguments")
    body = rules.check_view(view)

    def unit(tx: Tx, _log: EventLog) -> View:
        found = (
            tx.get_view(who.team_id, view_id)
            if view_id
            else tx.view_by_external_id(who.team_id, external_id or "")
        )
        if found is None or found.app_id != app_id:
            raise SlackError("not_found")
        if hash_ and hash_ != found.hash:
            raise SlackError("hash_conflict")
        return _replace_tx(tx, found, body)

    new = await hub.commit(who.team_id, unit)
    shown = view_json(new)
    await _tell(hub, new.user_id, {"type": "view_updated", "view": shown})
    return shown


# -- the person's side ----------------------------------------------------------------------


def _mine(tx: Tx, who: Identity, view_id: str) -> tuple[View, App, presses.Presser]:
    """The person's own open modal with its app; not_found for anyone else's, and for a
    Home tab (neither submitted nor closed)."""
    view = tx.get_view(who.team_id, view_id) if view_id else None
    if view is None or view.user_id != who.user_id or view.body["type"] != "modal":
        raise SlackError("not_found")
    app = tx.get_app(who.team_id, view.app_id)
    if app is None:
        raise SlackError("not_found")
    return view, app, presser_of(tx, who)


async def press(hub: Hub, who: Identity, view_id: str, press: presses.Press) -> None:
    """blocks.actions with a view_id: the person presses an element of their own open view
    (a modal or their Home tab; not_found for anyone else's or a closed one). The view keeps
    what the element now holds in its state.values, and the app gets block_actions with the
    view; answered once the app has acked."""
    people_only(who)

    def own(tx: Tx) -> View:
        view = tx.get_view(who.team_id, view_id) if is_slack_id(view_id) else None
        if view is None or view.user_id != who.user_id:
            raise SlackError("not_found")
        return view

    # The people and conversations picked are checked first, on their own shards; the unit
    # below then finds the same element (a view changed since is found again, or not).
    shown = await hub.read(who.team_id, own)
    element = presses.find_element(shown.body["blocks"], press)
    picked = presses.action(element, press, "")
    checked = inputs.picks(element, picked)
    await check_picks(hub, who, checked)

    def unit(tx: Tx, _log: EventLog) -> tuple[View, App, presses.Presser, dict[str, Any]]:
        view = own(tx)
        app = tx.get_app(who.team_id, view.app_id)
        if app is None:
            raise SlackError("not_found")
        element = presses.find_element(view.body["blocks"], press)
        done = presses.action(element, press, from_micros(tx.now_us))
        if inputs.picks(element, done) != checked:
            raise SlackError("not_found")  # the view changed under the press: pressed on none
        if not app.socket_mode and app.interactivity_url is None:
            raise SlackError("not_interactive")
        pressed = replace(view, state=presses.merged_state(view.state, done))
        if pressed.state != view.state:
            tx.replace_view(pressed)
        return pressed, app, presser_of(tx, who), done

    view, app, presser, done = await hub.commit(who.team_id, unit)
    payload = presses.view_block_actions(
        app_id=app.id,
        verification_token=app.verification_token,
        presser=presser,
        view=view_json(view),
        done=done,
        trigger_id=await issue_trigger(hub, who, app),
    )
    await send(hub, app, "block_actions", payload)


async def _closed(hub: Hub, who: Identity, views: list[View]) -> None:
    """Closes these views (a stack's top, or all of it) and tells the person's client."""
    if not views:
        return
    await hub.commit(
        who.team_id, lambda tx, _log: tx.delete_views(who.team_id, [v.id for v in views])
    )
    for view in reversed(views):
        await _tell(
            hub,
            who.user_id,
            {"type": "view_closed", "view_id": view.id, "root_view_id": view.root_view_id},
        )


async def submit(hub: Hub, who: Identity, view_id: str, values: Any) -> dict[str, Any]:
    """views.submit: the person submits their view with the values of its inputs; the app
    gets view_submission, and its response_action decides: `errors` (returned for the client
    to show; the view stays), `update`, `push`, `clear` (the whole stack closes); none closes
    this view, showing the one under it."""
    people_only(who)
    view, app, presser = await hub.read(who.team_id, lambda tx: _mine(tx, who, view_id))
    state = rules.state_of(view.body, values, from_micros(int(time.time() * 1_000_000)))
    await check_picks(hub, who, rules.picks_of(view.body, state))
    submitted = replace(view, state=state)

    def save(tx: Tx, _log: EventLog) -> None:
        tx.replace_view(submitted)

    await hub.commit(who.team_id, save)
    payload: dict[str, Any] = {
        "type": "view_submission",
        "team": presses.team_of(presser),
        "user": presses.user_of(presser),
        "api_app_id": app.id,
        "token": app.verification_token,
        "trigger_id": await issue_trigger(hub, who, app),
        "view": view_json(submitted),
        "response_urls": [],
        "enterprise": None,
        "is_enterprise_install": False,
    }
    answer = await send(hub, app, "view_submission", payload)
    return await _respond(hub, who, app, submitted, answer)


async def _respond(
    hub: Hub, who: Identity, app: App, view: View, answer: dict[str, Any]
) -> dict[str, Any]:
    kind = answer.get("response_action")
    if kind == "errors":
        errors = answer.get("errors")
        if not isinstance(errors, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in errors.items()
        ):
            raise SlackError("invalid_response_action")
        return {"response_action": "errors", "errors": errors}
    if kind == "update":
        body = rules.check_view(answer.get("view"))
        new = await hub.commit(who.team_id, lambda tx, _log: _replace_tx(tx, view, body))
        shown = view_json(new)
        await _tell(hub, who.user_id, {"type": "view_updated", "view": shown})
        return {"response_action": "update", "view": shown}
    if kind == "push":
        body = rules.check_view(answer.get("view"))
        made = await hub.commit(
            who.team_id,
            lambda tx, _log: _push_tx(
                tx, (app.team_id, app.id, app.bot_id), who.user_id, view.root_view_id, body
            ),
        )
        shown = view_json(made)
        await _tell(hub, who.user_id, {"type": "view_opened", "view": shown})
        return {"response_action": "push", "view": shown}
    stack = await hub.read(who.team_id, lambda tx: tx.stack(who.team_id, view.root_view_id))
    if kind == "clear":
        await _closed(hub, who, stack)
        return {"response_action": "clear"}
    await _closed(hub, who, _from(stack, view.id))
    return {}


def _from(stack: list[View], view_id: str) -> list[View]:
    """The view and those pushed above it."""
    ids = [v.id for v in stack]
    return stack[ids.index(view_id) :] if view_id in ids else []


async def close(hub: Hub, who: Identity, view_id: str) -> None:
    """views.close: the person closes their view (all of its stack with clear_on_close); the
    app gets view_closed if the view asked for it (notify_on_close). The view closes whether
    or not the app answers."""
    people_only(who)
    view, app, presser = await hub.read(who.team_id, lambda tx: _mine(tx, who, view_id))
    stack = await hub.read(who.team_id, lambda tx: tx.stack(who.team_id, view.root_view_id))
    cleared = bool(view.body.get("clear_on_close"))
    await _closed(hub, who, stack if cleared else _from(stack, view.id))
    if not view.body.get("notify_on_close"):
        return
    payload: dict[str, Any] = {
        "type": "view_closed",
        "team": presses.team_of(presser),
        "user": presses.user_of(presser),
        "api_app_id": app.id,
        "token": app.verification_token,
        "view": view_json(view),
        "is_cleared": cleared,
        "enterprise": None,
        "is_enterprise_install": False,
    }
    try:
        await send(hub, app, "view_closed", payload)
    except SlackError as exc:
        log.info("view_closed_not_acked", app=app.id, error=exc.code)


# -- App Home --------------------------------------------------------------------------------


async def publish(
    hub: Hub, who: Identity, user_id: str, view: Any, hash_: str | None
) -> dict[str, Any]:
    """views.publish: the app's Home tab for a person of its workspace (user_not_found for
    anyone else), made or replaced; hash_conflict for a hash that is not the tab's current."""
    app_id, bot_id = _app_of(who)
    body = rules.check_view(view, kind="home")
    view_id = rules.home_view_id(app_id, user_id)

    def unit(tx: Tx, _log: EventLog) -> View:
        user = tx.get_user(who.team_id, user_id) if user_id else None
        if user is None or user.deleted:
            raise SlackError("user_not_found")
        found = tx.get_view(who.team_id, view_id)
        if found is None:
            home = (who.team_id, app_id, bot_id)
            made = _new_view(tx, home, user_id, body, None, view_id=view_id)
            return made
        if hash_ and hash_ != found.hash:
            raise SlackError("hash_conflict")
        return _replace_tx(tx, found, body)

    made = await hub.commit(who.team_id, unit)
    shown = view_json(made)
    await _tell(hub, user_id, {"type": "view_published", "view": shown})
    return shown


async def open_home(hub: Hub, who: Identity, app_id: str) -> dict[str, Any] | None:
    """views.home (the person's client): the app's Home tab as published for the person
    (None if never), and app_home_opened to the app if it subscribed to it, with the app's DM
    with the person as `channel`, delivered as any event is (a `deliver` job: Events API or
    Socket Mode, with Slack's retries)."""
    people_only(who)
    app = (
        await hub.read(who.team_id, lambda tx: tx.get_app(who.team_id, app_id)) if app_id else None
    )
    if app is None:
        raise SlackError("app_not_found")
    view_id = rules.home_view_id(app.id, who.user_id)
    found = await hub.read(who.team_id, lambda tx: tx.get_view(who.team_id, view_id))
    shown = None if found is None else view_json(found)
    if "app_home_opened" in app.events:
        event_ts = from_micros(int(time.time() * 1_000_000))
        event: dict[str, Any] = {
            "type": "app_home_opened",
            "user": who.user_id,
            "tab": "home",
            "event_ts": event_ts,
        }
        if shown is not None:
            event["view"] = shown
        opened = app

        def unit(tx: Tx, log: EventLog) -> None:
            # Slack's `channel`: the app's DM with the person, opened if it was not yet.
            event["channel"] = open_im_tx(tx, log, who, opened.bot_user_id).channel.id
            app_events.queue_event_tx(log, opened, event)

        await hub.commit(who.team_id, unit)
    return shown
