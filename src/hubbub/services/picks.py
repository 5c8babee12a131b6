"""The people and conversations a person picked in an app's users, conversations or channels
select (domain/inputs.py Picks), checked against what the person may see before a press or a
submission reaches the app: one they cannot see is refused with the error for one that does not
exist (user_not_found, channel_not_found), so a pick never tells whether it does.
"""

from __future__ import annotations

from hubbub.domain.errors import SlackError
from hubbub.domain.inputs import Pick, conversation_kind
from hubbub.domain.model import Channel, Identity
from hubbub.services import users
from hubbub.services.access import home, visible_channel
from hubbub.services.hub import Hub
from hubbub.store.tx import Tx

# Each pick costs a read or two; one submission's are bounded in all, not only per element
# (domain/elements.py MAX_SELECTED), so a view of many multi-selects cannot cost thousands.
MAX_CHECKED = 200


async def check_picks(hub: Hub, who: Identity, picks: list[Pick]) -> None:
    """Each pick, one a person may see and the element allows; otherwise user_not_found or
    channel_not_found; past MAX_CHECKED different picks, invalid_arguments."""
    unique = list(dict.fromkeys(picks))
    if len(unique) > MAX_CHECKED:
        raise SlackError("invalid_arguments")
    for pick in unique:
        if pick.user:
            await _person(hub, who, pick.id)
        else:
            await _conversation(hub, who, pick)


async def _person(hub: Hub, who: Identity, user_id: str) -> None:
    # users.info's rule: the person's workspace, or someone of a workspace sharing a channel.
    found = await users.info(hub, who, user_id)
    if found.deleted:
        raise SlackError("user_not_found")


async def _conversation(hub: Hub, who: Identity, pick: Pick) -> None:
    def read(tx: Tx) -> Channel:
        channel, _ = visible_channel(tx, who, pick.id, shown=False)
        return channel

    channel = await hub.read(await home(hub, who, pick.id), read)
    kind = conversation_kind(
        is_im=channel.is_im, is_mpim=channel.is_mpim, private=channel.private_here
    )
    if kind not in pick.kinds or (pick.exclude_shared and channel.has_shares):
        raise SlackError("channel_not_found")
