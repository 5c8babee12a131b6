"""emoji.list and admin.emoji.*: the workspace's custom emoji."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import UploadFile

from hubbub.api.call import Call
from hubbub.api.registry import TIER_2, Router
from hubbub.domain.emoji import MAX_BYTES, emoji_name
from hubbub.domain.errors import SlackError
from hubbub.domain.ts import from_micros
from hubbub.services import emoji

router = Router()

# Slack's admin.emoji.* take an org admin's user token (admin.teams:write, a scope no bot
# token holds): here a workspace admin's.
ADMIN = "admin.teams:write"
# Slack's categories_version of include_categories' answer.
CATEGORIES_VERSION = "5"


@router.method(
    "emoji.list", scopes="emoji:read", tier=TIER_2, args={"include_categories": "boolean"}
)
async def list_(call: Call) -> dict[str, Any]:
    """The workspace's custom emoji: each name's image URL, or `alias:<name>`; with
    include_categories, the standard emoji by category too."""
    found, newest = await emoji.list_emoji(call.hub, call.who)
    # When the list last grew, as Slack's cache_ts (a removal does not move it).
    answer: dict[str, Any] = {"emoji": found, "cache_ts": from_micros(newest * 1_000_000)}
    if call.flag("include_categories"):
        answer["categories_version"] = CATEGORIES_VERSION
        answer["categories"] = list(emoji.categories())
    return answer


@router.method(
    "admin.emoji.add",
    scopes=ADMIN,
    tier=TIER_2,
    args={"name": "string", "url": "string", "image": "string"},
)
async def add(call: Call) -> dict[str, Any]:
    """Adds a custom emoji from an image at a URL, or uploaded as `image` (multipart)."""
    emoji.check_admin(call.who)
    name = emoji_name(call.text("name"))
    upload = call.args.get("image")
    if isinstance(upload, UploadFile):
        data = await upload.read(MAX_BYTES + 1)
    else:
        url = call.text("url")
        if not url:
            raise SlackError("no_image_uploaded")
        data = await emoji.fetch_image(call.hub, url)
    await emoji.add_image(call.hub, call.who.team_id, call.who.user_id, name, data)
    return {}


@router.method(
    "admin.emoji.addAlias",
    scopes=ADMIN,
    tier=TIER_2,
    args={"name": "string", "alias_for": "string"},
)
async def add_alias(call: Call) -> dict[str, Any]:
    """Adds another name for an emoji."""
    emoji.check_admin(call.who)
    name = emoji_name(call.text("name"))
    alias_for = emoji_name(call.text("alias_for"), missing="no_alias_selected")
    await emoji.add_alias(call.hub, call.who.team_id, call.who.user_id, name, alias_for)
    return {}


@router.method("admin.emoji.remove", scopes=ADMIN, tier=TIER_2, args={"name": "string"})
async def remove(call: Call) -> dict[str, Any]:
    """Removes a custom emoji and its aliases."""
    emoji.check_admin(call.who)
    await emoji.remove(call.hub, call.who.team_id, emoji_name(call.text("name")))
    return {}


@router.method(
    "admin.emoji.rename", scopes=ADMIN, tier=TIER_2, args={"name": "string", "new_name": "string"}
)
async def rename(call: Call) -> dict[str, Any]:
    """Renames a custom emoji; its aliases follow."""
    emoji.check_admin(call.who)
    # Slack's errors say which argument was wrong: a `name` no emoji could have is no emoji to
    # rename; a bad `new_name` (missing or upper case included) is error_bad_name_i18n.
    name = _renamed_name(call.text("name"))
    try:
        new_name = emoji_name(call.text("new_name"))
    except SlackError as exc:
        raise SlackError("error_bad_name_i18n") from exc
    await emoji.rename(call.hub, call.who.team_id, name, new_name)
    return {}


def _renamed_name(text: str | None) -> str:
    try:
        return emoji_name(text)
    except SlackError as exc:
        if exc.code == "error_missing_name":
            raise
        raise SlackError("error_invalid_emoji_to_rename") from exc
