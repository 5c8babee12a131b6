"""Files as the domain sees them: the record, its states, names, types, and what may be shown
inline. Pure: the bytes live behind the Blobs port, the rows in the store (docs/files.md)."""

from __future__ import annotations

import mimetypes
import re
import unicodedata
from dataclasses import dataclass, field

from hubbub.domain.errors import SlackError

# The states of a file row. pending: an upload URL was handed out, no bytes yet; uploaded: the
# bytes are stored, nobody completed it (shown to nobody); ready: completed, shown to whoever
# may see it; deleted: its bytes are gone, messages show a tombstone.
PENDING, UPLOADED, READY, DELETED = "pending", "uploaded", "ready", "deleted"

# Slack's: a name is at most 255 bytes of UTF-8 as most file systems take them.
MAX_NAME_BYTES = 255
MAX_TITLE_CHARS = 255
# Slack's alt_txt_too_large names this limit.
MAX_ALT_TXT = 1000
MAX_SNIPPET_TYPE = 40
# How long an upload URL of files.getUploadURLExternal is good for (Slack: 10 minutes).
UPLOAD_URL_TTL_S = 600
# Files one files.completeUploadExternal may complete (Slack's own limit).
MAX_FILES_PER_COMPLETE = 10
# Channels one share may name: each is a message of its own.
MAX_SHARE_CHANNELS = 10

# Images a browser may show from our origin: raster formats that run no script. SVG (script),
# HTML and everything else go out as attachments (docs/files.md, Download).
INLINE_IMAGES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
# Served as bytes, never under their own type, even as an attachment: a browser that ignored
# Content-Disposition would run them (nosniff and the sandbox are the second line).
ACTIVE_TYPES = frozenset(
    {
        "text/html",
        "application/xhtml+xml",
        "image/svg+xml",
        "text/xml",
        "application/xml",
        "text/javascript",
        "application/javascript",
    }
)
OCTET_STREAM = "application/octet-stream"

# Extension -> (Slack's filetype, pretty_type). Unknown extensions are "binary".
_TYPES: dict[str, tuple[str, str]] = {
    "png": ("png", "PNG"),
    "jpg": ("jpg", "JPEG"),
    "jpeg": ("jpg", "JPEG"),
    "gif": ("gif", "GIF"),
    "webp": ("webp", "WebP"),
    "bmp": ("bmp", "BMP"),
    "svg": ("svg", "SVG"),
    "pdf": ("pdf", "PDF"),
    "zip": ("zip", "Zip"),
    "gz": ("gzip", "GZip"),
    "tgz": ("gzip", "GZip"),
    "txt": ("text", "Plain Text"),
    "md": ("markdown", "Markdown (raw)"),
    "csv": ("csv", "CSV"),
    "json": ("json", "JSON"),
    "html": ("html", "HTML"),
    "htm": ("html", "HTML"),
    "xml": ("xml", "XML"),
    "py": ("python", "Python"),
    "js": ("javascript", "JavaScript/JSON"),
    "ts": ("typescript", "TypeScript"),
    "sh": ("shell", "Shell"),
    "go": ("go", "Go"),
    "rs": ("rust", "Rust"),
    "java": ("java", "Java"),
    "c": ("c", "C"),
    "cpp": ("cpp", "C++"),
    "yaml": ("yaml", "YAML"),
    "yml": ("yaml", "YAML"),
    "sql": ("sql", "SQL"),
    "mp4": ("mp4", "MPEG 4 Video"),
    "mov": ("mov", "QuickTime Movie"),
    "mp3": ("mp3", "MP3"),
    "doc": ("doc", "Word Document"),
    "docx": ("docx", "Word Document"),
    "xls": ("xls", "Excel Spreadsheet"),
    "xlsx": ("xlsx", "Excel Spreadsheet"),
    "ppt": ("ppt", "PowerPoint Presentation"),
    "pptx": ("pptx", "PowerPoint Presentation"),
}
_SNIPPET_FILETYPES = frozenset(
    {
        "text",
        "markdown",
        "csv",
        "json",
        "xml",
        "python",
        "javascript",
        "typescript",
        "shell",
        "go",
        "rust",
        "java",
        "c",
        "cpp",
        "yaml",
        "sql",
        "html",
    }
)
# files.list `types`: which filetypes each kind takes (Slack's kinds; spaces and gdocs are
# Slack's own documents, of which hubbub has none).
TYPE_FILTERS: dict[str, frozenset[str] | None] = {
    "all": None,
    "images": frozenset({"png", "jpg", "gif", "webp", "bmp", "svg"}),
    "pdfs": frozenset({"pdf"}),
    "snippets": _SNIPPET_FILETYPES,
    "spaces": frozenset({"space", "post"}),
    "gdocs": frozenset({"gdoc", "gsheet", "gpres"}),
    "zips": frozenset({"zip", "gzip"}),
}

# A snippet_type is a language's name as Slack spells them: letters, digits, +, #, - and _.
_SNIPPET_TYPE = re.compile(r"[A-Za-z0-9+#_-]{1,40}")


@dataclass(frozen=True, slots=True)
class FileLimits:
    """Settings.file_limits (docs/limits.md, Files)."""

    # One file's bytes at most (Slack: 1 GB).
    max_bytes: int = 1 << 30
    # A workspace's bytes in files at most; None: no quota.
    quota_bytes: int | None = None
    # How long an upload URL is good for.
    upload_url_ttl_s: int = UPLOAD_URL_TTL_S


