"""Slack's JSON shapes for the records, built in one place for the API and the event stream."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from hubbub.domain.apps import App
from hubbub.domain.files import DELETED, File, SharedIn, is_snippet, pretty_type
from hubbub.domain.model import Channel, Message, Team, User
from hubbub.domain.thumbnails import SIZED_EDGES, THUMB_EDGES, thumb_name, thumb_type
from hubbub.domain.urls import PublicUrls
from hubbub.domain.zones import zone_at

# Kept in a message's extra, never shown: `unfurl_links=false` at posting (no link previews).
NO_UNFURL = "unfurl_links"
# Kept in the extra of a message that shares files: their (team, id) pairs, never shown as such;
# readers put the files as they are now in `files` (services/file_views.py).
FILE_REFS = "file_refs"
# Set only while a message is read (services/file_shown.py): its files whose rows are on another
# shard, still to be read there. Never stored, never shown.
FILES_ELSEWHERE = "files_elsewhere"
_UNSHOWN_EXTRA = frozenset({"parent_user_id", NO_UNFURL, FILE_REFS, FILES_ELSEWHERE})

# Kept in the extra of a message in a shared channel: its author's workspace (Slack's fields).
USER_TEAM = "user_team"
SOURCE_TEAM = "source_team"

_COLORS = ("9f69e7", "4bbe2e", "e7392d", "3c989f", "674b1b", "e96699", "e0a729", "684b6c")


def team_json(team: Team) -> dict[str, Any]:
    return {
        "id": team.id,
        "name": team.name,
        "domain": team.domain,
        "email_domain": "",
        "icon": {"image_default": True},
    }


def user_json(user: User, at: datetime) -> dict[str, Any]:
    """A person as Slack shows them; `at`: the instant their zone's offset is given for."""
    digest = hashlib.md5(user.id.encode(), usedforsecurity=False).hexdigest()
    display_name = str(user.profile.get("display_name", ""))
    # Slack splits the real name when first and last names were never set apart.
    first, _, last = user.real_name.partition(" ")
    profile: dict[str, Any] = {
        "real_name": user.real_name,
        "real_name_normalized": user.real_name,
        "display_name": display_name,
        "display_name_normalized": display_name,
        "first_name": str(user.profile.get("first_name", first)),
        "last_name": str(user.profile.get("last_name", last)),
        "title": str(user.profile.get("title", "")),
        "phone": str(user.profile.get("phone", "")),
        "skype": str(user.profile.get("skype", "")),
        "status_text": str(user.profile.get("status_text", "")),
        "status_emoji": str(user.profile.get("status_emoji", "")),
        "status_expiration": int(user.profile.get("status_expiration", 0)),
        "avatar_hash": digest[:12],
        "team": user.team_id,
    }
    if user.email:
        profile["email"] = user.email
    if user.bot_id:
        profile["bot_id"] = user.bot_id
    tz_label, tz_offset = zone_at(user.tz, at)
    return {
        "id": user.id,
        "team_id": user.team_id,
        "name": user.name,
        "deleted": user.deleted,
        "color": _COLORS[int(digest[:2], 16) % len(_COLORS)],
        "real_name": user.real_name,
        "tz": user.tz,
        "tz_label": tz_label,
        "tz_offset": tz_offset,
        "profile": profile,
        "is_admin": user.is_admin,
        "is_owner": user.is_owner,
        "is_primary_owner": user.is_owner,
        "is_restricted": False,
        "is_ultra_restricted": False,
        "is_bot": user.is_bot,
        "is_app_user": False,
        "updated": user.updated,
    }


# What a person's profile shows to people of other workspaces they share a channel with: their
# name, picture and status, never their email or phone, nor their roles at home.
_EXTERNAL_PROFILE = (
    "real_name",
    "real_name_normalized",
    "display_name",
    "display_name_normalized",
    "first_name",
    "last_name",
    "title",
    "status_text",
    "status_emoji",
    "status_expiration",
    "avatar_hash",
    "team",
    "bot_id",
)
_EXTERNAL_USER = (
    "id",
    "team_id",
    "name",
    "deleted",
    "color",
    "real_name",
    "tz",
    "tz_label",
    "tz_offset",
    "is_bot",
    "is_app_user",
    "updated",
)


def external_user_json(user: User, at: datetime) -> dict[str, Any]:
    """A person as Slack shows them to members of another organisation in a shared channel."""
    full = user_json(user, at)
    out = {key: full[key] for key in _EXTERNAL_USER}
    out["profile"] = {k: full["profile"][k] for k in _EXTERNAL_PROFILE if k in full["profile"]}
    out["is_stranger"] = False
    return out


