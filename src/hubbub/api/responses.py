"""What each Web API method answers, as OpenAPI 3.0 schemas for /api/openapi.json.

Kept in one table keyed by method name (SUCCESS), beside the shared records of
`domain/shapes.py` (COMPONENTS: message, channel, user, profile, team). Answers and records are
closed objects (a message aside, whose extra fields are open), so a field added to an answer or
a serialiser must be added here too: tests/unit/test_responses.py checks the records against
their serialisers, and tests/e2e/test_responses.py and test_schemathesis.py real answers
against the document. Errors are open: `ok: false`, `error`, and whatever the error adds.
"""

from __future__ import annotations

from typing import Any

from hubbub.domain.thumbnails import SIZED_EDGES, THUMB_EDGES

Schema = dict[str, Any]

STRING: Schema = {"type": "string"}
INTEGER: Schema = {"type": "integer"}
BOOLEAN: Schema = {"type": "boolean"}
# A message ts as hubbub writes it (domain/ts.py): ten digits of seconds, six of microseconds.
TS: Schema = {"type": "string", "pattern": r"^[0-9]{10}\.[0-9]{6}$"}
ANY_OBJECT: Schema = {"type": "object"}


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def array(items: Schema) -> Schema:
    return {"type": "array", "items": items}


def nullable(schema: Schema) -> Schema:
    """schema or null; OpenAPI 3.0's `nullable` counts only beside a `type`."""
    assert "type" in schema
    return {**schema, "nullable": True}


# null alone, for an anyOf of references (OpenAPI 3.0 has no null type).
NULL: Schema = {"type": "object", "nullable": True, "enum": [None]}


def obj(required: dict[str, Schema], optional: dict[str, Schema] | None = None) -> Schema:
    """A closed object: these keys, the required ones always, nothing else."""
    out: Schema = {
        "type": "object",
        "properties": {**required, **(optional or {})},
        "additionalProperties": False,
    }
    if required:
        out["required"] = list(required)
    return out


def any_of_refs(*names: str) -> Schema:
    return {"anyOf": [ref(n) for n in names]}


# -- the records (domain/shapes.py) ------------------------------------------------------------

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

_SNOOZE_OPTIONAL = {
    "snooze_endtime": INTEGER,
    "snooze_remaining": INTEGER,
    "snooze_is_indefinite": BOOLEAN,
}
_DND = {"dnd_enabled": BOOLEAN, "next_dnd_start_ts": INTEGER, "next_dnd_end_ts": INTEGER}
DND_STATUS = obj(_DND, {"snooze_enabled": BOOLEAN, **_SNOOZE_OPTIONAL})

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
        }
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


# -- each method's answer, beyond `ok` -------------------------------------------------------

EMPTY: Schema = obj({})
_CHANNEL_TS = obj({"channel": STRING, "ts": STRING})
_PAGING = obj({"count": INTEGER, "total": INTEGER, "page": INTEGER, "pages": INTEGER})
_MESSAGE_ITEM = obj({"type": STRING, "channel": STRING, "message": ref("Message")})
_CHANNELS_PAGE = obj({"channels": array(CONVERSATION), **PAGE})
_MESSAGES_PAGE = {"messages": array(ref("Message")), "has_more": BOOLEAN, **PAGE}
_COUNT = obj(
    {
        "id": STRING,
        "last_read": TS,
        "latest": TS,
        "updated": TS,
        "has_unreads": BOOLEAN,
        "mention_count": INTEGER,
        "unread_count": INTEGER,
    }
)
_RTM = obj(
    {
        "url": STRING,
        "self": obj({"id": STRING, "name": STRING}),
        "team": obj({"id": STRING, "name": STRING, "domain": STRING}),
    }
)
_PREF = obj({"channel": STRING, "level": STRING, "muted": BOOLEAN, "is_default": BOOLEAN})
_PROFILE_ANSWER = obj({"profile": ref("Profile")})
_INVITE = obj(
    {
        "direction": {"type": "string", "enum": ["outgoing", "incoming"]},
        "status": STRING,
        "date_last_updated": INTEGER,
        "invite_type": STRING,
        "invite": obj(
            {
                "id": STRING,
                "date_created": INTEGER,
                "date_invalid": INTEGER,
                "inviting_team": ref("Team"),
                "inviting_user": {"anyOf": [*PERSON["anyOf"], NULL]},
            },
            optional={
                "recipient_email": STRING,
                "recipient_team_id": STRING,
                "recipient_user_id": STRING,
            },
        ),
        "channel": obj({"id": STRING, "is_private": BOOLEAN, "is_im": BOOLEAN, "name": STRING}),
        "acceptances": array(ANY_OBJECT),
    }
)

