"""Slash commands: `/weather Paris` sent to the app that owns the command, over HTTP (a signed,
form-encoded POST) or Socket Mode (a `slash_commands` envelope); what the app answers at once,
and what it later POSTs to the command's response_url, shown ephemeral or in the channel.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from hubbub.domain import apps as rules
from hubbub.domain.apps import App, Command
from hubbub.domain.ephemerals import Ephemeral
from hubbub.domain.errors import SlackError
from hubbub.domain.ids import invite_team, new_id, new_invite_code, token_hash
from hubbub.domain.model import Channel, Identity, Team, User
from hubbub.domain.text import check_content
from hubbub.domain.ts import from_micros, is_ts
from hubbub.services import app_requests, ephemerals
from hubbub.services.access import home, visible_channel, writable_channel
from hubbub.services.hub import EventLog, Hub
from hubbub.services.messages import (
    EPHEMERAL_SEQ,
    channel_type,
    insert_tx,
    remove_tx,
    thread_parent,
    user_stream,
)
from hubbub.store.tx import Tx

MAX_TEXT = 4000


@dataclass(frozen=True, slots=True)
class Invocation:
    team: Team
    user: User
    channel: Channel
    app: App
    command: Command


def _found(tx: Tx, who: Identity, channel: Channel, command: str) -> Invocation:
    # The caller's own workspace's app, also in a channel shared with it (its own install).
    found = tx.command_app(who.team_id, command)
    team, user = tx.get_team(who.team_id), tx.get_user(who.team_id, who.user_id)
    if found is None:
        raise SlackError("invalid_command", command=command)
    assert team is not None and user is not None
    return Invocation(team, user, channel, found[0], found[1])


async def run(hub: Hub, who: Identity, channel_id: str, command: str, text: str) -> dict[str, Any]:
    """chat.command: sends the command to its app; the app's immediate answer, shown as the
    app asked (ephemeral by default) and returned."""
    if who.bot_id is not None:
        raise SlackError("not_allowed_token_type")  # people run commands, as in Slack
    command = rules.check_command(command)
    if len(text) > MAX_TEXT:
        raise SlackError("msg_too_long")
    # A shared channel is on its host's shard; the app, its install and the person on theirs.
    host = await home(hub, who, channel_id)
    channel, _ = await hub.read(host, lambda tx: writable_channel(tx, who, channel_id))
    found = await hub.read(who.team_id, lambda tx: _found(tx, who, channel, command))
    code = new_invite_code(who.team_id)
    timings = hub.app_timings

    def unit(tx: Tx, _log: EventLog) -> None:
        tx.insert_command_response(
            who.team_id,
            token_hash(code),
            app_id=found.app.id,
            channel_id=found.channel.id,
            user_id=who.user_id,
            expires=tx.now + int(timings.command_response_ttl_s),
            uses=timings.command_response_uses,
            invocation=f"{command} {text}".rstrip(),
        )

    await hub.commit(who.team_id, unit)
    payload = {
        "token": found.app.verification_token,
        "team_id": found.team.id,
        "team_domain": found.team.domain,
        "channel_id": found.channel.id,
        "channel_name": channel_name(found.channel),
        "user_id": found.user.id,
        "user_name": found.user.name,
        "command": command,
        "text": text,
        "api_app_id": found.app.id,
        "is_enterprise_install": "false",
        "response_url": hub.urls.command_response(code),
        "trigger_id": f"{new_id('')}.{found.team.id}",
    }
    answer = await _send(hub, found, payload)
    if answer:
        await show(hub, found.app, found.channel.id, who.user_id, answer, code, immediate=True)
    return answer


def person_of(team_id: str, user_id: str) -> Identity:
    """The person an app answers, as access checks take them: what they may see, not a token."""
    return Identity(team_id, user_id, "xoxp", "", False, None, frozenset())


def channel_name(channel: Channel) -> str:
    """The channel's name as apps' payloads give it (Slack's: DMs and group DMs by kind)."""
    if channel.is_im:
        return "directmessage"
    if channel.is_mpim:
        return "privategroup"
    return channel.name


async def _send(hub: Hub, found: Invocation, payload: dict[str, str]) -> dict[str, Any]:
    return await app_requests.dispatch(
        hub,
        found.app,
        found.command.url,
        "slash_commands",
        payload,
        payload,
        accepts_response_payload=True,
    )


def _bot(app: App) -> Identity:
    return Identity(
        team_id=app.team_id,
        user_id=app.bot_user_id,
        token_kind="xoxb",
        token_hash="",
        is_admin=False,
        bot_id=app.bot_id,
        scopes=app.scopes,
        app_id=app.id,
    )


async def show(
    hub: Hub,
    app: App,
    channel_id: str,
    user_id: str,
    response: dict[str, Any],
    code: str,
    *,
    immediate: bool = False,
) -> None:
    """An app's answer to a command (its immediate one, or one POSTed to the response URL of
    `code`): in the channel as a message from its bot, or to the person alone (ephemeral, the
    default); replace_original and delete_original act on what this command last posted in
    the channel, and have nothing to act on in the immediate answer."""
    has_content = any(response.get(k) for k in ("text", "blocks", "attachments"))
    in_channel = response.get("response_type") == "in_channel"
    replace = bool(response.get("replace_original")) and not immediate
    delete = bool(response.get("delete_original")) and not immediate
    if not has_content and not delete:
        return
    if in_channel or replace or delete:
        await _in_channel(hub, app, channel_id, user_id, response, code, replace, delete)
    else:
        await _ephemeral(hub, app, channel_id, user_id, response)


async def _in_channel(
    hub: Hub,
    app: App,
    channel_id: str,
    user_id: str,
    response: dict[str, Any],
    code: str,
    replace: bool,
    delete: bool,
) -> None:
    team_id = app.team_id
    code_hash = token_hash(code)
    person = person_of(team_id, user_id)
    content = (
        None
        if delete
        else check_content(
            response.get("text"), response.get("blocks"), response.get("attachments")
        )
    )
    answer = _Answer(app, person, channel_id, content, response.get("thread_ts"), replace or delete)
    host = await home(hub, person, channel_id)
    if host == team_id:

        def unit(tx: Tx, log: EventLog) -> None:
            last = tx.command_response_ts(team_id, code_hash)
            invocation = None
            if content is not None:
                invocation = tx.take_command_invocation(team_id, code_hash)
            changed, ts = answer.post(tx, log, last, invocation)
            if changed:
                tx.set_command_response_ts(team_id, code_hash, ts)

        await hub.commit(team_id, unit)
        return
    # A channel shared with the app's workspace: the messages go on the host's shard, the
    # command's record stays on the app's. Read the record, post, then record what was posted:
    # a crash before the last step shows the person's `/cmd text` again with a later answer,
    # never loses the answer.
    last, invocation = await hub.read(
        team_id,
        lambda tx: (
            tx.command_response_ts(team_id, code_hash),
            tx.command_invocation(team_id, code_hash) if content is not None else None,
        ),
    )
    changed, ts = await hub.commit(
        host, lambda tx, log: answer.post(tx, log, last, invocation, team=team_id)
    )

    def record(tx: Tx, _log: EventLog) -> None:
        if invocation is not None:
            tx.take_command_invocation(team_id, code_hash)
        if changed:
            tx.set_command_response_ts(team_id, code_hash, ts)

    await hub.commit(team_id, record)


@dataclass(frozen=True, slots=True)
class _Answer:
    """An app's answer to a command in the channel, as it is written on the channel's shard."""

    app: App
    person: Identity
    channel_id: str
    content: tuple[str, Any, Any] | None  # None: delete only
    thread_ts: Any
    acts_on_last: bool  # replace_original or delete_original

    def post(
        self,
        tx: Tx,
        log: EventLog,
        last: str | None,
        invocation: str | None,
        *,
        team: str | None = None,
    ) -> tuple[bool, str | None]:
        """Deletes what the command last posted if asked, posts the invocation (if given) and
        the answer; returns whether the command's last ts changes, and to what. team: the
        authors' workspace where it is not the channel's (an app of a guest workspace)."""
        # Where the person ran the command: the app answers there, member or not.
        channel, _ = visible_channel(tx, self.person, self.channel_id)
        changed, ts = False, last
        if self.acts_on_last and last is not None:
            old = tx.get_message(channel.team_id, channel.id, last)
            if old is not None:
                remove_tx(tx, log, channel, old)
            changed, ts = True, None
        if self.content is None:
            return changed, ts
        text, blocks, attachments = self.content
        parent = None
        if isinstance(self.thread_ts, str) and is_ts(self.thread_ts):
            parent = thread_parent(tx, channel, self.thread_ts)
        # Slack shows the person's `/cmd text` in the channel with the first answer that is
        # in the channel (immediate or through the response URL), so everyone sees what was
        # asked; once, however many answers follow.
        if invocation is not None:
            insert_tx(tx, log, channel, user_id=self.person.user_id, text=invocation, team=team)
        msg = insert_tx(
            tx,
            log,
            channel,
            user_id=self.app.bot_user_id,
            bot_id=self.app.bot_id,
            text=text,
            blocks=blocks,
            attachments=attachments,
            parent=parent,
            team=team,
        )
        return True, msg.ts


async def _ephemeral(
    hub: Hub, app: App, channel_id: str, user_id: str, response: dict[str, Any]
) -> None:
    text, blocks, attachments = check_content(
        response.get("text"), response.get("blocks"), response.get("attachments")
    )
    person = person_of(app.team_id, user_id)

    def unit(tx: Tx) -> tuple[Channel, str]:
        channel, _ = visible_channel(tx, person, channel_id)
        return channel, from_micros(tx.now_us)

    channel, ts = await hub.read(await home(hub, person, channel_id), unit)
    # Kept, so that a press on it reaches the app (services/ephemerals.py).
    shown = Ephemeral(app.team_id, user_id, ts, channel.id, app.bot_id, text, blocks, attachments)
    ts = await ephemerals.keep(hub, shown)
    event: dict[str, Any] = {
        "type": "message",
        "user": app.bot_user_id,
        "bot_id": app.bot_id,
        "text": text,
        "ts": ts,
        "team": app.team_id,
        "channel": channel.id,
        "channel_type": channel_type(channel),
        "is_ephemeral": True,
        "event_ts": ts,
    }
    if blocks is not None:
        event["blocks"] = blocks
    if attachments is not None:
        event["attachments"] = attachments
    await hub.bus.publish(user_stream(user_id), EPHEMERAL_SEQ, orjson.dumps(event))


async def respond(hub: Hub, code: str, response: Any) -> None:
    """A POST to a response_url: shown as `show` shows it."""
    app, target = await redeem(hub, code, response)
    await show(hub, app, target["channel_id"], target["user_id"], response, code)


async def redeem(
    hub: Hub, code: str, response: Any, *, pressed: bool = False
) -> tuple[App, dict[str, Any]]:
    """One use of a response URL (a command's, or a press's when `pressed`): the app it
    answers for and what it was issued for. expired_url once it is 30 minutes old or used 5
    times, invalid_url for a code of nobody's, invalid_payload for a body that is no object."""
    team_id = invite_team(code)
    if team_id is None:
        raise SlackError("invalid_url")
    if not isinstance(response, dict):
        raise SlackError("invalid_payload")

    def unit(tx: Tx, _log: EventLog) -> tuple[App, dict[str, Any]] | None:
        target = tx.use_command_response(team_id, token_hash(code), pressed=pressed)
        if target is None:
            return None
        app = tx.get_app(team_id, target["app_id"])
        return None if app is None else (app, target)

    try:
        found = await hub.commit(team_id, unit)
    except SlackError as exc:
        if exc.code == "team_not_found":
            raise SlackError("invalid_url") from exc
        raise
    if found is None:
        raise SlackError("expired_url")
    return found
