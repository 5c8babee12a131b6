"""What each Web API method answers, as OpenAPI 3.0 schemas for /api/openapi.json.

Kept in one table keyed by method name (SUCCESS), beside the shared records of
`domain/shapes.py` and its kin (api/records.py COMPONENTS: message, channel, user, profile,
team, ...). Answers and records are closed objects (a message aside, whose extra fields are
open), so a field added to an answer or a serialiser must be added here or there too:
tests/unit/test_responses.py checks the records against their serialisers, and
tests/e2e/test_responses.py and test_schemathesis.py real answers against the document.
Errors are open: `ok: false`, `error`, and whatever the error adds.
"""

from __future__ import annotations

from hubbub.api.records import CONVERSATION, DND_STATUS, PAGE, PERSON, SNOOZE_OPTIONAL
from hubbub.api.schemas import (
    ANY_OBJECT,
    BOOLEAN,
    INTEGER,
    NULL,
    STRING,
    TS,
    Schema,
    array,
    nullable,
    obj,
    ref,
)

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
    "dnd.setSnooze": obj({"snooze_enabled": BOOLEAN}, SNOOZE_OPTIONAL),
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
    # With include_categories, the standard emoji's categories too.
    "emoji.list": obj(
        {"emoji": {"type": "object", "additionalProperties": STRING}, "cache_ts": TS},
        {
            "categories_version": STRING,
            "categories": array(obj({"name": STRING, "emoji_names": array(STRING)})),
        },
    ),
    "admin.emoji.add": EMPTY,
    "admin.emoji.addAlias": EMPTY,
    "admin.emoji.remove": EMPTY,
    "admin.emoji.rename": EMPTY,
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
