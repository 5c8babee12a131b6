"""Whom a message's text mentions, in Slack's markup: `<@U…>` names a person, and `<!here>`,
`<!channel>` and `<!everyone>` reach every member, `<!subteam^S…>` the members of a user group;
each may carry a `|label` (`<@U1|ada>`, `<!subteam^S1|@devs>`)."""

from __future__ import annotations

import re
from collections.abc import Iterable

BROADCASTS = ("here", "channel", "everyone")

_MENTION = re.compile(r"<(@[A-Z0-9]+|!(?:here|channel|everyone))(?:\|[^<>]*)?>")
_SUBTEAM = re.compile(r"<!subteam\^(S[A-Z0-9]+)(?:\|[^<>]*)?>")
# A message names at most this many groups for notifications: beyond, the rest name nobody.
MAX_SUBTEAMS = 20


def mentions(text: str, user_id: str, groups: frozenset[str] = frozenset()) -> bool:
    """True if text names user_id, one of their enabled user groups (`groups`), or holds a
    broadcast that reaches every member."""
    wanted = "@" + user_id
    for found in _MENTION.finditer(text):
        target = found.group(1)
        if target == wanted or target[0] == "!":
            return True
    return bool(groups) and not groups.isdisjoint(subteams(text))


def mention_markers(user_id: str, groups: Iterable[str] = ()) -> tuple[str, ...]:
    """Substrings of which every text that mentions user_id (or one of their groups) holds at
    least one: a store can pick out the few candidate texts with them before mentions()
    decides."""
    return (
        "<@" + user_id,
        *("<!" + b for b in BROADCASTS),
        *("<!subteam^" + g for g in sorted(groups)),
    )


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


def subteams(text: str) -> frozenset[str]:
    """The ids of the user groups text mentions (the first MAX_SUBTEAMS of them)."""
    found: list[str] = []
    for match in _SUBTEAM.finditer(text):
        if match.group(1) not in found:
            found.append(match.group(1))
            if len(found) == MAX_SUBTEAMS:
                break
    return frozenset(found)
