"""What each person sets about their notifications: do-not-disturb snoozes (dnd.*), a level and
mute per conversation (hubbub's users.prefs.*ChannelNotifications); and their notifications."""

from __future__ import annotations

from typing import Any

import orjson

from hubbub.domain.errors import SlackError
from hubbub.domain.model import Channel, Identity
from hubbub.domain.notify import (
    LEVELS,
    MAX_SNOOZE_MINUTES,
    Notification,
    Pref,
    dnd_status,
    snooze_fields,
)
from hubbub.services.access import home, visible_channel
from hubbub.services.hub import EventLog, Hub
from hubbub.services.messages import user_stream
from hubbub.store.tx import Tx

# dnd.teamInfo answers for at most this many people, as Slack's does.
MAX_TEAM_INFO_USERS = 50


# -- do not disturb --------------------------------------------------------------------------


def _person(who: Identity) -> None:
    """Snoozes are people's: a bot has no notifications to hold back."""
    if who.bot_id is not None:
        raise SlackError("user_is_bot")


def _dnd_updated(tx: Tx, events: EventLog, who: Identity, until: int) -> None:
    """Slack's `dnd_updated`, to the person's own sessions (ephemeral)."""
    status = {**dnd_status(until, tx.now, own=True)}
    status.pop("snooze_remaining", None)
    status.pop("snooze_is_indefinite", None)
    event = {
        "type": "dnd_updated",
        "user": who.user_id,
        "dnd_status": status,
        "event_ts": events.tx_ts(),
    }
    events.notices.append((user_stream(who.user_id), orjson.dumps(event)))


def check_minutes(value: int | None) -> int:
    """num_minutes of dnd.setSnooze: missing_duration without it, too_long past a year."""
    if value is None:
        raise SlackError("missing_duration")
    if value <= 0:
        raise SlackError("invalid_arguments")
    if value > MAX_SNOOZE_MINUTES:
        raise SlackError("too_long")
    return value


async def set_snooze(hub: Hub, who: Identity, num_minutes: int | None) -> dict[str, Any]:
    """Snoozes from now for num_minutes (a snooze on is moved, not added to)."""
    minutes = check_minutes(num_minutes)
    _person(who)

    def unit(tx: Tx, events: EventLog) -> dict[str, Any]:
        until = tx.now + minutes * 60
        tx.set_snooze(who.team_id, who.user_id, until)
        _dnd_updated(tx, events, who, until)
        return snooze_fields(until, tx.now)

    return await hub.commit(who.team_id, unit)


async def end_snooze(hub: Hub, who: Identity) -> dict[str, Any]:
    _person(who)

    def unit(tx: Tx, events: EventLog) -> dict[str, Any]:
        until = tx.snooze_until(who.team_id, who.user_id)
        if until <= tx.now:
            raise SlackError("snooze_not_active")
        tx.set_snooze(who.team_id, who.user_id, 0)
        _dnd_updated(tx, events, who, 0)
        return dnd_status(0, tx.now, own=True)

    return await hub.commit(who.team_id, unit)


async def end_dnd(hub: Hub, who: Identity) -> None:
    """dnd.endDnd: hubbub has no scheduled sessions, so this ends a snooze if one is on."""
    _person(who)

    def unit(tx: Tx, events: EventLog) -> None:
        if tx.snooze_until(who.team_id, who.user_id) > tx.now:
            tx.set_snooze(who.team_id, who.user_id, 0)
            _dnd_updated(tx, events, who, 0)

    await hub.commit(who.team_id, unit)


async def dnd_info(hub: Hub, who: Identity, user_id: str | None) -> dict[str, Any]:
    """The snooze_* fields only for the caller's own status, as in Slack."""
    target = user_id or who.user_id

    def unit(tx: Tx) -> dict[str, Any]:
        if tx.get_user(who.team_id, target) is None:
            raise SlackError("user_not_found")
        until = tx.snooze_until(who.team_id, target)
        return dnd_status(until, tx.now, own=target == who.user_id)

    return await hub.read(who.team_id, unit)


