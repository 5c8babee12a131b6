"""A Slack export on disk, a zip or the folder it unpacks to, read one JSON file at a time
(docs/import.md). Nothing in it is trusted: names that would leave it (`..`, absolute paths)
and zip bombs are refused before anything is read, each file is read up to a bound, and a
folder's symbolic links are never followed. Files' bytes, where the export carries them, are
found by their file id in slackdump's two layouts (`__uploads/<id>/<name>`, and
`<conversation>/attachments/<id>-<name>`) and streamed, never read whole.
`ExportZip` writes one (`hubbub admin export-slack`), a file at a time.
"""

from __future__ import annotations

import asyncio
import zipfile
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

import orjson

from hubbub.domain.ids import is_slack_id
from hubbub.domain.slack_export import DAY_FILE, Refused

# One JSON file of the export (users.json, a day of a busy channel) is far below this.
MAX_FILE_BYTES = 256 << 20
# A zip whose files unpack to more than this many times their packed size is a bomb: JSON
# packs ~10x.
MAX_RATIO = 200
MAX_TOTAL_BYTES = 64 << 30
MAX_ENTRIES = 2_000_000
# slackdump's folder of every file's bytes ("mattermost" layout: __uploads/<file id>/<name>),
# and its per-conversation one ("standard": <folder>/attachments/<file id>-<name>).
UPLOADS = "__uploads"
ATTACHMENTS = "attachments"
# A file's bytes are read and handed on this much at a time.
CHUNK_BYTES = 1 << 20


def _safe(name: str) -> PurePosixPath:
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or not path.parts or "\x00" in name:
        raise Refused(f"an entry leaves the export: {name[:80]!r}")
    return path


@dataclass(frozen=True, slots=True)
class Upload:
    """A file's bytes in the export: where, and how many the archive says there are."""

    entry: str
    size: int


def _upload_of(path: PurePosixPath) -> str | None:
    """The file id an entry holds the bytes of, in either of slackdump's layouts."""
    if len(path.parts) != 3:
        return None
    top, middle, name = path.parts
    if top == UPLOADS:
        file_id = middle
    elif middle == ATTACHMENTS:
        file_id = name.partition("-")[0]
    else:
        return None
    return file_id if is_slack_id(file_id) and file_id[0] == "F" else None


