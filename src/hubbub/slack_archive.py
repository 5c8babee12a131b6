"""A Slack export on disk, a zip or the folder it unpacks to, read one JSON file at a time
(docs/import.md). Nothing in it is trusted: names that would leave it (`..`, absolute paths)
and zip bombs are refused before anything is read, and each file is read up to a bound.
`ExportZip` writes one (`hubbub admin export-slack`), a file at a time.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

import orjson

from hubbub.domain.slack_export import DAY_FILE, Refused

# One JSON file of the export (users.json, a day of a busy channel) is far below this.
MAX_FILE_BYTES = 256 << 20
# A zip whose files unpack to more than this many times their packed size is a bomb: JSON
# packs ~10x.
MAX_RATIO = 200
MAX_TOTAL_BYTES = 64 << 30
MAX_ENTRIES = 2_000_000


def _safe(name: str) -> PurePosixPath:
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or not path.parts or "\x00" in name:
        raise Refused(f"an entry leaves the export: {name[:80]!r}")
    return path


class ExportArchive:
    """`with ExportArchive(path) as export:` then `export.json("users.json")`,
    `export.days(folder)` (the day files' names, oldest first), `export.day(folder, name)`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._zip: zipfile.ZipFile | None = None
        self._files: dict[str, dict[str, str]] = {}  # folder ("" for the top) -> name -> entry
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

    def _add(self, path: PurePosixPath, entry: str) -> None:
        if len(path.parts) == 1:
            self._files.setdefault("", {})[path.name] = entry
        elif len(path.parts) == 2:
            self._files.setdefault(path.parts[0], {})[path.name] = entry
        # Deeper entries (slackdump's __uploads/<file id>/<name>, Slack's file folders) are
        # files' bytes, which this reader does not take yet.

    def _index_zip(self, path: Path) -> None:
        try:
            self._zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise Refused("not a zip file") from exc
        infos = self._zip.infolist()
        if len(infos) > MAX_ENTRIES:
            raise Refused("too many entries")
        total = packed = 0
        for info in infos:
            path_in = _safe(info.filename)
            if info.is_dir():
                continue
            total += info.file_size
            packed += info.compress_size
            if info.file_size > MAX_FILE_BYTES and info.filename.endswith(".json"):
                raise Refused(f"{info.filename[:80]} is too large")
            self._add(path_in, info.filename)
        if total > MAX_TOTAL_BYTES or (total > 10 << 20 and total > MAX_RATIO * max(packed, 1)):
            raise Refused("the zip unpacks to too much (a zip bomb?)")

    def _index_folder(self, root: Path) -> None:
        for top in sorted(root.iterdir()):
            if top.is_symlink():
                continue
            if top.is_file():
                self._add(PurePosixPath(top.name), str(top))
            elif top.is_dir():
                for inner in sorted(top.iterdir()):
                    if inner.is_file() and not inner.is_symlink():
                        self._add(PurePosixPath(top.name, inner.name), str(inner))

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

    def iter_days(self, folder: str) -> Iterator[tuple[str, list[Any]]]:
        for name in self.days(folder):
            yield name, self.day(folder, name)


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
