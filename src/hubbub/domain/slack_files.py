"""The files of a Slack export's messages, checked and turned into hubbub's (docs/import.md,
Files). Pure: where their bytes are in the archive is slack_archive.py's, storing them
services/slack_import_files.py's.

A message names its files in `files` (newer exports, and every `file_share`), or in `file`
(older ones). Each is checked here once; one that cannot be taken is skipped with its reason
and the message keeps the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hubbub.domain.errors import SlackError
from hubbub.domain.files import (
    MAX_ALT_TXT,
    check_name,
    check_snippet_type,
    check_title,
    filetype_of,
    mimetype_of,
)
from hubbub.domain.ids import is_slack_id

# Slack's modes of a file that is not there any more, or only its id is shown.
GONE_MODES = frozenset({"tombstone"})
# Slack's own limit on what a message shares; more is no export of Slack's.
MAX_FILES_PER_MESSAGE = 100


class FileRefused(Exception):
    """A file object that cannot be taken; str(exc) is the reason, without its values."""


@dataclass(frozen=True, slots=True)
class ExportFile:
    """A file as the export describes it. The mimetype is never the export's: it is found from
    the name, as for an upload (domain/files.py mimetype_of), so a file can never be served as
    a type its name does not say. size: what the export declares, None if it does not."""

    id: str
    user_id: str | None
    created: int | None
    name: str
    title: str
    filetype: str
    mimetype: str
    size: int | None
    alt_txt: str | None
    snippet_type: str | None
    # An external file (a link to a document elsewhere): there are never bytes to take.
    external: bool


def file_of(raw: Any) -> ExportFile:
    if not isinstance(raw, dict):
        raise FileRefused("not an object")
    file_id = raw.get("id")
    if not isinstance(file_id, str) or not is_slack_id(file_id) or file_id[0] != "F":
        raise FileRefused("a bad id")
    if raw.get("mode") in GONE_MODES or raw.get("is_deleted") is True:
        raise FileRefused("deleted")
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        # Slack's hidden_by_limit objects, and what is left of some deleted ones: an id only.
        raise FileRefused("no name")
    try:
        name = check_name(name)
    except SlackError as exc:
        raise FileRefused("a bad name") from exc
    title = raw.get("title")
    try:
        title = check_title(title if isinstance(title, str) else None, name)
    except SlackError:
        title = name
    given = raw.get("filetype")
    kind, _ = filetype_of(name, given if isinstance(given, str) else None)
    user = raw.get("user")
    created = raw.get("created")
    size = raw.get("size")
    alt_txt = raw.get("alt_txt")
    snippet = raw.get("snippet_type")
    try:
        snippet_type = check_snippet_type(snippet if isinstance(snippet, str) else None)
    except SlackError:
        snippet_type = None
    return ExportFile(
        id=file_id,
        user_id=user if isinstance(user, str) and is_slack_id(user) else None,
        created=created if isinstance(created, int) and 0 < created < 10**10 else None,
        name=name,
        title=title,
        filetype=kind,
        mimetype=mimetype_of(name, kind),
        size=size if isinstance(size, int) and not isinstance(size, bool) and size >= 0 else None,
        alt_txt=alt_txt[:MAX_ALT_TXT] if isinstance(alt_txt, str) and alt_txt else None,
        snippet_type=snippet_type,
        external=raw.get("is_external") is True or raw.get("mode") == "external",
    )


def files_of(raw: dict[str, Any]) -> tuple[tuple[ExportFile, ...], tuple[str, ...]]:
    """A message's files, each once, and the reasons of those skipped."""
    listed = raw.get("files")
    if not isinstance(listed, list):
        single = raw.get("file")
        listed = [single] if isinstance(single, dict) else []
    found: dict[str, ExportFile] = {}
    skipped: list[str] = []
    for item in listed[:MAX_FILES_PER_MESSAGE]:
        try:
            file = file_of(item)
        except FileRefused as exc:
            skipped.append(f"file: {exc}")
            continue
        found.setdefault(file.id, file)
    skipped += ["file: more than a message shares"] * max(0, len(listed) - MAX_FILES_PER_MESSAGE)
    return tuple(found.values()), tuple(skipped)
