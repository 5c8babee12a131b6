"""Direct messages and group DMs: opening (or finding) the conversation; the conversation a
posting method's `channel` names (a person: the caller's DM with them)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from hubbub.domain.errors import SlackError
from hubbub.domain.ids import is_slack_id
from hubbub.domain.model import Channel, Identity, Membership, User
from hubbub.domain.names import im_key, mpim_name
from hubbub.domain.shapes import channel_json
from hubbub.services.access import as_seen_by, named_channel_id, visible_channel
from hubbub.services.channel_tx import new_channel
from hubbub.services.hub import EventLog, Hub
from hubbub.store.tx import Tx

MAX_MPIM_OTHERS = 8  # Slack: a group DM holds the caller and at most eight others
# Names of group DMs are not unique over time (people rename); how many namesakes we look past.
MAX_MPIM_NAMESAKES = 50


@dataclass(frozen=True, slots=True)
class Opened:
    channel: Channel
    membership: Membership
    already_open: bool


def _opened(tx: Tx, who: Identity, channel: Channel, already_open: bool) -> Opened:
    membership = tx.membership(who.team_id, channel.id, who.user_id)
    assert membership is not None
    return Opened(as_seen_by(channel, who.user_id), membership, already_open)


def _reopen(tx: Tx, who: Identity, channel_id: str) -> Opened:
    channel, _ = visible_channel(tx, who, channel_id)
    if not (channel.is_im or channel.is_mpim):
        raise SlackError("method_not_supported_for_channel_type")
    return _opened(tx, who, channel, True)


def open_im_tx(tx: Tx, log: EventLog, who: Identity, other: str) -> Opened:
    """The DM of who and other (an existing person: the caller checks), created if none is."""
    name = im_key(who.user_id, other)
    channel = tx.get_channel_by_name(who.team_id, name)
    if channel is not None:
        return _opened(tx, who, channel, True)
    channel = new_channel(who.team_id, who.user_id, name, tx.now, is_im=True)
    tx.insert_channel(channel)
    for user_id in {who.user_id, other}:
        tx.add_member(who.team_id, channel.id, user_id)
    log.channel_event(
        who.team_id,
        channel.id,
        {
            "type": "im_created",
            "user": who.user_id,
            "channel": {"id": channel.id, "user": other, "created": channel.created},
        },
    )
    return _opened(tx, who, channel, False)


def _new_mpim(tx: Tx, log: EventLog, who: Identity, name: str, people: list[User]) -> Channel:
    channel = new_channel(who.team_id, who.user_id, name, tx.now, is_mpim=True)
    channel = replace(
        channel,
        purpose="Group messaging with: " + " ".join(f"@{p.name}" for p in people),
        purpose_creator=who.user_id,
        purpose_last_set=tx.now,
    )
    tx.insert_channel(channel)
    for person in people:
        tx.add_member(who.team_id, channel.id, person.id)
    log.channel_event(
        who.team_id, channel.id, {"type": "mpim_joined", "channel": channel_json(channel)}
    )
    return channel


def _open_mpim(tx: Tx, log: EventLog, who: Identity, people: list[User]) -> Opened:
    """The group DM of exactly these people, created if none exists.

    Found by name, but a name only proves a match when the members agree too: a renamed person's
    namesake must never be let into someone else's conversation.
    """
    everyone = {p.id for p in people}
    names = [p.name for p in people]
    for index in range(1, MAX_MPIM_NAMESAKES + 1):
        name = mpim_name(names, index)
        found = tx.get_channel_by_name(who.team_id, name)
        if found is None:
            return _opened(tx, who, _new_mpim(tx, log, who, name, people), False)
        if found.is_mpim:
            current = tx.member_ids(who.team_id, found.id, "", len(everyone) + 1)
            if set(current) == everyone:
                return _opened(tx, who, found, True)
    raise SlackError("internal_error")


def _people(tx: Tx, who: Identity, user_ids: list[str]) -> list[User]:
    """The caller and the named others, checked: each must exist and be active."""
    found = tx.get_users(who.team_id, [*user_ids, who.user_id])
    people: list[User] = []
    for user_id in user_ids:
        user = found.get(user_id)
        if user is None:
            raise SlackError("user_not_found")
        if user.deleted:
            raise SlackError("user_disabled")
        people.append(user)
    me = found.get(who.user_id)
    assert me is not None
    return [me, *people]


async def open_conversation(
    hub: Hub, who: Identity, *, user_ids: list[str], channel_id: str | None
) -> Opened:
    """Opens the DM (one other person, or oneself) or group DM (2-8 others) of the given users."""
    others = [u for u in dict.fromkeys(user_ids) if u != who.user_id]
    if len(others) > MAX_MPIM_OTHERS:
        raise SlackError("too_many_users")

    def unit(tx: Tx, log: EventLog) -> Opened:
        if channel_id:
            return _reopen(tx, who, channel_id)
        people = _people(tx, who, others)
        if len(others) <= 1:
            return open_im_tx(tx, log, who, others[0] if others else who.user_id)
        return _open_mpim(tx, log, who, people)

    return await hub.commit(who.team_id, unit)


# The kinds of ids that name a person (W: an Enterprise Grid user, kept from imports).
_PERSON_KINDS = ("U", "W")


def is_person(target: str) -> bool:
    """A `channel` argument that names a person: the message goes to the caller's DM with
    them."""
    return is_slack_id(target) and target.startswith(_PERSON_KINDS)


def conversation_tx(tx: Tx, log: EventLog, who: Identity, target: str) -> str:
    """The id of the conversation a `channel` argument names: an id as it is; a channel's name
    (`#general`, `general`) in who's workspace; a person's id, who's DM with them, opened if
    need be (as Slack's chat.postMessage does). Anything unknown is channel_not_found."""
    if not is_person(target):
        return named_channel_id(tx, who, target)
    person = tx.get_user(who.team_id, target)
    if person is None or person.deleted:
        raise SlackError("channel_not_found")
    return open_im_tx(tx, log, who, person.id).channel.id
