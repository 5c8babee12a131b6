"""The tables of apps (docs/integrations.md): apps, their slash commands and those commands'
response URLs, apps' ephemeral messages kept for presses, and open modals. Declared on
tables.py's metadata, which imports this module: the one schema holds them."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Index,
    Integer,
    String,
    Table,
    Text,
)
from sqlalchemy.types import BigInteger

from hubbub.store.tables import metadata

# Apps (docs/integrations.md): a bot user, scopes, how events reach it. The signing secret is
# kept as it is: every request to the app is signed with it.
apps = Table(
    "apps",
    metadata,
    Column("team_id", String(16), primary_key=True),
    Column("app_id", String(16), primary_key=True),
    Column("name", Text, nullable=False),
    Column("bot_user_id", String(16), nullable=False),
    Column("bot_id", String(16), nullable=False),
    Column("scopes", Text, nullable=False),
    Column("signing_secret", String(64), nullable=False),
    Column("verification_token", String(64), nullable=False),
    Column("events", Text, nullable=False),
    Column("request_url", Text),
    Column("socket_mode", Boolean, nullable=False),
    Column("created", BigInteger, nullable=False),
    # Where interaction payloads (block_actions, ...) are POSTed; none: not over HTTP.
    Column("interactivity_url", Text),
    # Its shortcuts, as JSON: [{"kind","callback_id","name","description"}].
    Column("shortcuts", Text),
)

# Slash commands: each names its app, and the URL it is sent to (none: over Socket Mode).
app_commands = Table(
    "app_commands",
    metadata,
    Column("team_id", String(16), primary_key=True),
    Column("command", String(40), primary_key=True),
    Column("app_id", String(16), nullable=False),
    Column("url", Text),
    Column("description", Text, nullable=False),
)

# The response_url of one slash command: its code only as a hash, good for a while, a few times.
command_responses = Table(
    "command_responses",
    metadata,
    Column("team_id", String(16), primary_key=True),
    Column("code_hash", String(64), primary_key=True),
    Column("app_id", String(16), nullable=False),
    Column("channel_id", String(16), nullable=False),
    Column("user_id", String(16), nullable=False),
    Column("expires", BigInteger, nullable=False),
    Column("uses_left", Integer, nullable=False),
    # The message it last posted in the channel, for replace_original and delete_original.
    Column("last_ts", String(24)),
    # The person's `/cmd text`, until an in_channel answer shows it in the channel (once).
    Column("invocation", Text),
    # A press on a message's block: the message, which replace_original and delete_original
    # act on; none for a slash command's.
    Column("source_ts", String(24)),
)

# Apps' ephemeral messages with blocks or attachments (services/ephemerals.py), for a day: what
# a press on one, its response_url and the image proxy check against; never read as history.
ephemerals = Table(
    "ephemerals",
    metadata,
    Column("team_id", String(16), primary_key=True),
    Column("user_id", String(16), primary_key=True),
    Column("ts", String(24), primary_key=True),
    Column("channel_id", String(16), nullable=False),
    Column("bot_id", String(16), nullable=False),
    Column("body", Text, nullable=False),  # {"text", "blocks", "attachments"}
    Column("expires", BigInteger, nullable=False),  # seconds
)

# Modals open for a person (docs/integrations.md, Modals): each view of a stack, the root's
# id naming the stack; the view as the app gave it (JSON) and what the person last submitted.
views = Table(
    "views",
    metadata,
    Column("team_id", String(16), primary_key=True),
    Column("view_id", String(16), primary_key=True),
    Column("app_id", String(16), nullable=False),
    Column("bot_id", String(16), nullable=False),
    Column("user_id", String(16), nullable=False),
    Column("root_view_id", String(16), nullable=False),
    Column("previous_view_id", String(16)),
    Column("external_id", String(255)),
    Column("hash", String(32), nullable=False),
    Column("body", Text, nullable=False),
    Column("state", Text, nullable=False),
    Column("created", BigInteger, nullable=False),
    Index("ix_views_root", "team_id", "root_view_id"),
    Index("ix_views_external", "team_id", "external_id", unique=True),
)