# search.*: a page of matches, with Slack's two ways of saying where it is.
_PAGED = {
    "total": INTEGER,
    "paging": obj({"count": INTEGER, "total": INTEGER, "page": INTEGER, "pages": INTEGER}),
    "pagination": obj(
        {
            "total_count": INTEGER,
            "page": INTEGER,
            "per_page": INTEGER,
            "page_count": INTEGER,
            "first": INTEGER,
            "last": INTEGER,
        }
    ),
}
_SEARCH_MATCH = obj(
    {
        "type": {"type": "string", "enum": ["message"]},
        "iid": STRING,
        "channel": obj(
            {
                "id": STRING,
                "name": STRING,
                "is_channel": BOOLEAN,
                "is_group": BOOLEAN,
                "is_im": BOOLEAN,
                "is_mpim": BOOLEAN,
                "is_private": BOOLEAN,
                "is_shared": BOOLEAN,
                "is_ext_shared": BOOLEAN,
                "is_org_shared": BOOLEAN,
            }
        ),
        "ts": TS,
        "text": STRING,
        "user": STRING,
        "username": STRING,
        "team": STRING,
        "permalink": STRING,
        "score": {"type": "number"},
    }
)
# With a `cursor` argument, the next one ("" after the last page).
_SEARCH_MESSAGES = obj({**_PAGED, "matches": array(_SEARCH_MATCH)}, PAGE)
_SEARCH_ANSWER = {"query": STRING, "messages": _SEARCH_MESSAGES}
# search.files: each match is a file object, as files.info has it.
_SEARCH_FILES = obj({**_PAGED, "matches": array(ref("File"))}, PAGE)

_USERGROUP_ANSWER = obj({"usergroup": ref("Usergroup")})