def person_json(user: User, viewer_team: str, at: datetime) -> dict[str, Any]:
    """A person as the viewer's workspace sees them: in full if they are its own, else as met
    in a shared channel."""
    return user_json(user, at) if user.team_id == viewer_team else external_user_json(user, at)


def channel_json(
    channel: Channel,
    *,
    viewer: str | None = None,
    last_read: str | None = None,
    is_member: bool | None = None,
    num_members: int | None = None,
) -> dict[str, Any]:
    if channel.is_im:
        out: dict[str, Any] = {
            "id": channel.id,
            "created": channel.created,
            "is_im": True,
            "is_org_shared": False,
            "context_team_id": channel.team_id,
            "user": channel.im_user,
            "is_user_deleted": False,
            "priority": 0,
        }
    else:
        is_channel = not channel.private_here and not channel.is_mpim
        shared = bool(channel.shared_team_ids)
        out = {
            "id": channel.id,
            "name": channel.name,
            "is_channel": is_channel,
            "is_group": channel.private_here and not channel.is_mpim,
            "is_im": False,
            "is_mpim": channel.is_mpim,
            "is_private": channel.private_here,
            "created": channel.created,
            "is_archived": channel.is_archived,
            "is_general": channel.name == "general",
            "unlinked": 0,
            "name_normalized": channel.name,
            "is_shared": shared,
            "is_org_shared": False,
            "is_ext_shared": shared,
            "is_pending_ext_shared": bool(channel.pending_team_ids) and not shared,
            "pending_shared": list(channel.pending_team_ids),
            "context_team_id": channel.context_team_id or channel.team_id,
            "updated": channel.created * 1000,
            "creator": channel.creator,
            "topic": {
                "value": channel.topic,
                "creator": channel.topic_creator,
                "last_set": channel.topic_last_set,
            },
            "purpose": {
                "value": channel.purpose,
                "creator": channel.purpose_creator,
                "last_set": channel.purpose_last_set,
            },
            "previous_names": [],
        }
        if shared:
            out["shared_team_ids"] = list(channel.shared_team_ids)
            out["conversation_host_id"] = channel.team_id
            out["internal_team_ids"] = []
        if channel.pending_team_ids:
            out["pending_connected_team_ids"] = list(channel.pending_team_ids)
        if is_member is not None:
            out["is_member"] = is_member
    if last_read is not None:
        out["last_read"] = last_read
    if num_members is not None:
        out["num_members"] = num_members
    return out


_BOT_ICONS = ("image_36", "image_48", "image_72")


def bot_json(user: User, app: App | None) -> dict[str, Any]:
    """A bot as bots.info shows it: named after its app, if it has one."""
    out: dict[str, Any] = {
        "id": user.bot_id,
        "deleted": user.deleted,
        "name": app.name if app is not None else user.real_name,
        "updated": user.updated,
        "user_id": user.id,
        "icons": {k: str(user.profile[k]) for k in _BOT_ICONS if user.profile.get(k)},
    }
    if app is not None:
        out["app_id"] = app.id
    return out


def bot_profile_json(user: User, app: App) -> dict[str, Any]:
    """The `bot_profile` an app's messages carry: the bot as it was when it posted."""
    shown = bot_json(user, app)
    return {
        "id": shown["id"],
        "app_id": app.id,
        "name": shown["name"],
        "icons": shown["icons"],
        "deleted": shown["deleted"],
        "updated": shown["updated"],
        "team_id": user.team_id,
    }


def message_json(msg: Message, *, with_channel: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "message"}
    if msg.subtype:
        out["subtype"] = msg.subtype
    out["user"] = msg.user_id
    if msg.bot_id:
        out["bot_id"] = msg.bot_id
    out["text"] = msg.text
    out["ts"] = msg.ts
    # In a shared channel a message names its author's workspace, which may not be the host.
    out["team"] = msg.extra.get(USER_TEAM, msg.team_id)
    if with_channel:
        out["channel"] = msg.channel_id
    if msg.blocks is not None:
        out["blocks"] = msg.blocks
    if msg.attachments is not None:
        out["attachments"] = msg.attachments
    if msg.client_msg_id:
        out["client_msg_id"] = msg.client_msg_id
    if msg.thread_ts:
        out["thread_ts"] = msg.thread_ts
        if msg.thread_ts == msg.ts:
            out["reply_count"] = msg.reply_count
            out["reply_users_count"] = len(msg.reply_users)
            out["reply_users"] = list(msg.reply_users)
            if msg.latest_reply:
                out["latest_reply"] = msg.latest_reply
        else:
            out["parent_user_id"] = msg.extra.get("parent_user_id")
    if msg.edited_ts:
        out["edited"] = {"user": msg.edited_by, "ts": msg.edited_ts}
    if msg.reactions:
        out["reactions"] = [
            {"name": r.name, "users": list(r.users), "count": len(r.users)} for r in msg.reactions
        ]
    if msg.pinned_to:
        out["pinned_to"] = list(msg.pinned_to)
    for key, value in msg.extra.items():
        if key not in _UNSHOWN_EXTRA:
            out.setdefault(key, value)
    return out