@dataclass(frozen=True, slots=True)
class File:
    team_id: str  # the uploader's workspace: the file's id and URLs are under it
    id: str
    user_id: str
    created: int  # seconds
    name: str
    title: str
    mimetype: str
    filetype: str
    size: int
    state: str
    blob_key: str | None = None
    sha256: str | None = None
    alt_txt: str | None = None
    snippet_type: str | None = None
    # Filled in by the thumbnail job (not built yet): the image's size, and per thumbnail edge
    # ("64", "80", ..., "1024") its width and height.
    original_w: int | None = None
    original_h: int | None = None
    thumbs: dict[str, tuple[int, int]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class FileShare:
    """One message that shares a file: where it is (the channel's own workspace, which hosts
    a shared channel) and who shared it."""

    file_id: str
    channel_team_id: str
    channel_id: str
    ts: str
    thread_ts: str | None
    user_id: str
    created: int


@dataclass(frozen=True, slots=True)
class SharedIn:
    """A share as one viewer sees it: the channel's name and kind as shown to them."""

    share: FileShare
    channel_name: str
    # A message's channel_type: channel (public), group (private), im or mpim.
    kind: str


def check_name(name: str | None) -> str:
    """A file name as given, if it is safe to keep and show: no path (no / or \\, so no ../),
    no NUL or other control or format character, not only dots, at most 255 bytes of UTF-8;
    else invalid_arguments. Names keep their case and spaces: they are shown, never used as a
    path (blobs are named by their content)."""
    if not name or not name.strip():
        raise SlackError("invalid_arguments")
    if len(name.encode()) > MAX_NAME_BYTES:
        raise SlackError("invalid_arguments")
    if "/" in name or "\\" in name or set(name) == {"."}:
        raise SlackError("invalid_arguments")
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp") for c in name):
        raise SlackError("invalid_arguments")
    return name


def check_title(title: str | None, name: str) -> str:
    """A title (the name unless given), trimmed to Slack's length; control characters refused."""
    if not title:
        return name
    if any(unicodedata.category(c) in ("Cc", "Cs") for c in title):
        raise SlackError("invalid_arguments")
    return title[:MAX_TITLE_CHARS]


def check_alt_txt(alt_txt: str | None) -> str | None:
    if alt_txt and len(alt_txt) > MAX_ALT_TXT:
        raise SlackError("alt_txt_too_large")
    return alt_txt or None


def check_snippet_type(snippet_type: str | None) -> str | None:
    if not snippet_type:
        return None
    if not _SNIPPET_TYPE.fullmatch(snippet_type):
        raise SlackError("invalid_arguments")
    return snippet_type


def check_length(length: int | None, max_bytes: int) -> int:
    """files.getUploadURLExternal's `length`: Slack answers a missing or 0 one with
    missing_argument, and one over the limit with file_upload_size_restricted."""
    if not length:
        raise SlackError("missing_argument")
    if length < 0:
        raise SlackError("invalid_arguments")
    if length > max_bytes:
        raise SlackError("file_upload_size_restricted")
    return length


def _extension(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else ""


def filetype_of(name: str, given: str | None = None) -> tuple[str, str]:
    """(filetype, pretty_type): files.upload's `filetype` if it names a known one, else from
    the name's extension; unknown: binary."""
    if given:
        for filetype, pretty in _TYPES.values():
            if filetype == given.lower():
                return filetype, pretty
    return _TYPES.get(_extension(name), ("binary", "Binary"))


def mimetype_of(name: str, filetype: str) -> str:
    """From the name only: what the client claims (a multipart part's Content-Type) is never
    believed, so it can never make the server label bytes as an image they are not."""
    if filetype in _SNIPPET_FILETYPES and filetype not in ("html", "xml", "json", "csv"):
        return "text/plain"
    guessed, _ = mimetypes.guess_type(name, strict=False)
    return guessed or OCTET_STREAM


def pretty_type(filetype: str) -> str:
    for known, pretty in _TYPES.values():
        if known == filetype:
            return pretty
    return "Binary"


def is_inline_image(mimetype: str) -> bool:
    return mimetype in INLINE_IMAGES


def served_type(mimetype: str) -> str:
    """The Content-Type a download goes out with: the file's, but never one a browser would run
    (HTML, SVG, XML, script), which go out as bytes."""
    if mimetype in ACTIVE_TYPES or "html" in mimetype or "xml" in mimetype:
        return OCTET_STREAM
    return mimetype


def is_snippet(file: File) -> bool:
    return file.filetype in _SNIPPET_FILETYPES


def type_filter(types: list[str]) -> frozenset[str] | None:
    """files.list `types` (all, images, pdfs, snippets, spaces, gdocs, zips): the filetypes they
    take together; None for all. An unknown kind is refused (invalid_types) rather than
    silently matching nothing."""
    out: set[str] = set()
    for kind in types:
        if kind not in TYPE_FILTERS:
            raise SlackError("invalid_types")
        taken = TYPE_FILTERS[kind]
        if taken is None:
            return None
        out |= taken
    return frozenset(out)
