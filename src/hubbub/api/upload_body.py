"""The body of an upload (the upload URL, files.upload), read as it arrives: never the whole
file in memory. A raw body is the file; a multipart/form-data body has its file part handed
on chunk by chunk (python-multipart's streaming parser, the one under Starlette's forms), its
other fields kept, bounded in size together. The one parser of upload bodies.

Which part is the file: for files.upload, the field `file` (Slack's argument). The upload URL
takes the part that carries a file name, whatever its field is called, as Slack's does: its
own page uploads with `curl -F filename="@text.txt"`, and @slack/web-api's files.uploadV2 sends
a part named `body`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from hubbub.api.parse import BodyTooLarge
from hubbub.domain.errors import SlackError

FILE_FIELD = "file"
# Bytes a multipart body may have beyond its file: its other fields, boundaries and headers.
FORM_OVERHEAD = 64 << 10


class BodyEndedEarly(Exception):
    """The body ended (or the multipart form did) inside the file's bytes."""


async def _capped(request: Request, cap: int) -> AsyncIterator[bytes]:
    """The body's chunks; BodyTooLarge as soon as more than cap bytes came."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > cap:
        raise BodyTooLarge
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > cap:
            raise BodyTooLarge
        if chunk:
            yield chunk


def is_multipart(request: Request) -> bool:
    kind, _ = parse_options_header(request.headers.get("content-type", ""))
    return kind == b"multipart/form-data"


class UploadBody:
    """`body = UploadBody(request, max_file)`; `await body.start()`; then, if body.has_file,
    `body.file()` yields the file's bytes (to be read to its end); `await body.finish()` reads
    what follows; `body.fields` holds the other fields (strings)."""

    def __init__(
        self,
        request: Request,
        max_file: int,
        *,
        max_fields: int = FORM_OVERHEAD,
        any_file_part: bool = False,
    ) -> None:
        """any_file_part: a part with a file name is the file whatever its field's name (the
        upload URL); else only the field `file` is (files.upload)."""
        self._multipart = is_multipart(request)
        self._any_file_part = any_file_part
        self._chunks = _capped(request, max_file + (FORM_OVERHEAD if self._multipart else 0))
        self._max_fields = max_fields
        self.fields: dict[str, str] = {}
        self.filename: str | None = None
        self.has_file = not self._multipart  # a raw body is the file
        self._pending: list[bytes] = []
        self._in_file = self._file_done = self._ended = False
        self._header_name = self._header_value = b""
        self._headers: dict[bytes, bytes] = {}
        self._field: str | None = None
        self._field_bytes: list[bytes] = []
        self._fields_size = 0
        self._parser: MultipartParser | None = None
        if self._multipart:
            _, options = parse_options_header(request.headers.get("content-type", ""))
            boundary = options.get(b"boundary")
            if not boundary:
                raise SlackError("invalid_form_data")
            self._parser = MultipartParser(boundary, self._callbacks())

    def _callbacks(self) -> Any:
        def on_part_begin() -> None:
            self._headers = {}

        def on_header_field(data: bytes, start: int, end: int) -> None:
            self._header_name += data[start:end]

        def on_header_value(data: bytes, start: int, end: int) -> None:
            self._header_value += data[start:end]

        def on_header_end() -> None:
            self._headers[self._header_name.lower()] = self._header_value
            self._header_name = self._header_value = b""

        def on_headers_finished() -> None:
            _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
            name = options.get(b"name", b"").decode("utf-8", "replace")
            if name == FILE_FIELD or (self._any_file_part and b"filename" in options):
                if self.has_file:
                    raise SlackError("invalid_form_data")  # one file per upload
                self.has_file = self._in_file = True
                given = options.get(b"filename")
                self.filename = given.decode("utf-8", "replace") if given else None
            else:
                self._field, self._field_bytes = name, []

        def on_part_data(data: bytes, start: int, end: int) -> None:
            if self._in_file:
                self._pending.append(bytes(data[start:end]))
                return
            self._fields_size += end - start
            if self._fields_size > self._max_fields:
                raise BodyTooLarge
            self._field_bytes.append(bytes(data[start:end]))

        def on_part_end() -> None:
            if self._in_file:
                self._in_file, self._file_done = False, True
                return
            try:
                value = b"".join(self._field_bytes).decode()
            except UnicodeDecodeError as exc:
                raise SlackError("invalid_form_data") from exc
            if self._field and self._field not in self.fields:
                self.fields[self._field] = value

        return {
            "on_part_begin": on_part_begin,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_headers_finished": on_headers_finished,
            "on_part_data": on_part_data,
            "on_part_end": on_part_end,
        }

    async def _feed(self) -> bool:
        """Parses the next chunk of the body; False at its end."""
        assert self._parser is not None
        try:
            chunk = await anext(self._chunks)
        except StopAsyncIteration:
            self._ended = True
            try:
                self._parser.finalize()
            except MultipartParseError as exc:
                raise SlackError("invalid_form_data") from exc
            return False
        try:
            self._parser.write(chunk)
        except MultipartParseError as exc:
            raise SlackError("invalid_form_data") from exc
        return True

    async def start(self) -> None:
        """Reads up to the file's first bytes, or to the end of a form without one."""
        if self._parser is None:
            return
        while not self.has_file and await self._feed():
            pass

    async def file(self) -> AsyncIterator[bytes]:
        if self._parser is None:
            async for chunk in self._chunks:
                yield chunk
            self._ended = True
            return
        while True:
            while self._pending:
                yield self._pending.pop(0)
            if self._file_done:
                return
            if not await self._feed():
                raise BodyEndedEarly

    async def finish(self) -> None:
        """Reads the rest of the form (fields after the file)."""
        if self._parser is None or self._ended:
            return
        while await self._feed():
            pass