# -- files (domain/files.py) -------------------------------------------------------------------


# The mode of a file without bytes (file_json).
HIDDEN_BY_LIMIT = "hidden_by_limit"


def file_tombstone(file_id: str) -> dict[str, Any]:
    """A deleted file wherever it was shown, as Slack shows it."""
    return {"id": file_id, "mode": "tombstone"}


def file_json(
    file: File,
    urls: PublicUrls,
    shares: list[SharedIn] | None = None,
) -> dict[str, Any]:
    """A file object. shares: where the viewer can see it shared (files.info, files.list,
    files.completeUploadExternal); None inside a message, which Slack shows without them."""
    if file.state == DELETED:
        return file_tombstone(file.id)
    out: dict[str, Any] = {
        "id": file.id,
        "created": file.created,
        "timestamp": file.created,
        "name": file.name,
        "title": file.title,
        "mimetype": file.mimetype,
        "filetype": file.filetype,
        "pretty_type": pretty_type(file.filetype),
        "user": file.user_id,
        "user_team": file.team_id,
        "editable": is_snippet(file),
        "size": file.size,
        "mode": "snippet" if file.snippet_type else "hosted",
        "is_external": False,
        "external_type": "",
        "is_public": any(s.kind == "channel" for s in shares or ()),
        "public_url_shared": False,
        "display_as_bot": False,
        "username": "",
        "url_private": urls.file_private(file.team_id, file.id, file.name),
        "url_private_download": urls.file_download(file.team_id, file.id, file.name),
        "permalink": urls.file_permalink(file.user_id, file.id, file.name),
        # No public links: this one, like the permalink, asks its reader to sign in.
        "permalink_public": urls.file_permalink(file.user_id, file.id, file.name),
        "has_rich_preview": False,
        "file_access": "visible",
        "comments_count": 0,
    }
    if not file.blob_key:
        # A file whose bytes are not here (imported from an export that did not carry them:
        # services/slack_import_files.py): shown as Slack shows a file it holds but does not
        # hand out, with what is known of it and nothing to download.
        out["mode"] = HIDDEN_BY_LIMIT
        del out["url_private"], out["url_private_download"]
    if file.alt_txt:
        out["alt_txt"] = file.alt_txt
    if file.snippet_type:
        out["snippet_type"] = file.snippet_type
    if file.original_w is not None and file.original_h is not None:
        out["original_w"], out["original_h"] = file.original_w, file.original_h
    kind = thumb_type(file.mimetype)
    for edge in THUMB_EDGES:
        size = file.thumbs.get(edge)
        if size is not None:
            name = thumb_name(file.name, edge, kind)
            out[f"thumb_{edge}"] = urls.file_thumb(file.team_id, file.id, edge, name)
            if edge in SIZED_EDGES:
                out[f"thumb_{edge}_w"], out[f"thumb_{edge}_h"] = size
    if shares is not None:
        out.update(_shares_json(shares))
    return out


def _shares_json(shares: list[SharedIn]) -> dict[str, Any]:
    channels: list[str] = []
    groups: list[str] = []
    ims: list[str] = []
    shown: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for seen in shares:
        share = seen.share
        into = {"channel": channels, "group": groups, "mpim": groups}.get(seen.kind, ims)
        if share.channel_id not in into:
            into.append(share.channel_id)
        entry: dict[str, Any] = {
            "ts": share.ts,
            "channel_name": seen.channel_name,
            "team_id": share.channel_team_id,
            "share_user_id": share.user_id,
            "reply_users": [],
            "reply_users_count": 0,
            "reply_count": 0,
        }
        if share.thread_ts:
            entry["thread_ts"] = share.thread_ts
        side = "public" if seen.kind == "channel" else "private"
        shown.setdefault(side, {}).setdefault(share.channel_id, []).append(entry)
    out: dict[str, Any] = {"channels": channels, "groups": groups, "ims": ims}
    if shown:
        out["shares"] = shown
    return out