SUCCESS: dict[str, Schema] = {
    "api.test": obj({"args": {"type": "object", "additionalProperties": STRING}}),
    "auth.test": obj(
        {
            "url": STRING,
            "team": STRING,
            "user": STRING,
            "team_id": STRING,
            "user_id": STRING,
            "is_enterprise_install": BOOLEAN,
        },
        {"bot_id": STRING},
    ),
    "auth.revoke": obj({"revoked": BOOLEAN}),
    "bots.info": obj({"bot": ref("Bot")}),
    "chat.postMessage": obj({"channel": STRING, "ts": TS, "message": ref("Message")}),
    "chat.postEphemeral": obj({"message_ts": TS}),
    "chat.meMessage": obj({"channel": STRING, "ts": TS}),
    "chat.update": obj({"channel": STRING, "ts": TS, "text": STRING, "message": ref("Message")}),
    "chat.delete": _CHANNEL_TS,
    "chat.getPermalink": obj({"channel": STRING, "permalink": STRING}),
    "chat.scheduleMessage": obj(
        {
            "channel": STRING,
            "scheduled_message_id": STRING,
            "post_at": STRING,
            "message": obj(
                {"type": STRING, "text": STRING, "user": STRING, "team": STRING},
                {
                    "bot_id": STRING,
                    "blocks": array(ANY_OBJECT),
                    "attachments": array(ANY_OBJECT),
                    "username": STRING,
                    "icons": ANY_OBJECT,
                    "metadata": ANY_OBJECT,
                },
            ),
        }
    ),
    "chat.scheduledMessages.list": obj(
        {
            "scheduled_messages": array(
                obj(
                    {
                        "id": STRING,
                        "channel_id": STRING,
                        "post_at": INTEGER,
                        "date_created": INTEGER,
                        "text": STRING,
                    }
                )
            ),
            **PAGE,
        }
    ),
    "chat.deleteScheduledMessage": EMPTY,
    # Whatever the app answered the command with (its JSON object, or its text).
    "chat.command": obj({"response": ANY_OBJECT}),
    "blocks.actions": EMPTY,
    "views.open": obj({"view": ref("View")}),
    "views.push": obj({"view": ref("View")}),
    "views.update": obj({"view": ref("View")}),
    # The app's response_action, as the client is to act on it (none: the view closed).
    "views.submit": obj({}, {"response_action": STRING, "errors": ANY_OBJECT, "view": ref("View")}),
    "views.close": EMPTY,
    "views.publish": obj({"view": ref("View")}),
    # The Home tab as published for the person; null if never.
    "views.home": obj({"view": {"anyOf": [ref("View"), NULL]}}),
    "shortcuts.list": obj(
        {
            "shortcuts": array(
                obj(
                    {
                        "app_id": STRING,
                        "app_name": STRING,
                        "type": STRING,
                        "callback_id": STRING,
                        "name": STRING,
                        "description": STRING,
                    }
                )
            )
        }
    ),
    "shortcuts.run": EMPTY,
    "apps.connections.open": obj({"url": STRING}),
    "client.counts": obj(
        {
            "channels": array(_COUNT),
            "mpims": array(_COUNT),
            "ims": array(_COUNT),
            "threads": obj({"has_unreads": BOOLEAN, "mention_count": INTEGER}),
        }
    ),
    "conversations.create": obj({"channel": ref("Channel")}),
    "conversations.join": obj(
        {"channel": ref("Channel")},
        {"warning": STRING, "response_metadata": obj({"warnings": array(STRING)})},
    ),
    "conversations.leave": obj({}, {"not_in_channel": BOOLEAN}),
    "conversations.invite": obj({"channel": ref("Channel")}),
    "conversations.kick": EMPTY,
    "conversations.members": obj({"members": array(STRING), **PAGE}),
    "conversations.open": obj(
        # Only the id, unless return_im asks for the whole conversation.
        {"channel": {"anyOf": [obj({"id": STRING}), *CONVERSATION["anyOf"]]}},
        {"no_op": BOOLEAN, "already_open": BOOLEAN},
    ),
    "conversations.mark": EMPTY,
    "conversations.rename": obj({"channel": ref("Channel")}),
    "conversations.setTopic": obj({"channel": ref("Channel"), "topic": STRING}),
    "conversations.setPurpose": obj({"channel": ref("Channel"), "purpose": STRING}),
    "conversations.archive": EMPTY,
    "conversations.unarchive": EMPTY,
    "conversations.list": _CHANNELS_PAGE,
    "users.conversations": _CHANNELS_PAGE,
    "conversations.info": obj({"channel": CONVERSATION}),
    "conversations.history": obj(
        {
            **_MESSAGES_PAGE,
            "pin_count": INTEGER,
            "channel_actions_ts": nullable(TS),
            "channel_actions_count": INTEGER,
        }
    ),
    "conversations.replies": obj(_MESSAGES_PAGE),
    "conversations.inviteShared": obj({"invite_id": STRING, "is_legacy_shared_channel": BOOLEAN}),
    "conversations.acceptSharedInvite": obj(
        {"implicit_approval": BOOLEAN, "channel_id": STRING, "invite_id": STRING}
    ),
    "conversations.declineSharedInvite": EMPTY,
    "conversations.listConnectInvites": obj({"invites": array(_INVITE), **PAGE}),
    "admin.conversations.disconnectShared": EMPTY,
    "dnd.setSnooze": obj({"snooze_enabled": BOOLEAN}, _SNOOZE_OPTIONAL),
    "dnd.endSnooze": DND_STATUS,
    "dnd.endDnd": EMPTY,
    "dnd.info": DND_STATUS,
    "dnd.teamInfo": obj({"users": {"type": "object", "additionalProperties": ref("DndStatus")}}),
    "notifications.list": obj(
        {
            "notifications": array(
                obj(
                    {
                        "channel": STRING,
                        "ts": TS,
                        "user": STRING,
                        "reason": STRING,
                        "created": TS,
                        "emailed": BOOLEAN,
                    },
                    {"thread_ts": TS},
                )
            ),
            **PAGE,
        }
    ),
    "files.getUploadURLExternal": obj({"upload_url": STRING, "file_id": STRING}),
    "files.completeUploadExternal": obj({"files": array(ref("File"))}),
    "files.upload": obj({"file": ref("File")}),
    "files.info": obj(
        {
            "file": ref("File"),
            "comments": array(ANY_OBJECT),
            "paging": _PAGING,
            **PAGE,
        }
    ),
    "files.list": obj({"files": array(ref("File")), **PAGE}, {"paging": _PAGING}),
    "files.delete": EMPTY,
    "pins.add": EMPTY,
    "pins.remove": EMPTY,
    "pins.list": obj(
        {
            "items": array(
                obj(
                    {
                        "type": STRING,
                        "created": INTEGER,
                        "created_by": STRING,
                        "channel": STRING,
                        "message": ref("Message"),
                    }
                )
            )
        }
    ),
    "reactions.add": EMPTY,
    "reactions.remove": EMPTY,
    "reactions.get": _MESSAGE_ITEM,
    "reactions.list": obj({"items": array(_MESSAGE_ITEM), **PAGE}),
    "rtm.connect": _RTM,
    "search.messages": obj(_SEARCH_ANSWER),
    "search.files": obj({"query": STRING, "files": _SEARCH_FILES}),
    # hubbub keeps no posts: that section is always empty.
    "search.all": obj(
        {
            **_SEARCH_ANSWER,
            "files": _SEARCH_FILES,
            "posts": obj({"total": INTEGER, "matches": array(ANY_OBJECT)}),
        }
    ),
    "rtm.start": _RTM,
    "team.info": obj({"team": ref("Team")}),
    "users.list": obj({"members": array(PERSON), "cache_ts": INTEGER, **PAGE}),
    "users.info": obj({"user": PERSON}),
    "users.lookupByEmail": obj({"user": ref("User")}),
    "users.setPresence": EMPTY,
    "users.getPresence": obj(
        {"presence": {"type": "string", "enum": ["active", "away"]}},
        # The caller's own presence only, last_activity only while a client is connected.
        {
            "online": BOOLEAN,
            "auto_away": BOOLEAN,
            "manual_away": BOOLEAN,
            "connection_count": INTEGER,
            "last_activity": INTEGER,
        },
    ),
    "users.profile.get": _PROFILE_ANSWER,
    "users.profile.set": _PROFILE_ANSWER,
    "users.prefs.setChannelNotifications": obj({"prefs": _PREF}),
    "users.prefs.getChannelNotifications": obj({"prefs": array(_PREF)}),
    "usergroups.create": _USERGROUP_ANSWER,
    "usergroups.update": _USERGROUP_ANSWER,
    "usergroups.disable": _USERGROUP_ANSWER,
    "usergroups.enable": _USERGROUP_ANSWER,
    "usergroups.list": obj({"usergroups": array(ref("Usergroup"))}),
    "usergroups.users.list": obj({"users": array(STRING)}),
    "usergroups.users.update": _USERGROUP_ANSWER,
    # Each name's image URL, or `alias:<name>`.
    "emoji.list": obj(
        {"emoji": {"type": "object", "additionalProperties": STRING}, "cache_ts": TS}
    ),
    "admin.emoji.add": EMPTY,
    "admin.emoji.addAlias": EMPTY,
    "admin.emoji.remove": EMPTY,
    "reminders.add": obj({"reminder": ref("Reminder")}),
    "reminders.list": obj({"reminders": array(ref("Reminder"))}),
    "reminders.info": obj({"reminder": ref("Reminder")}),
    "reminders.complete": EMPTY,
    "reminders.delete": EMPTY,
    "bookmarks.add": obj({"bookmark": ref("Bookmark")}),
    "bookmarks.edit": obj({"bookmark": ref("Bookmark")}),
    "bookmarks.remove": EMPTY,
    "bookmarks.list": obj({"bookmarks": array(ref("Bookmark"))}),
}


def success(name: str) -> Schema:
    """The answer of a call that worked: `ok: true` and the method's own fields."""
    schema = SUCCESS[name]
    return {
        **schema,
        "required": ["ok", *schema.get("required", [])],
        "properties": {"ok": {"type": "boolean", "enum": [True]}, **schema["properties"]},
    }
