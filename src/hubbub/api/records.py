"""The shared records of the Web API's answers, as OpenAPI 3.0 schemas (COMPONENTS): exactly
as `domain/shapes.py` and its kin write them (message, channel, user, profile, team, file, and
the records of each family). tests/unit/test_responses.py checks each against its serialiser.
"""

from __future__ import annotations

from hubbub.api.schemas import (
    ANY_OBJECT,
    BOOLEAN,
    INTEGER,
    STRING,
    TS,
    Schema,
    any_of_refs,
    array,
    nullable,
    obj,
    ref,
)
from hubbub.domain.thumbnails import SIZED_EDGES, THUMB_EDGES

_TEAM = {
    "id": STRING,
    "name": STRING,
    "domain": STRING,
    "email_domain": STRING,
    "icon": obj({"image_default": BOOLEAN}),
}

_EXTERNAL_PROFILE = {
    "real_name": STRING,
    "real_name_normalized": STRING,
    "display_name": STRING,
    "display_name_normalized": STRING,
    "first_name": STRING,
    "last_name": STRING,
    "title": STRING,
    "status_text": STRING,
    "status_emoji": STRING,
    "status_expiration": INTEGER,
    "avatar_hash": STRING,
    "team": STRING,
}
_PROFILE = {**_EXTERNAL_PROFILE, "phone": STRING, "skype": STRING}

_EXTERNAL_USER = {
    "id": STRING,
    "team_id": STRING,
    "name": STRING,
    "deleted": BOOLEAN,
    "color": STRING,
    "real_name": STRING,
    "tz": STRING,
    "tz_label": STRING,
    "tz_offset": INTEGER,
    "is_bot": BOOLEAN,
    "is_app_user": BOOLEAN,
    "updated": INTEGER,
}
_USER = {
    **_EXTERNAL_USER,
    "profile": ref("Profile"),
    "is_admin": BOOLEAN,
    "is_owner": BOOLEAN,
    "is_primary_owner": BOOLEAN,
    "is_restricted": BOOLEAN,
    "is_ultra_restricted": BOOLEAN,
}
# users.* add the locale when asked (include_locale).
_USER_OPTIONAL = {"locale": STRING}

# What channel_json's keyword arguments and the methods that show a channel add to it.
_CHANNEL_EXTRAS = {
    "is_member": BOOLEAN,
    "last_read": TS,
    "num_members": INTEGER,
    "unread_count": INTEGER,
    "unread_count_display": INTEGER,
    "is_open": BOOLEAN,
}
_TOPIC = obj({"value": STRING, "creator": STRING, "last_set": INTEGER})
_CHANNEL = {
    "id": STRING,
    "name": STRING,
    "is_channel": BOOLEAN,
    "is_group": BOOLEAN,
    "is_im": {"type": "boolean", "enum": [False]},
    "is_mpim": BOOLEAN,
    "is_private": BOOLEAN,
    "created": INTEGER,
    "is_archived": BOOLEAN,
    "is_general": BOOLEAN,
    "unlinked": INTEGER,
    "name_normalized": STRING,
    "is_shared": BOOLEAN,
    "is_org_shared": BOOLEAN,
    "is_ext_shared": BOOLEAN,
    "is_pending_ext_shared": BOOLEAN,
    "pending_shared": array(STRING),
    "context_team_id": STRING,
    "updated": INTEGER,
    "creator": STRING,
    "topic": _TOPIC,
    "purpose": _TOPIC,
    "previous_names": array(STRING),
}
# Only in a channel shared with, or offered to, other workspaces.
_CHANNEL_SHARED = {
    "shared_team_ids": array(STRING),
    "conversation_host_id": STRING,
    "internal_team_ids": array(STRING),
    "pending_connected_team_ids": array(STRING),
}
_IM = {
    "id": STRING,
    "created": INTEGER,
    "is_im": {"type": "boolean", "enum": [True]},
    "is_org_shared": BOOLEAN,
    "context_team_id": STRING,
    "user": nullable(STRING),
    "is_user_deleted": BOOLEAN,
    "priority": INTEGER,
}