async def dnd_team_info(hub: Hub, who: Identity, user_ids: list[str]) -> dict[str, Any]:
    """Each named person of the workspace, without snooze fields; others are left out."""
    wanted = list(dict.fromkeys(user_ids))[:MAX_TEAM_INFO_USERS]

    def unit(tx: Tx) -> dict[str, Any]:
        found = tx.get_users(who.team_id, wanted)
        snoozes = tx.snoozes(who.team_id, found)
        return {u: dnd_status(snoozes.get(u, 0), tx.now, own=False) for u in wanted if u in found}

    return await hub.read(who.team_id, unit)


# -- per-conversation preferences ------------------------------------------------------------


def pref_json(channel_id: str, pref: Pref, is_dm: bool) -> dict[str, Any]:
    return {
        "channel": channel_id,
        "level": pref.effective(is_dm),
        "muted": pref.muted,
        "is_default": pref.level is None,
    }


async def set_channel_pref(
    hub: Hub, who: Identity, channel_id: str, level: str | None, muted: bool | None
) -> dict[str, Any]:
    """Sets what of a conversation notifies who: a level (all, mentions, nothing, or `default`)
    and/or whether it is muted; what is not given stays as it was."""
    if level is not None and level not in (*LEVELS, "default"):
        raise SlackError("invalid_level")
    _person(who)
    shared = await _hosted_elsewhere(hub, who, channel_id)

    def unit(tx: Tx, _events: EventLog) -> dict[str, Any]:
        channel = shared or visible_channel(tx, who, channel_id)[0]
        old = tx.notification_prefs(who.team_id, channel.id, [who.user_id]).get(who.user_id)
        old = old or Pref()
        new = Pref(
            old.level if level is None else (None if level == "default" else level),
            old.muted if muted is None else muted,
        )
        tx.set_notification_pref(who.team_id, who.user_id, channel.id, new)
        if shared is not None and (old.level == "all") != (new.level == "all"):
            tx.identity_changed = True  # the host's processes remember guests' listeners
        return pref_json(channel.id, new, channel.is_im or channel.is_mpim)

    return await hub.commit(who.team_id, unit)


async def _hosted_elsewhere(hub: Hub, who: Identity, channel_id: str) -> Channel | None:
    """A channel another workspace shares with who's, checked on its host's shard; None for
    any other, checked by the caller's unit. A person's settings stay on their own shard."""
    where = await home(hub, who, channel_id)
    if where == who.team_id:
        return None
    channel, _ = await hub.read(where, lambda tx: visible_channel(tx, who, channel_id))
    return channel


async def channel_prefs(hub: Hub, who: Identity, channel_id: str | None) -> list[dict[str, Any]]:
    """One conversation's preference (default or not), or every one who set."""
    shared = await _hosted_elsewhere(hub, who, channel_id) if channel_id else None

    def unit(tx: Tx) -> list[dict[str, Any]]:
        if channel_id:
            channel = shared or visible_channel(tx, who, channel_id)[0]
            found = tx.notification_prefs(who.team_id, channel.id, [who.user_id])
            pref = found.get(who.user_id, Pref())
            return [pref_json(channel.id, pref, channel.is_im or channel.is_mpim)]
        out = []
        for cid, pref in sorted(tx.user_notification_prefs(who.team_id, who.user_id).items()):
            conv = tx.get_channel(who.team_id, cid)
            if conv is not None:
                out.append(pref_json(cid, pref, conv.is_im or conv.is_mpim))
        return out

    return await hub.read(who.team_id, unit)


# -- a person's notifications ----------------------------------------------------------------


async def notifications(
    hub: Hub, who: Identity, before: tuple[int, str, str] | None, limit: int
) -> list[Notification]:
    """who's own notifications, newest first."""
    return await hub.read(
        who.team_id, lambda tx: tx.user_notifications(who.team_id, who.user_id, before, limit)
    )
