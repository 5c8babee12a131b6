"""The schema: one metadata. Every workspace-scoped table leads its primary key with team_id
(docs/architecture.md §2). The tables of people, channels, messages and their log are here;
those of apps, background jobs, shared channels and files are in tables_apps.py, tables_jobs.py,
tables_shares.py and tables_files.py, declared on this metadata and imported at the end of this
module, so that whatever imports either holds the whole schema (migrations, moves, shard loads).
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.types import BigInteger

metadata = MetaData()

# SQLite only aliases the rowid for a column declared exactly INTEGER.
AutoId = BigInteger().with_variant(Integer(), "sqlite")

teams = Table(
    "teams",
    metadata,
    Column("team_id", String(16), primary_key=True),
    Column("name", Text, nullable=False),
    Column("domain", String(32), nullable=False, unique=True),
    Column("created", BigInteger, nullable=False),
    # The team's own event stream (channel_created, team_join, user_change, ...).
    Column("last_seq", BigInteger, nullable=False, server_default="0"),
)

users = Table(
    "users",
    metadata,
    Column("team_id", String(16), primary_key=True),
    Column("user_id", String(16), primary_key=True),
    Column("name", Text, nullable=False),
    Column("real_name", Text, nullable=False),
    Column("email", Text),
    Column("is_admin", Boolean, nullable=False, default=False),
    Column("is_owner", Boolean, nullable=False, default=False),
    Column("is_bot", Boolean, nullable=False, default=False),
    Column("bot_id", String(16)),
    Column("deleted", Boolean, nullable=False, default=False),
    Column("tz", Text, nullable=False, default="UTC"),
    Column("manual_away", Boolean, nullable=False, default=False),
    Column("password_hash", Text),
    Column("profile", Text, nullable=False, default="{}"),
    Column("created", BigInteger, nullable=False),
    Column("updated", BigInteger, nullable=False),
    UniqueConstraint("team_id", "email", name="uq_users_email"),
    UniqueConstraint("team_id", "name", name="uq_users_name"),
    # An address in any workspace of the shard (people_anywhere: inviteShared by email).
    Index("ix_users_email", "email"),
)

tokens = Table(
    "tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("team_id", String(16), nullable=False),
    Column("user_id", String(16), nullable=False),
    Column("kind", String(8), nullable=False),
    Column("scopes", Text, nullable=False, default=""),
    Column("created", BigInteger, nullable=False),
    Column("revoked", Boolean, nullable=False, default=False),
    # The app a bot token or app-level token belongs to: its scopes are enforced.
    Column("app_id", String(16)),
    Index("ix_tokens_user", "team_id", "user_id"),
)

# Links that let anyone who holds one sign up into the workspace: the code only as its hash.
invites = Table(
    "invites",
    metadata,
    Column("team_id", String(16), primary_key=True),
    Column("code_hash", String(64), primary_key=True),
    Column("created_by", String(16), nullable=False),
    Column("created", BigInteger, nullable=False),
    Column("expires", BigInteger, nullable=False),
    # A claim link's: the one person whose account it hands over, once (docs/import.md).
    Column("user_id", String(16)),
)

channels = Table(
    "channels",
    metadata,
    Column("team_id", String(16), primary_key=True),
    Column("channel_id", String(16), primary_key=True),
    Column("name", Text, nullable=False),
    Column("is_private", Boolean, nullable=False, default=False),
    Column("is_im", Boolean, nullable=False, default=False),
    Column("is_mpim", Boolean, nullable=False, default=False),
    Column("creator", String(16), nullable=False),
    Column("created", BigInteger, nullable=False),
    Column("is_archived", Boolean, nullable=False, default=False),
    Column("topic", Text, nullable=False, default=""),
    Column("topic_creator", String(16), nullable=False, default=""),
    Column("topic_last_set", BigInteger, nullable=False, default=0),
    Column("purpose", Text, nullable=False, default=""),
    Column("purpose_creator", String(16), nullable=False, default=""),
    Column("purpose_last_set", BigInteger, nullable=False, default=0),
    Column("last_seq", BigInteger, nullable=False, default=0),
    # The channel's last message ts in microseconds: an integer, so the next one can be taken
    # in the same UPDATE that takes the next seq.
    Column("last_us", BigInteger, nullable=False, default=0),
    # It has been shared, or offered, to another workspace (channel_shares): read with the channel,
    # so that only those channels pay for looking their shares up.
    Column("has_shares", Boolean, nullable=False, default=False, server_default="0"),
    # Its rows in members, kept by add_member and remove_member in the same transaction:
    # conversations.info and .list read it instead of counting a 100,000-member channel's rows.
    Column("num_members", BigInteger, nullable=False, default=0, server_default="0"),
    UniqueConstraint("team_id", "name", name="uq_channels_name"),
)

members = Table(
    "members",
    metadata,
    Column("team_id", String(16), primary_key=True),
    Column("channel_id", String(16), primary_key=True),
    Column("user_id", String(16), primary_key=True),
    Column("joined", BigInteger, nullable=False),
    Column("last_read", String(24), nullable=False, default="0000000000.000000"),
    # The workspace of a member from another workspace the channel is shared with; NULL: the
    # channel's own.
    Column("member_team", String(16)),
    # The seq before the first event of the unit of work that made them a member, where a
    # resume starts a conversation joined since its cursor (migration 0030); NULL for a member
    # made with no event (an import), who starts at the first event since `joined`.
    Column("joined_after", BigInteger),
    Index("ix_members_user", "team_id", "user_id", "channel_id"),
)

messages = Table(
    "messages",
    metadata,
    Column("team_id", String(16), primary_key=True),
    Column("channel_id", String(16), primary_key=True),
    Column("ts", String(24), primary_key=True),
    Column("user_id", String(16), nullable=False),
    Column("bot_id", String(16)),
    Column("subtype", String(32)),
    Column("text", Text, nullable=False),
    Column("blocks", Text),
    Column("attachments", Text),
    Column("extra", Text),
    Column("thread_ts", String(24)),
    # A reply that is also shown in the channel (reply_broadcast) sits in both views.
    Column("in_channel", Boolean, nullable=False),
    Column("reply_count", Integer, nullable=False, default=0),
    Column("reply_users", Text, nullable=False, default="[]"),
    Column("latest_reply", String(24)),
    Column("edited_ts", String(24)),
    Column("edited_by", String(16)),
    Column("client_msg_id", String(64)),
    Column("seq", BigInteger, nullable=False),
    Index("ix_messages_thread", "team_id", "channel_id", "thread_ts", "ts"),
    # Only messages that carry a client_msg_id: most do not, and every entry costs each insert.
    Index(
        "uq_messages_client_msg_id",
        "team_id",
        "user_id",
        "client_msg_id",
        unique=True,
        sqlite_where=text("client_msg_id IS NOT NULL"),
        postgresql_where=text("client_msg_id IS NOT NULL"),
    ),
)

# The search index (docs/search.md): one row per searchable message, its text folded
# (domain/search_text.py fold), written in the transaction that writes the message
# (store/queries/messages.py). The id is the shard's own, in the order messages were indexed:
# a search's candidates are the newest ids that match, and SQLite's FTS5 table (migration
# 0015, trigram, not declared here as SQLAlchemy cannot) is keyed by it. PostgreSQL indexes
# `body` with pg_trgm (migration 0015 too). A move renumbers the rows (store/move.py).
search_docs = Table(
    "search_docs",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("team_id", String(16), nullable=False),
    Column("channel_id", String(16), nullable=False),
    Column("ts", String(24), nullable=False),
    Column("user_id", String(16), nullable=False),
    Column("has_link", Boolean, nullable=False),
    Column("body", Text, nullable=False),
    # PostgreSQL: the keys of its word boundaries, which a GIN index answers phrases (the
    # windows of its spaces, migration 0025) and prefixes (its words' starts, 0031) from
    # (domain/search_text.py boundary_hashes); NULL on SQLite (search_keys).
    Column("boundary_keys", ARRAY(Integer).with_variant(Text(), "sqlite")),
    # Edits and deletes find the row by the message's key; an in: search walks it by ts.
    Index("uq_search_docs_message", "team_id", "channel_id", "ts", unique=True),
    # A search walks the workspace's rows newest first; those of a few channels (in:) it
    # walks by the message's key above, newest ts first (migration 0028).
    Index("ix_search_docs_team", "team_id", "id"),
    # from: and has:link walk their own rows newest first (migration 0017).
    Index("ix_search_docs_user", "team_id", "user_id", "id"),
    Index(
        "ix_search_docs_link",
        "team_id",
        "id",
        sqlite_where=text("has_link = 1"),
        postgresql_where=text("has_link"),
    ),
)

reactions = Table(
    "reactions",
    metadata,
    Column("team_id", String(16), primary_key=True),
    Column("channel_id", String(16), primary_key=True),
    Column("ts", String(24), primary_key=True),
    Column("name", String(100), primary_key=True),
    Column("user_id", String(16), primary_key=True),
    Column("created", BigInteger, nullable=False),
    # reactions.list: one person's reactions, newest first.
    Index("ix_reactions_user", "team_id", "user_id", "created"),
)

pins = Table(
    "pins",
    metadata,
    Column("team_id", String(16), primary_key=True),
    Column("channel_id", String(16), primary_key=True),
    Column("ts", String(24), primary_key=True),
    Column("pinned_by", String(16), nullable=False),
    Column("created", BigInteger, nullable=False),
)

# The ordered log each channel's (and each team's) delivery replays: docs/architecture.md §3.
channel_events = Table(
    "channel_events",
    metadata,
    Column("team_id", String(16), primary_key=True),
    Column("stream", String(16), primary_key=True),
    Column("seq", BigInteger, primary_key=True),
    Column("type", String(40), nullable=False),
    Column("payload", LargeBinary, nullable=False),
    Column("created", BigInteger, nullable=False),
)

# Written in the same transaction as the event; the relay publishes what a crash left behind.
outbox = Table(
    "outbox",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("team_id", String(16), nullable=False),
    Column("stream", String(16), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("created", BigInteger, nullable=False),
    # A notice's own bytes (seq 0, never logged: a join notice, services/hub.py); NULL for an
    # event, whose bytes are its row in channel_events.
    Column("payload", LargeBinary),
)


# Link previews already fetched (services/previews.py), by the URL's SHA-256: the page's preview
# as JSON, or NULL for a page that has none, until `expires` (microseconds).
link_previews = Table(
    "link_previews",
    metadata,
    Column("team_id", String(16), primary_key=True),
    Column("url_hash", String(64), primary_key=True),
    Column("url", Text, nullable=False),
    Column("preview", Text),
    Column("expires", BigInteger, nullable=False),
    # The sweep of expired rows (jobs/preview_sweep.py) reads only what it deletes.
    Index("ix_link_previews_expires", "expires"),
)

# Incoming webhooks: `/services/<team_id>/<webhook_id>/<secret>` posts to channel_id as user_id
# (a bot). Only the secret's hash is kept.
webhooks = Table(
    "webhooks",
    metadata,
    Column("team_id", String(16), primary_key=True),
    Column("webhook_id", String(16), primary_key=True),
    Column("channel_id", String(16), nullable=False),
    Column("user_id", String(16), nullable=False),
    Column("secret_hash", String(64), nullable=False),
    Column("created", BigInteger, nullable=False),
)

# Notifications (services/notify.py): one row per person per message that notified them, so
# the same (person, channel, ts) is one notification however often its job runs.
notifications = Table(
    "notifications",
    metadata,
    Column("team_id", String(16), primary_key=True),
    Column("user_id", String(16), primary_key=True),
    Column("channel_id", String(16), primary_key=True),
    Column("ts", String(24), primary_key=True),
    Column("author_id", String(16), nullable=False),
    # Why: mention, here, channel, dm, thread or message (a channel set to `all`).
    Column("reason", String(16), nullable=False),
    Column("thread_ts", String(24)),
    Column("created", BigInteger, nullable=False),
    # When its email went out (microseconds), so a retried email job does not send it again.
    Column("emailed", BigInteger),
    Index("ix_notifications_user", "team_id", "user_id", "created"),
)

# Per person and conversation: how much of it notifies them. level NULL: the default
# (mentions for channels, all for DMs).
notification_prefs = Table(
    "notification_prefs",
    metadata,
    Column("team_id", String(16), primary_key=True),
    Column("user_id", String(16), primary_key=True),
    Column("channel_id", String(16), primary_key=True),
    Column("level", String(16)),
    Column("muted", Boolean, nullable=False, default=False),
    Column("updated", BigInteger, nullable=False),
    # Who in a channel hears every message: the reactor asks it of plain messages.
    Index("ix_notification_prefs_channel", "team_id", "channel_id", "level"),
)

# Do not disturb: a snooze until a time (unix seconds); no row, no snooze.
dnd = Table(
    "dnd",
    metadata,
    Column("team_id", String(16), primary_key=True),
    Column("user_id", String(16), primary_key=True),
    Column("snooze_until", BigInteger, nullable=False),
    Column("updated", BigInteger, nullable=False),
)


# User groups (Slack's subteams: domain/usergroups.py). name_key is the name case-folded: two
# groups may not share it, nor a handle. channels: the default channels' ids, comma-separated.
usergroups = Table(
    "usergroups",
    metadata,
    Column("team_id", String(16), primary_key=True),
    Column("usergroup_id", String(16), primary_key=True),
    Column("name", Text, nullable=False),
    Column("name_key", Text, nullable=False),
    Column("handle", String(32), nullable=False),
    Column("description", Text, nullable=False),
    Column("channels", Text, nullable=False),
    Column("created", BigInteger, nullable=False),
    Column("created_by", String(16), nullable=False),
    Column("updated", BigInteger, nullable=False),
    Column("updated_by", String(16), nullable=False),
    Column("deleted", BigInteger, nullable=False),
    Column("deleted_by", String(16), nullable=True),
    UniqueConstraint("team_id", "name_key", name="uq_usergroups_name"),
    UniqueConstraint("team_id", "handle", name="uq_usergroups_handle"),
)
usergroup_members = Table(
    "usergroup_members",
    metadata,
    Column("team_id", String(16), primary_key=True),
    Column("usergroup_id", String(16), primary_key=True),
    Column("user_id", String(16), primary_key=True),
    # The groups of one person: their mentions count in client.counts (services/unreads.py).
    Index("ix_usergroup_members_user", "team_id", "user_id"),
)

# Custom emoji (domain/emoji.py): an image's blob (keys.py; the files sweep keeps a blob an emoji
# names), or an alias of another emoji of the workspace.
emoji = Table(
    "emoji",
    metadata,
    Column("team_id", String(16), primary_key=True),
    Column("name", String(100), primary_key=True),
    Column("user_id", String(16), nullable=False),
    Column("created", BigInteger, nullable=False),
    Column("blob_key", Text, nullable=True),
    Column("sha256", String(64), nullable=True),
    Column("mimetype", String(32), nullable=True),
    Column("alias_for", String(100), nullable=True),
)

# Channel bookmarks (domain/bookmarks.py): links, listed by position, the order they were added.
bookmarks = Table(
    "bookmarks",
    metadata,
    Column("team_id", String(16), primary_key=True),
    Column("channel_id", String(16), primary_key=True),
    Column("bookmark_id", String(24), primary_key=True),
    # Its place in the channel's list: one past the last when it was added.
    Column("position", BigInteger, nullable=False),
    Column("title", Text, nullable=False),
    Column("link", Text, nullable=False),
    Column("emoji", String(128), nullable=False),
    Column("created", BigInteger, nullable=False),
    Column("updated", BigInteger, nullable=False),
    Column("updated_by", String(16), nullable=False),
)

# Where `hubbub serve` said it is reached when it started (services/served.py): `hubbub admin`
# and `hubbub worker`, other processes on the same data, hand out URLs from it. No workspace's
# rows: a move leaves it be (store/move.py). The sharded deployment keeps it in its directory.
served_at = Table(
    "served_at",
    metadata,
    Column("name", String(32), primary_key=True),  # "base_url", the only one so far
    Column("url", Text, nullable=False),
    Column("updated", BigInteger, nullable=False),
)

# The shared settings stored (domain/shared_settings.py): a name, its value as JSON. Like
# served_at, about the deployment, not a workspace; the sharded deployment's are in its
# directory.
shared_settings = Table(
    "shared_settings",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated", BigInteger, nullable=False),
)


# Last: they declare their tables on the metadata above, which must exist first.
from hubbub.store import tables_apps, tables_files, tables_jobs, tables_shares  # noqa: E402, F401
