"""A person's press on the blocks of an app's message (blocks.actions): checked against what
the person may see and what the message holds, sent to the app as `block_actions` over Socket
Mode or to its interactivity URL, with a trigger_id and a response_url; what the app later
POSTs to that response_url (docs/integrations.md, Interactivity).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import orjson

from hubbub.domain import inputs
from hubbub.domain import interactions as rules
from hubbub.domain.apps import App
from hubbub.domain.errors import SlackError
from hubbub.domain.ids import new_invite_code, token_hash
from hubbub.domain.model import Channel, Identity, Message
from hubbub.domain.shapes import message_json
from hubbub.domain.text import check_content
from hubbub.domain.ts import from_micros
from hubbub.services import app_requests, commands, ephemerals
from hubbub.services.access import home, visible_channel
from hubbub.services.file_shown import Known, commit_showing_files
from hubbub.services.hub import EventLog, Hub
from hubbub.services.messages import delete_tx, existing_message, set_content_tx
from hubbub.services.picks import check_picks
from hubbub.store.tx import Tx
from hubbub.tickets.port import Ticket


def people_only(who: Identity) -> None:
    """Interactions are people's (presses, submissions, shortcuts), as in Slack: a bot's or
    an app's token gets not_allowed_token_type."""
    if who.bot_id is not None or who.app_id is not None:
        raise SlackError("not_allowed_token_type")


@dataclass(frozen=True, slots=True)
class _Pressed:
    channel: Channel
    message: Message
    element: dict[str, Any]
    action_ts: str


async def press(hub: Hub, who: Identity, channel_id: str, ts: str, press: rules.Press) -> None:
    """blocks.actions: the person presses an element of a message an app of their own
    workspace posted; answered once the app has acked (Slack's 3 s)."""
    people_only(who)

    def read(tx: Tx) -> _Pressed:
        channel, _ = visible_channel(tx, who, channel_id, shown=False)
        msg = existing_message(tx, channel, ts, malformed="message_not_found")
        element = rules.find_element(msg.blocks, press)
        return _Pressed(channel, msg, element, from_micros(tx.now_us))

    pressed = await hub.read(await home(hub, who, channel_id), read)
    done = rules.action(pressed.element, press, pressed.action_ts)
    await check_picks(hub, who, inputs.picks(pressed.element, done))
    app, presser = await hub.read(
        who.team_id, lambda tx: _app_and_presser(tx, who, pressed.message.bot_id)
    )
    payload = rules.block_actions(
        app_id=app.id,
        verification_token=app.verification_token,
        presser=presser,
        channel_id=pressed.channel.id,
        channel_name=commands.channel_name(pressed.channel),
        message=message_json(pressed.message),
        done=done,
        trigger_id=await issue_trigger(hub, who, app),
        response_url=await response_url(hub, who, app, pressed.channel.id, pressed.message.ts),
    )
    await send(hub, app, "block_actions", payload)


async def press_ephemeral(
    hub: Hub, who: Identity, channel_id: str, ts: str, press: rules.Press
) -> None:
    """blocks.actions with is_ephemeral: the person presses an element of an ephemeral message
    an app of their workspace showed them (services/ephemerals.py; message_not_found for one
    never shown to them, or gone); the app gets block_actions with container.is_ephemeral and
    a response_url that replaces or deletes it."""
    people_only(who)
    shown = await ephemerals.find(hub, who.team_id, who.user_id, channel_id, ts)

    def read(tx: Tx) -> tuple[Channel, str]:
        channel, _ = visible_channel(tx, who, channel_id, shown=False)
        return channel, from_micros(tx.now_us)

    channel, action_ts = await hub.read(await home(hub, who, channel_id), read)
    element = rules.find_element(shown.blocks, press)
    done = rules.action(element, press, action_ts)
    await check_picks(hub, who, inputs.picks(element, done))
    app, presser = await hub.read(who.team_id, lambda tx: _app_and_presser(tx, who, shown.bot_id))
    message = {"type": "message", "ts": shown.ts, "text": shown.text}
    payload = rules.block_actions(
        app_id=app.id,
        verification_token=app.verification_token,
        presser=presser,
        channel_id=channel.id,
        channel_name=commands.channel_name(channel),
        message=message,
        done=done,
        trigger_id=await issue_trigger(hub, who, app),
        response_url=await response_url(hub, who, app, channel.id, shown.ts),
        is_ephemeral=True,
    )
    await send(hub, app, "block_actions", payload)


