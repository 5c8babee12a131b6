"""All Web API method families, merged into one table."""

from __future__ import annotations

from hubbub.api import (
    apps,
    bookmarks,
    bots,
    chat,
    client,
    conversations,
    dnd,
    emoji,
    files,
    interactions,
    meta,
    notifications,
    pins,
    reactions,
    reminders,
    rtm,
    search,
    shares,
    shortcuts,
    team,
    usergroups,
    users,
    views,
)
from hubbub.api.registry import Method, merge


def method_table() -> dict[str, Method]:
    return merge(
        meta.router,
        chat.router,
        bots.router,
        reactions.router,
        pins.router,
        conversations.router,
        users.router,
        team.router,
        rtm.router,
        client.router,
        apps.router,
        dnd.router,
        notifications.router,
        shares.router,
        files.router,
        search.router,
        usergroups.router,
        emoji.router,
        bookmarks.router,
        reminders.router,
        interactions.router,
        views.router,
        shortcuts.router,
    )