# A file object (domain/shapes.py file_json); where it is shared only outside messages.
_FILE = {
    "id": STRING,
    "created": INTEGER,
    "timestamp": INTEGER,
    "name": STRING,
    "title": STRING,
    "mimetype": STRING,
    "filetype": STRING,
    "pretty_type": STRING,
    "user": STRING,
    "user_team": STRING,
    "editable": BOOLEAN,
    "size": INTEGER,
    # hidden_by_limit: a file without bytes, imported (domain/shapes.py file_json), which has
    # no url_private nor url_private_download.
    "mode": {"type": "string", "enum": ["hosted", "snippet", "hidden_by_limit"]},
    "is_external": BOOLEAN,
    "external_type": STRING,
    "is_public": BOOLEAN,
    "public_url_shared": BOOLEAN,
    "display_as_bot": BOOLEAN,
    "username": STRING,
    "permalink": STRING,
    "permalink_public": STRING,
    "has_rich_preview": BOOLEAN,
    "file_access": STRING,
    "comments_count": INTEGER,
}
_FILE_SHARE = obj(
    {
        "ts": TS,
        "channel_name": STRING,
        "team_id": STRING,
        "share_user_id": STRING,
        "reply_users": array(STRING),
        "reply_users_count": INTEGER,
        "reply_count": INTEGER,
    },
    {"thread_ts": TS},
)
_SHARES_BY_CHANNEL: Schema = {"type": "object", "additionalProperties": array(_FILE_SHARE)}
_FILE_OPTIONAL = {
    "url_private": STRING,
    "url_private_download": STRING,
    "alt_txt": STRING,
    "snippet_type": STRING,
    "original_w": INTEGER,
    "original_h": INTEGER,
    **{
        f"thumb_{edge}{part}": INTEGER if part else STRING
        for edge in THUMB_EDGES
        for part in ("", "_w", "_h")
        if not part or edge in SIZED_EDGES
    },
    "channels": array(STRING),
    "groups": array(STRING),
    "ims": array(STRING),
    "shares": obj({}, {"public": _SHARES_BY_CHANNEL, "private": _SHARES_BY_CHANNEL}),
}
FILE_OR_TOMBSTONE = {"anyOf": [ref("File"), ref("FileTombstone")]}

# A message is open: what a bot sets at posting (username, icons), an app's metadata and the
# subtypes' own fields (old_name, ...) come through from its extra as they were given.
_MESSAGE_REQUIRED = {
    "type": {"type": "string", "enum": ["message"]},
    "user": STRING,
    "text": STRING,
    "ts": TS,
    "team": STRING,
}
_MESSAGE_OPTIONAL = {
    "subtype": STRING,
    "bot_id": STRING,
    "channel": STRING,
    "blocks": array(ANY_OBJECT),
    "attachments": array(ANY_OBJECT),
    "client_msg_id": STRING,
    "thread_ts": TS,
    "reply_count": INTEGER,
    "reply_users_count": INTEGER,
    "reply_users": array(STRING),
    "latest_reply": TS,
    "parent_user_id": nullable(STRING),
    "edited": obj({"user": nullable(STRING), "ts": TS}),
    "reactions": array(obj({"name": STRING, "users": array(STRING), "count": INTEGER})),
    "pinned_to": array(STRING),
    # In a shared channel: the author's workspace.
    "user_team": STRING,
    "source_team": STRING,
    # reactions.* and pins.list add where the message is.
    "permalink": STRING,
    # A message that shares files (docs/files.md): each as it is now.
    "files": array(FILE_OR_TOMBSTONE),
    "upload": BOOLEAN,
    "display_as_bot": BOOLEAN,
    # An app's bot's message (services/posting.py).
    "app_id": STRING,
    "bot_profile": ref("BotProfile"),
    "metadata": obj({"event_type": STRING, "event_payload": ANY_OBJECT}),
}
_MESSAGE: Schema = {
    "type": "object",
    "required": list(_MESSAGE_REQUIRED),
    "properties": {**_MESSAGE_REQUIRED, **_MESSAGE_OPTIONAL},
}

SNOOZE_OPTIONAL = {
    "snooze_endtime": INTEGER,
    "snooze_remaining": INTEGER,
    "snooze_is_indefinite": BOOLEAN,
}
_DND = {"dnd_enabled": BOOLEAN, "next_dnd_start_ts": INTEGER, "next_dnd_end_ts": INTEGER}
DND_STATUS = obj(_DND, {"snooze_enabled": BOOLEAN, **SNOOZE_OPTIONAL})

_USERGROUP = {
    "id": STRING,
    "team_id": STRING,
    "is_usergroup": BOOLEAN,
    "is_subteam": BOOLEAN,
    "name": STRING,
    "description": STRING,
    "handle": STRING,
    "is_external": BOOLEAN,
    "date_create": INTEGER,
    "date_update": INTEGER,
    "date_delete": INTEGER,
    "auto_type": nullable(STRING),
    "created_by": STRING,
    "updated_by": STRING,
    "deleted_by": nullable(STRING),
    "prefs": obj({"channels": array(STRING), "groups": array(STRING)}),
}
_BOT_ICONS = obj({}, {"image_36": STRING, "image_48": STRING, "image_72": STRING})
_BOT = {
    "id": STRING,
    "deleted": BOOLEAN,
    "name": STRING,
    "updated": INTEGER,
    "icons": _BOT_ICONS,
}