class ExportArchive:
    """`with ExportArchive(path) as export:` then `export.json("users.json")`,
    `export.days(folder)` (the day files' names, oldest first), `export.day(folder, name)`,
    `export.upload(file_id)` and `export.chunks(upload)` for a file's bytes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._zip: zipfile.ZipFile | None = None
        self._files: dict[str, dict[str, str]] = {}  # folder ("" for the top) -> name -> entry
        self._uploads: dict[str, Upload] = {}  # file id -> its bytes
        if path.is_dir():
            self._index_folder(path)
        elif path.is_file():
            self._index_zip(path)
        else:
            raise Refused(f"no such export: {path}")

    def __enter__(self) -> ExportArchive:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()

    def _add(self, path: PurePosixPath, entry: str, size: int) -> None:
        if len(path.parts) == 1:
            self._files.setdefault("", {})[path.name] = entry
        elif len(path.parts) == 2:
            self._files.setdefault(path.parts[0], {})[path.name] = entry
        else:
            file_id = _upload_of(path)
            # One file's bytes twice (both layouts): the first in name order is taken.
            if file_id is not None and file_id not in self._uploads:
                self._uploads[file_id] = Upload(entry, size)

    def _index_zip(self, path: Path) -> None:
        try:
            self._zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise Refused("not a zip file") from exc
        infos = self._zip.infolist()
        if len(infos) > MAX_ENTRIES:
            raise Refused("too many entries")
        total = packed = 0
        for info in sorted(infos, key=lambda i: i.filename):
            path_in = _safe(info.filename)
            if info.is_dir():
                continue
            total += info.file_size
            packed += info.compress_size
            if info.file_size > MAX_FILE_BYTES and info.filename.endswith(".json"):
                raise Refused(f"{info.filename[:80]} is too large")
            self._add(path_in, info.filename, info.file_size)
        if total > MAX_TOTAL_BYTES or (total > 10 << 20 and total > MAX_RATIO * max(packed, 1)):
            raise Refused("the zip unpacks to too much (a zip bomb?)")

    def _index_folder(self, root: Path, depth: int = 3) -> None:
        """Files down to depth levels (the bytes' layouts are three deep); a symbolic link,
        which could lead out of the export, is never followed."""

        def walk(folder: Path, parts: tuple[str, ...]) -> None:
            for inner in sorted(folder.iterdir()):
                if inner.is_symlink():
                    continue
                if inner.is_file():
                    path = PurePosixPath(*parts, inner.name)
                    self._add(path, str(inner), inner.stat().st_size)
                elif inner.is_dir() and len(parts) + 1 < depth:
                    walk(inner, (*parts, inner.name))

        walk(root, ())

    def _read(self, entry: str) -> bytes:
        if self._zip is not None:
            with self._zip.open(entry) as stream:
                data = stream.read(MAX_FILE_BYTES + 1)
        else:
            with open(entry, "rb") as stream:
                data = stream.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise Refused(f"{entry[-80:]} is too large")
        return data

    def _load(self, entry: str) -> Any:
        try:
            return orjson.loads(self._read(entry))
        except orjson.JSONDecodeError as exc:
            raise Refused(f"{PurePosixPath(entry).name} is not JSON") from exc

    def json(self, name: str) -> Any | None:
        """A top-level file (users.json, ...), None if the export has none."""
        entry = self._files.get("", {}).get(name)
        return None if entry is None else self._load(entry)

    def folders(self) -> list[str]:
        return sorted(f for f in self._files if f)

    def days(self, folder: str) -> list[str]:
        return sorted(n for n in self._files.get(folder, {}) if DAY_FILE.match(n))

    def day(self, folder: str, name: str) -> list[Any]:
        found = self._load(self._files[folder][name])
        if not isinstance(found, list):
            raise Refused(f"{folder}/{name} is not a list of messages")
        return found

    def upload(self, file_id: str) -> Upload | None:
        """Where the export has a file's bytes, if it has them."""
        return self._uploads.get(file_id)

    def _open(self, entry: str) -> IO[bytes]:
        if self._zip is not None:
            return self._zip.open(entry)
        return open(entry, "rb")

    async def chunks(self, upload: Upload) -> AsyncGenerator[bytes, None]:
        """A file's bytes, CHUNK_BYTES at a time, each read on a thread: never whole in
        memory, and the event loop never waits on the disk. A zip checks each entry's CRC at
        its end (zipfile.BadZipFile); reading never goes past the size the zip declares."""
        stream = await asyncio.to_thread(self._open, upload.entry)
        try:
            while chunk := await asyncio.to_thread(stream.read, CHUNK_BYTES):
                yield chunk
        finally:
            await asyncio.to_thread(stream.close)


class ExportZip:
    """`with ExportZip(path) as out: out.write("users.json", [...])`: a zip written to a temp
    name beside path and renamed onto it when whole, so a failed export leaves no half file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._temp = path.with_name(f".{path.name}.partial")
        self._zip = zipfile.ZipFile(self._temp, "w", zipfile.ZIP_DEFLATED)

    def __enter__(self) -> ExportZip:
        return self

    def __exit__(self, kind: object, *_: object) -> None:
        self._zip.close()
        if kind is None:
            self._temp.replace(self.path)
        else:
            self._temp.unlink(missing_ok=True)

    def write(self, name: str, value: Any) -> None:
        self._zip.writestr(str(_safe(name)), orjson.dumps(value))

    async def stream(self, name: str, size: int, chunks: AsyncIterator[bytes]) -> int:
        """A file's bytes as an entry, stored as they are (files are mostly compressed
        already), written as they come, CHUNK_BYTES at a time on a thread; returns how many."""
        info = zipfile.ZipInfo(str(_safe(name)))
        info.compress_type = zipfile.ZIP_STORED
        entry = self._zip.open(info, "w", force_zip64=size >= zipfile.ZIP64_LIMIT)
        written, held = 0, bytearray()
        try:
            async for chunk in chunks:
                held += chunk
                if len(held) >= CHUNK_BYTES:
                    await asyncio.to_thread(entry.write, bytes(held))
                    written, held = written + len(held), bytearray()
            await asyncio.to_thread(entry.write, bytes(held))
            return written + len(held)
        finally:
            await asyncio.to_thread(entry.close)
