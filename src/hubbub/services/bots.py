"""Bots as bots.info shows them: an app's bot, a legacy bot or an incoming webhook's."""

from __future__ import annotations

from typing import Any

from hubbub.domain.errors import SlackError
from hubbub.domain.ids import is_slack_id
from hubbub.domain.model import Identity
from hubbub.domain.shapes import bot_json
from hubbub.services.hub import Hub
from hubbub.store.tx import Tx


async def info(hub: Hub, who: Identity, bot_id: str) -> dict[str, Any]:
    """A bot of who's workspace, by its B… id; bot_not_found for anything else."""
    if not (bot_id.startswith("B") and is_slack_id(bot_id)):
        raise SlackError("bot_not_found")

    def unit(tx: Tx) -> dict[str, Any]:
        user = tx.get_bot_user(who.team_id, bot_id)
        if user is None:
            raise SlackError("bot_not_found")
        return bot_json(user, tx.app_of_bot(who.team_id, bot_id))

    return await hub.read(who.team_id, unit)
