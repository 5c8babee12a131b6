"""What a notification shows of a message (domain/notify.py Notice): the desktop notice and the
email (services/notify.py, notify_email.py) name people as their own workspace shows them.
"""

from __future__ import annotations

from hubbub.domain.mentions import mentioned
from hubbub.domain.model import Channel, Message, User
from hubbub.domain.notify import Notice, plain_text
from hubbub.services.hub import Hub
from hubbub.store.tx import Tx


def display_name(user: User | None, fallback: str) -> str:
    if user is None:
        return fallback
    return str(user.profile.get("display_name") or "") or user.real_name or user.name


async def with_people(
    hub: Hub, elsewhere: dict[str, str], users: dict[str, User]
) -> dict[str, User]:
    """users, with the people of other workspaces (person -> workspace) as their own
    workspace's shard has them; one read per workspace."""
    by_team: dict[str, list[str]] = {}
    for user_id, team in elsewhere.items():
        by_team.setdefault(team, []).append(user_id)
    out = dict(users)
    for team, user_ids in sorted(by_team.items()):

        def read(tx: Tx, team: str = team, user_ids: list[str] = user_ids) -> dict[str, User]:
            return tx.get_users(team, user_ids)

        out.update(await hub.read(team, read))
    return out


def notice_of(
    tx: Tx,
    hub: Hub,
    msg: Message,
    channel: Channel,
    users: dict[str, User],
    shared: bool = False,
) -> Notice:
    named, _ = mentioned(msg.text)
    known = dict(users)
    absent = [u for u in (*named, msg.user_id) if u not in known]
    known.update(tx.get_users(msg.team_id, absent))
    names = {u: display_name(user, u) for u, user in known.items()}
    author = known.get(msg.user_id)
    author_name = str(msg.extra.get("username") or "") or display_name(author, msg.user_id)
    team = tx.get_team(msg.team_id)
    is_dm = channel.is_im or channel.is_mpim
    avatar = str(author.profile.get("image_48") or "") if author else ""
    return Notice(
        team_id=msg.team_id,
        team_name=team.name if team else msg.team_id,
        channel_id=channel.id,
        where=author_name if is_dm else "#" + channel.name,
        is_dm=is_dm,
        author_name=author_name,
        text=plain_text(msg.text, names),
        ts=msg.ts,
        permalink=hub.urls.permalink(msg),
        avatar=avatar,
        is_shared=shared,
    )