def _app_and_presser(tx: Tx, who: Identity, bot_id: str | None) -> tuple[App, rules.Presser]:
    """The app whose bot posted the message, of the presser's own workspace (an app of another
    workspace in a shared channel is not sent presses: app_not_found), and how it names the
    presser; not_interactive for an app that takes interactions neither way."""
    app = None if bot_id is None else tx.app_of_bot(who.team_id, bot_id)
    if app is None:
        raise SlackError("app_not_found")
    if not app.socket_mode and app.interactivity_url is None:
        raise SlackError("not_interactive")
    return app, presser_of(tx, who)


def presser_of(tx: Tx, who: Identity) -> rules.Presser:
    """How an interaction's payload names the person (tx: on who's own workspace's shard)."""
    team, user = tx.get_team(who.team_id), tx.get_user(who.team_id, who.user_id)
    assert team is not None and user is not None
    return rules.Presser(user.id, user.name, team.id, team.domain)


async def send(hub: Hub, app: App, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    """An interaction's payload to its app: an `interactive` envelope, or a signed form post
    to its interactivity URL; the app's answer (view_submission's response_action)."""
    return await app_requests.dispatch(
        hub,
        app,
        None if app.socket_mode else app.interactivity_url,
        "interactive",
        payload,
        {"payload": orjson.dumps(payload).decode()},
        accepts_response_payload=kind == "view_submission",
    )


async def response_url(hub: Hub, who: Identity, app: App, channel_id: str, ts: str) -> str:
    """A response_url for the app about the message ts, which the person acted on."""
    code = new_invite_code(who.team_id)
    timings = hub.app_timings

    def unit(tx: Tx, _log: EventLog) -> None:
        tx.insert_command_response(
            who.team_id,
            token_hash(code),
            app_id=app.id,
            channel_id=channel_id,
            user_id=who.user_id,
            expires=tx.now + int(timings.command_response_ttl_s),
            uses=timings.command_response_uses,
            invocation=None,
            source_ts=ts,
        )

    await hub.commit(who.team_id, unit)
    return hub.urls.action_response(code)


async def issue_trigger(hub: Hub, who: Identity, app: App) -> str:
    """A trigger_id: the app may open one modal for the person with it, once, within Slack's
    3 s. It starts with when it was issued, in ms, so that a late one is told apart from a
    forged one (expired_trigger_id, invalid_trigger_id)."""
    key = await hub.tickets.issue(
        Ticket(who, None, trigger=app.id), ttl_s=hub.app_timings.trigger_ttl_s
    )
    return f"{int(time.time() * 1000)}.{key}"


# -- the response URL ------------------------------------------------------------------------


async def respond(hub: Hub, code: str, response: Any) -> None:
    """A POST to a press's response_url: replace_original changes the pressed message in
    place, delete_original deletes it (each only while it is the app's message), anything
    else is a new message shown as a slash command's answer is (ephemeral unless in_channel).
    expired_url once 30 minutes old or used 5 times; invalid_url for nobody's code."""
    app, target = await commands.redeem(hub, code, response, pressed=True)
    channel_id, user_id = target["channel_id"], target["user_id"]
    if response.get("delete_original") or response.get("replace_original"):
        await _on_original(hub, app, channel_id, user_id, target["source_ts"], response)
        return
    await commands.show(hub, app, channel_id, user_id, response, code, immediate=True)


async def _on_original(
    hub: Hub, app: App, channel_id: str, user_id: str, ts: str, response: dict[str, Any]
) -> None:
    """replace_original or delete_original on the pressed message, where the person who
    pressed can still see it and it is still the app's; otherwise nothing is done."""
    if await ephemerals.on_original(hub, app, channel_id, user_id, ts, response):
        return
    delete = bool(response.get("delete_original"))
    content = (
        None
        if delete
        else check_content(
            response.get("text"), response.get("blocks"), response.get("attachments")
        )
    )
    person = commands.person_of(app.team_id, user_id)

    def unit(tx: Tx, log: EventLog, known: Known) -> None:
        try:
            channel, _ = visible_channel(tx, person, channel_id, shown=False)
            msg = existing_message(tx, channel, ts, malformed="message_not_found")
        except SlackError:
            return  # gone, or out of the person's sight since: nothing to act on
        if msg.bot_id != app.bot_id:
            return
        if content is None:
            delete_tx(tx, log, channel, msg)
            return
        text, blocks, attachments = content
        set_content_tx(
            tx,
            log,
            hub.urls,
            known,
            channel,
            msg,
            text=text,
            blocks=blocks,
            attachments=attachments,
        )

    await commit_showing_files(hub, await home(hub, person, channel_id), unit)