COMPONENTS: dict[str, Schema] = {
    "Team": obj(_TEAM, {"url": STRING, "is_verified": BOOLEAN}),
    "Profile": obj(_PROFILE, {"email": STRING, "bot_id": STRING}),
    "ExternalProfile": obj(_EXTERNAL_PROFILE, {"bot_id": STRING}),
    "User": obj(_USER, _USER_OPTIONAL),
    # Someone of another workspace met in a shared channel (external_user_json).
    "ExternalUser": obj(
        {**_EXTERNAL_USER, "profile": ref("ExternalProfile"), "is_stranger": BOOLEAN},
        _USER_OPTIONAL,
    ),
    "Channel": obj(_CHANNEL, {**_CHANNEL_SHARED, **_CHANNEL_EXTRAS}),
    "Im": obj(_IM, {"last_read": TS, "num_members": INTEGER, **_CHANNEL_EXTRAS}),
    "Message": _MESSAGE,
    "Bot": obj({**_BOT, "user_id": STRING}, {"app_id": STRING}),
    "BotProfile": obj({**_BOT, "app_id": STRING, "team_id": STRING}),
    "File": obj(_FILE, _FILE_OPTIONAL),
    "FileTombstone": obj({"id": STRING, "mode": {"type": "string", "enum": ["tombstone"]}}),
    "ResponseMetadata": obj({"next_cursor": STRING}),
    "DndStatus": DND_STATUS,
    # usergroups.*: the members and their count where the method adds them.
    "Usergroup": obj(_USERGROUP, {"users": array(STRING), "user_count": INTEGER}),
    "Reminder": obj(
        {
            "id": STRING,
            "creator": STRING,
            "user": STRING,
            "text": STRING,
            "recurring": BOOLEAN,
            "time": INTEGER,
            "complete_ts": INTEGER,
        },
        # A recurring reminder's rule, as Slack's: daily, or weekly on named days.
        {
            "recurrence": obj(
                {"frequency": {"type": "string", "enum": ["daily", "weekly"]}},
                {"weekdays": array(STRING)},
            )
        },
    ),
    "Bookmark": obj(
        {
            "id": STRING,
            "channel_id": STRING,
            "title": STRING,
            "link": STRING,
            "emoji": nullable(STRING),
            "icon_url": nullable(STRING),
            "type": STRING,
            "entity_id": nullable(STRING),
            "date_created": INTEGER,
            "date_updated": INTEGER,
            "rank": STRING,
            "last_updated_by_user_id": STRING,
            "last_updated_by_team_id": STRING,
            "shortcut_id": nullable(STRING),
            "app_id": nullable(STRING),
        }
    ),
    # A modal as domain/views.py view_json writes it.
    "View": obj(
        {
            "id": STRING,
            "team_id": STRING,
            "type": STRING,
            "blocks": array(ANY_OBJECT),
            "private_metadata": STRING,
            "callback_id": STRING,
            "state": obj({"values": ANY_OBJECT}),
            "hash": STRING,
            "title": nullable(ANY_OBJECT),
            "clear_on_close": BOOLEAN,
            "notify_on_close": BOOLEAN,
            "close": nullable(ANY_OBJECT),
            "submit": nullable(ANY_OBJECT),
            "previous_view_id": nullable(STRING),
            "root_view_id": STRING,
            "app_id": STRING,
            "external_id": STRING,
            "app_installed_team_id": STRING,
            "bot_id": STRING,
        }
    ),
    "Error": {
        "type": "object",
        "required": ["ok", "error"],
        "properties": {
            "ok": {"type": "boolean", "enum": [False]},
            "error": STRING,
            # missing_scope: what the method needs and what the token has, comma-separated.
            "needed": STRING,
            "provided": STRING,
            # unknown_method: the name asked for.
            "req_method": STRING,
            # conversations.invite: one entry per user refused.
            "errors": array(ANY_OBJECT),
        },
    },
}

PERSON = any_of_refs("User", "ExternalUser")
CONVERSATION = any_of_refs("Channel", "Im")
PAGE = {"response_metadata": ref("ResponseMetadata")}
