"""Unread state: what a person has not read in each of their conversations (client.counts)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from hubbub.domain.mentions import mention_markers, mentions
from hubbub.domain.model import Identity, ReadState
from hubbub.services.hub import Hub
from hubbub.services.messages import TOMBSTONE
from hubbub.store.tx import Tx


@dataclass(frozen=True, slots=True)
class Unread:
    state: ReadState
    mention_count: int

    @property
    def has_unreads(self) -> bool:
        return self.state.unread_count > 0


def _unreads_tx(tx: Tx, who: Identity, channel_id: str | None = None) -> list[Unread]:
    """Two queries for all of who's conversations: the counts, then the few unread texts that
    may mention them, which domain/mentions.py decides on."""
    states = tx.read_states(who.team_id, who.user_id, tombstone=TOMBSTONE, channel_id=channel_id)
    candidates = tx.unread_texts(
        who.team_id,
        who.user_id,
        mention_markers(who.user_id),
        tombstone=TOMBSTONE,
        channel_id=channel_id,
    )
    mentioned = Counter(c for c, text in candidates if mentions(text, who.user_id))
    # A DM is all about its two people: every unread message in it counts, as Slack's badges do.
    return [Unread(s, s.unread_count if s.is_im else mentioned[s.channel_id]) for s in states]


async def unreads(hub: Hub, who: Identity) -> list[Unread]:
    """client.counts: every conversation who is a member of, archived ones left out."""
    return await hub.read(who.team_id, lambda tx: _unreads_tx(tx, who))
