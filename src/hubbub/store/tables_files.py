"""The tables of files (docs/files.md): the files, upload URLs handed out, the messages that
share them, and their thumbnails. Declared on tables.py's metadata, which imports this module:
the one schema holds them."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Index,
    Integer,
    String,
    Table,
    Text,
)
from sqlalchemy.types import BigInteger

from hubbub.store.tables import metadata

# Files (docs/files.md), under the uploader's workspace: one row from the moment an upload URL is
# handed out. The bytes are a blob named by blob_key (content-addressed per workspace, so several
# rows may name one key); state is pending, uploaded, ready or deleted (domain/files.py).
files = Table(
    "files",
    metadata,
    Column("team_id", String(16), primary_key=True),
    Column("file_id", String(16), primary_key=True),
    Column("user_id", String(16), nullable=False),
    Column("created", BigInteger, nullable=False),
    Column("name", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("mimetype", Text, nullable=False),
    Column("filetype", String(32), nullable=False),
    Column("size", BigInteger, nullable=False, default=0),
    Column("state", String(16), nullable=False),
    Column("blob_key", Text),
    Column("sha256", String(64)),
    Column("alt_txt", Text),
    Column("snippet_type", String(40)),
    # Set by the thumbnail job once it has read the image (services/thumbnails.py): its size
    # as shown, and {edge: [w, h]} of each thumbnail made (file_thumbs has their blobs).
    Column("original_w", Integer),
    Column("original_h", Integer),
    Column("thumbs", Text),
    Column("updated", BigInteger, nullable=False),
    # What search.files matches: the name and title folded (domain/search_text.py file_body),
    # written with them (migration 0018; PostgreSQL's trigram index on it is the migration's).
    Column("search_body", Text),
    # files.list: newest first, of the workspace or of one person.
    Index("ix_files_created", "team_id", "created", "file_id"),
    Index("ix_files_user", "team_id", "user_id", "created"),
    # Whether another file still names a blob, before the blob goes with a deleted one.
    Index("ix_files_blob", "team_id", "blob_key"),
)

# Upload URLs handed out and not used yet: the length announced, by whom, until when
# (microseconds). The URL's secret is a ticket (tickets/port.py); this row is what the upload
# must match, and what the quota counts while the bytes are on their way.
file_uploads = Table(
    "file_uploads",
    metadata,
    Column("team_id", String(16), primary_key=True),
    Column("file_id", String(16), primary_key=True),
    Column("user_id", String(16), nullable=False),
    Column("length", BigInteger, nullable=False),
    Column("expires", BigInteger, nullable=False),
    Column("created", BigInteger, nullable=False),
)

# Each message that shares a file, under the file's workspace; channel_team_id is the
# channel's own (a shared channel's host), whose shard holds the message.
file_shares = Table(
    "file_shares",
    metadata,
    Column("team_id", String(16), primary_key=True),
    Column("file_id", String(16), primary_key=True),
    Column("channel_id", String(16), primary_key=True),
    Column("ts", String(24), primary_key=True),
    Column("channel_team_id", String(16), nullable=False),
    Column("thread_ts", String(24)),
    Column("user_id", String(16), nullable=False),
    Column("created", BigInteger, nullable=False),
    # files.list of a channel.
    Index("ix_file_shares_channel", "channel_team_id", "channel_id", "created"),
)

# The thumbnails of a file (services/thumbnails.py): one row per edge, naming the blob of its
# bytes. Rows go with their file's deletion, in the same commit, so every row here names a blob
# a live file still uses (a blob goes only when no files or file_thumbs row names it).
file_thumbs = Table(
    "file_thumbs",
    metadata,
    Column("team_id", String(16), primary_key=True),
    Column("file_id", String(16), primary_key=True),
    Column("edge", String(8), primary_key=True),
    Column("width", Integer, nullable=False),
    Column("height", Integer, nullable=False),
    Column("mimetype", String(32), nullable=False),
    Column("blob_key", Text, nullable=False),
    Column("size", BigInteger, nullable=False),
    # Whether another file's thumbnail still names a blob (keys are per content).
    Index("ix_file_thumbs_blob", "team_id", "blob_key"),
)
