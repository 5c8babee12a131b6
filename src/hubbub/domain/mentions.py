"""Whom a message's text mentions, in Slack's markup: `<@U…>` names a person, and `<!here>`,
`<!channel>` and `<!everyone>` reach every member; each may carry a `|label` (`<@U1|ada>`)."""

from __future__ import annotations

import re

BROADCASTS = ("here", "channel", "everyone")

_MENTION = re.compile(r"<(@[A-Z0-9]+|!(?:here|channel|everyone))(?:\|[^<>]*)?>")


def mentions(text: str, user_id: str) -> bool:
    """True if text names user_id or holds a broadcast that reaches every member."""
    wanted = "@" + user_id
    for found in _MENTION.finditer(text):
        target = found.group(1)
        if target == wanted or target[0] == "!":
            return True
    return False


def mention_markers(user_id: str) -> tuple[str, ...]:
    """Substrings of which every text that mentions user_id holds at least one: a store can
    pick out the few candidate texts with them before mentions() decides."""
    return ("<@" + user_id, *("<!" + b for b in BROADCASTS))


def mentioned(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """The user ids text names and the broadcasts (here, channel, everyone) it holds."""
    people: set[str] = set()
    broadcasts: set[str] = set()
    for found in _MENTION.finditer(text):
        target = found.group(1)
        (people if target[0] == "@" else broadcasts).add(target[1:])
    return frozenset(people), frozenset(broadcasts)


def may_mention(text: str) -> bool:
    """False only for a text that certainly mentions nobody: a cheap test before mentioned()."""
    return "<@" in text or "<!" in text
