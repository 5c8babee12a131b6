"""Apps as the domain sees them: what an app is, its scopes, which events it hears, how what it
is sent is signed. No I/O here."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from hubbub.domain.errors import SlackError

APP_TOKEN_KIND = "xapp"
APP_TOKEN_SCOPES = "connections:write"
MAX_COMMANDS = 50
MAX_URL = 2000
SHORTCUT_KINDS = ("global", "message")
MAX_SHORTCUTS = 10  # of each app (Slack: 10 of each kind)
MAX_SHORTCUT_NAME = 80
MAX_CALLBACK_ID = 255

# Bot token scopes an app may ask for (Slack's granular bot scopes that hubbub's methods use).
KNOWN_SCOPES = frozenset(
    {
        "app_mentions:read",
        "bookmarks:read",
        "bookmarks:write",
        "channels:history",
        "channels:join",
        "channels:manage",
        "channels:read",
        "chat:write",
        "chat:write.customize",
        "commands",
        "dnd:read",
        "dnd:write",
        "emoji:read",
        "files:read",
        "files:write",
        "groups:history",
        "groups:read",
        "groups:write",
        "im:history",
        "im:read",
        "im:write",
        "mpim:history",
        "mpim:read",
        "mpim:write",
        "pins:read",
        "pins:write",
        "reactions:read",
        "reactions:write",
        "team:read",
        "usergroups:read",
        "usergroups:write",
        "users.profile:read",
        "users:read",
        "users:read.email",
        "users:write",
    }
)

# The events an app may subscribe to, and the bot scope each needs (Slack's event pages).
EVENT_SCOPES: dict[str, str] = {
    "message.channels": "channels:history",
    "message.groups": "groups:history",
    "message.im": "im:history",
    "message.mpim": "mpim:history",
    "app_mention": "app_mentions:read",
    "reaction_added": "reactions:read",
    "reaction_removed": "reactions:read",
    "member_joined_channel": "channels:read",
    "member_left_channel": "channels:read",
    "channel_created": "channels:read",
    "channel_rename": "channels:read",
    "channel_archive": "channels:read",
    "channel_unarchive": "channels:read",
    "pin_added": "pins:read",
    "pin_removed": "pins:read",
    "team_join": "users:read",
    "user_change": "users:read",
    "file_created": "files:read",
    "file_shared": "files:read",
    "file_change": "files:read",
    "file_deleted": "files:read",
    "subteam_created": "usergroups:read",
    "subteam_updated": "usergroups:read",
    "subteam_members_changed": "usergroups:read",
    # Sent to the app whose own bot was added to or removed from a group, not logged.
    "subteam_self_added": "usergroups:read",
    "subteam_self_removed": "usergroups:read",
    "emoji_changed": "emoji:read",
    # The person opened the app's Home tab (services/views.py): Slack asks no scope for it.
    "app_home_opened": "",
}

# A message event's subscription by its channel_type.
MESSAGE_SUBSCRIPTION = {
    "channel": "message.channels",
    "group": "message.groups",
    "im": "message.im",
    "mpim": "message.mpim",
}

# Events that concern one conversation: an app hears them only where its bot is a member.
CHANNEL_EVENTS = frozenset(
    {
        "message",
        "app_mention",
        "reaction_added",
        "reaction_removed",
        "member_joined_channel",
        "member_left_channel",
        "channel_rename",
        "channel_archive",
        "channel_unarchive",
        "pin_added",
        "pin_removed",
        # Logged in each channel a file is shared in, naming it as channel_id (docs/files.md).
        "file_created",
        "file_shared",
        "file_change",
        "file_deleted",
    }
)

# Per channel kind, the word of the scopes that name it: channels:history, groups:read, ...
CHANNEL_SCOPE_WORD = {"channel": "channels", "group": "groups", "im": "im", "mpim": "mpim"}


@dataclass(frozen=True, slots=True)
class Command:
    command: str  # "/weather"
    url: str | None  # None: delivered over Socket Mode
    description: str = ""


@dataclass(frozen=True, slots=True)
class Shortcut:
    """A shortcut the app declares: `global` (Slack's `shortcut` payload, from anywhere) or
    `message` (`message_action`, on one message)."""

    kind: str
    callback_id: str
    name: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class App:
    team_id: str
    id: str
    name: str
    bot_user_id: str
    bot_id: str
    scopes: frozenset[str]
    signing_secret: str
    verification_token: str
    events: frozenset[str]
    request_url: str | None
    socket_mode: bool
    created: int
    commands: tuple[Command, ...] = ()
    # Slack's Interactivity request URL: where block_actions and the like are POSTed when the
    # app is not in Socket Mode; None: it takes none over HTTP.
    interactivity_url: str | None = None
    shortcuts: tuple[Shortcut, ...] = ()


@dataclass(frozen=True, slots=True)
class Timings:
    """How apps are delivered to (Settings: events_timeout_s, events_retry_delays_s, ...)."""

    # Slack's: a 2xx within 3 s is success; then retries at once, after 1 and after 5 minutes.
    http_timeout_s: float = 3.0
    retry_delays_s: tuple[float, ...] = (0.0, 60.0, 300.0)
    # Socket Mode: an envelope not acked in this time is sent again, retry_attempt counted.
    ack_timeout_s: float = 3.0
    # A Socket Mode connection is refreshed after this long; `warning` comes before it.
    socket_lifetime_s: float = 3600.0
    socket_warning_s: float = 10.0
    command_response_ttl_s: float = 1800.0
    command_response_uses: int = 5
    # An interaction's trigger_id opens a modal once, within this time (Slack's 3 s).
    trigger_ttl_s: float = 3.0


@dataclass(frozen=True, slots=True)
class ScopeNeed:
    """What a Web API method needs of an app's bot token.

    `any_of`: one of these scopes; `by_channel`: the one for the kind of the `channel`
    argument, of the family `<kind word>:<by_channel>` (channels:history, im:history, ...).
    """

    any_of: tuple[str, ...] = ()
    by_channel: str | None = None


def parse_list(value: str | Iterable[str] | None) -> list[str]:
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else list(value)
    return [v.strip() for v in items if v and v.strip()]


def check_scopes(scopes: Iterable[str]) -> frozenset[str]:
    found = frozenset(scopes)
    unknown = sorted(found - KNOWN_SCOPES)
    if unknown:
        raise SlackError("invalid_scope", scopes=unknown)
    return found


def check_events(events: Iterable[str]) -> frozenset[str]:
    found = frozenset(events)
    unknown = sorted(found - set(EVENT_SCOPES))
    if unknown:
        raise SlackError("invalid_event", events=unknown)
    return found


def event_scopes(events: Iterable[str]) -> set[str]:
    """The scopes subscribing to these events takes, granted with them as Slack asks."""
    return {EVENT_SCOPES[e] for e in events if EVENT_SCOPES[e]}


def check_command(command: str) -> str:
    command = command.strip().lower()
    if (
        not command.startswith("/")
        or not 2 <= len(command) <= 32
        or not all(c.isalnum() or c in "-_" for c in command[1:])
    ):
        raise SlackError("invalid_command")
    return command


def check_url(url: str | None) -> str | None:
    """An app's URL as given ("" or None: none), or invalid_url unless it is http(s); where it
    may point is the outbound policy's to decide, when it is called."""
    if not url:
        return None
    if not url.startswith(("http://", "https://")) or len(url) > MAX_URL:
        raise SlackError("invalid_url")
    return url


def check_shortcut(spec: str) -> Shortcut:
    """`global:<callback_id>:<name>` or `message:<callback_id>:<name>` (as `hubbub admin
    create-app --shortcut` takes it), or invalid_shortcut."""
    kind, _, rest = spec.partition(":")
    callback_id, _, name = rest.partition(":")
    name = name.strip()
    if (
        kind not in SHORTCUT_KINDS
        or not 0 < len(callback_id) <= MAX_CALLBACK_ID
        or not 0 < len(name) <= MAX_SHORTCUT_NAME
    ):
        raise SlackError("invalid_shortcut")
    return Shortcut(kind, callback_id, name)


def check_shortcuts(specs: Iterable[str]) -> tuple[Shortcut, ...]:
    made = tuple(check_shortcut(s) for s in specs)
    if len(made) > MAX_SHORTCUTS or len({(s.kind, s.callback_id) for s in made}) < len(made):
        raise SlackError("invalid_shortcut")
    return made


def needed_scopes(need: ScopeNeed, channel_kind: str | None) -> tuple[str, ...]:
    """The scopes of which one is needed, for a channel of this kind when it matters."""
    if need.by_channel is None:
        return need.any_of
    if channel_kind is None:
        return tuple(f"{w}:{need.by_channel}" for w in CHANNEL_SCOPE_WORD.values())
    return (f"{CHANNEL_SCOPE_WORD[channel_kind]}:{need.by_channel}",)


def missing_scope(granted: frozenset[str], needed: tuple[str, ...]) -> SlackError | None:
    if not needed or not granted.isdisjoint(needed):
        return None
    return SlackError("missing_scope", needed=",".join(needed), provided=",".join(sorted(granted)))


def subscription_of(event: dict[str, Any]) -> str | None:
    """The event subscription an event is heard under (message.channels, reaction_added)."""
    kind = event.get("type")
    if kind == "message":
        return MESSAGE_SUBSCRIPTION.get(str(event.get("channel_type")))
    return kind if isinstance(kind, str) and kind in EVENT_SCOPES else None


def event_channel(event: dict[str, Any]) -> str | None:
    """The conversation an event happens in, if it is about one."""
    if event.get("type") not in CHANNEL_EVENTS:
        return None
    item = event.get("item")
    if isinstance(item, dict) and isinstance(item.get("channel"), str):
        return str(item["channel"])
    channel = event.get("channel") or event.get("channel_id")
    if isinstance(channel, dict):
        channel = channel.get("id")
    return channel if isinstance(channel, str) else None


def event_id(stream: str, seq: int, event_type: str) -> str:
    """`Ev…`: names an event, not its delivery, as Slack's does: every app that hears it, and
    every retry, gets the same id. It comes from the event's place in the log (a rerun of its
    follow-up finds the same place); the type tells apart the app_mention made from a message
    and the message itself."""
    name = f"{stream}/{seq}/{event_type}".encode()
    return "Ev" + hashlib.sha256(name).hexdigest()[:16].upper()


def signature(signing_secret: str, timestamp: str, body: bytes) -> str:
    """Slack's request signature: v0=hex(HMAC-SHA256(secret, "v0:{timestamp}:{body}"))."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()
