"""Slackbot, Slack's own user (`USLACKBOT`), who says reminders and stands for the system in
tombstones and imports. hubbub keeps no row for it in any workspace; users.info answers it as
Slack does. No I/O here."""

from __future__ import annotations

from hubbub.domain.model import User

SLACKBOT = "USLACKBOT"


def slackbot_user(team_id: str) -> User:
    """Slackbot as Slack's users.info shows it in a workspace: name `slackbot`, real name
    `Slackbot`, and, as in Slack, `is_bot` false (apps tell it apart by its id)."""
    return User(
        team_id=team_id,
        id=SLACKBOT,
        name="slackbot",
        real_name="Slackbot",
        email=None,
        is_admin=False,
        is_owner=False,
        is_bot=False,
        bot_id=None,
        deleted=False,
        tz="America/Los_Angeles",
        manual_away=False,
        updated=0,
        profile={
            "display_name": "Slackbot",
            "first_name": "slackbot",
            "last_name": "",
        },
    )
