"""One Web API call: its arguments (from query, form or JSON body) read with Slack's coercions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import orjson

from hubbub.api.upload_body import UploadBody
from hubbub.domain.errors import SlackError
from hubbub.domain.model import Identity
from hubbub.services.hub import Hub

_INTEGER = re.compile(r"-?[0-9]{1,20}\Z")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


@dataclass
class Call:
    hub: Hub
    who: Identity
    method: str
    args: dict[str, Any]
    # A multipart body read up to its file, for a method that reads the file as it arrives
    # (files.upload: api/upload_body.py); None when args hold the body's arguments.
    body: UploadBody | None = None

    def text(self, name: str, *, missing: str | None = None) -> str | None:
        """A string argument; `missing` is the error to raise when it is absent or empty."""
        value = self.args.get(name)
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, int | float):
            value = str(value)
        elif value is not None and not isinstance(value, str):
            raise SlackError("invalid_arguments")
        if not value and missing is not None:
            raise SlackError(missing)
        return value

    def required(self, name: str, missing: str = "invalid_arguments") -> str:
        value = self.text(name, missing=missing)
        assert value is not None
        return value

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.args.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise SlackError("invalid_arguments")

    def integer(self, name: str, default: int | None = None) -> int | None:
        value = self.args.get(name)
        if value is None or value == "":
            return default
        # Plain decimal digits only: Python's int() would also take "+5", " 5", "1_0", 2.7 and
        # other scripts' digits, which no Slack client sends.
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, str) and _INTEGER.match(value):
            number = int(value)
        else:
            raise SlackError("invalid_arguments")
        if not -(2**53) < number < 2**53:
            raise SlackError("invalid_arguments")
        return number

    def json(self, name: str, error: str = "invalid_arguments") -> Any:
        """A structured argument: a JSON value in a JSON body, or JSON text in a form."""
        value = self.args.get(name)
        if isinstance(value, str):
            if not value.strip():
                return None
            try:
                return orjson.loads(value)
            except orjson.JSONDecodeError as exc:
                raise SlackError(error) from exc
        return value

    def id_list(self, name: str, missing: str = "invalid_arguments") -> list[str]:
        """A comma-separated list of ids, as Slack takes `users` or `types`."""
        value = self.args.get(name)
        if isinstance(value, list):
            items = [str(v).strip() for v in value]
        else:
            items = [v.strip() for v in (self.text(name) or "").split(",")]
        items = [v for v in items if v]
        if not items:
            raise SlackError(missing)
        return items
