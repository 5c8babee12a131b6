"""The shared settings (domain/shared_settings.py) as the processes apply them: each stored
value overrides the settings file's, after the same checks a settings file gets (the Settings
field's own type and bounds), and every process reads them again every `shared_settings_s`.

A stored value that no longer passes (written by another version) is left out and logged:
the process goes on with its file's value rather than refusing to start.
"""

from __future__ import annotations

import functools
from typing import Annotated, Any

import orjson
import structlog
from pydantic import TypeAdapter, ValidationError

from hubbub.config import Settings
from hubbub.domain.shared_settings import MAX_VALUE, NAMES, Live
from hubbub.jobs.background import Sweep
from hubbub.services.hub import Hub

log = structlog.get_logger()


@functools.cache
def _adapter(name: str) -> TypeAdapter[Any]:
    field = Settings.model_fields[name]
    if not field.metadata:  # no bounds: the type alone
        return TypeAdapter(field.annotation)  # type: ignore[arg-type]
    return TypeAdapter(Annotated[field.annotation, *field.metadata])  # type: ignore[arg-type]


def checked(name: str, text: str) -> Any:
    """The value text gives a shared setting (JSON, or a bare word such as `off`), as a settings
    file would; ValueError naming what is wrong."""
    _known(name)
    if len(text) > MAX_VALUE:
        raise ValueError(f"{name}: a value of at most {MAX_VALUE} characters")
    try:
        given = orjson.loads(text)
    except orjson.JSONDecodeError:
        given = text  # `off`, `true` as settings files and the environment take them
    try:
        return _adapter(name).validate_python(given)
    except ValidationError as exc:
        problem = exc.errors()[0]["msg"]
        raise ValueError(f"{name}: {problem}") from None


def _known(name: str) -> None:
    if name not in NAMES:
        raise ValueError(f"{name[:64]!r} is not a shared setting: one of {', '.join(NAMES)}")


def applied(base: Settings, stored: dict[str, str]) -> Settings:
    """base with each stored shared setting that passes its checks."""
    update = {}
    for name, text in stored.items():
        try:
            update[name] = checked(name, text)
        except ValueError as exc:
            log.warning("shared_setting_ignored", name=name[:64], why=str(exc))
    return base.model_copy(update=update)


async def live(hub: Hub, base: Settings) -> Live:
    return applied(base, await hub.shards.shared_settings()).live


async def store(hub: Hub, name: str, text: str | None) -> Any:
    """Stores a shared setting for every process (None: back to each one's file); returns the
    value stored. ValueError for a name or value that is refused, with nothing stored."""
    if text is None:
        _known(name)
        await hub.shards.set_shared_setting(name, None)
        return None
    value = checked(name, text)
    await hub.shards.set_shared_setting(name, orjson.dumps(value).decode())
    return value


class SharedSettingsWatch(Sweep):
    """Keeps hub.live up to date with the stored shared settings."""

    name = "shared_settings"

    def __init__(self, hub: Hub, base: Settings) -> None:
        self.hub, self.base, self.interval_s = hub, base, base.shared_settings_s

    async def run_once(self) -> int:
        now = await live(self.hub, self.base)
        if now == self.hub.live:
            return 0
        log.info("shared_settings_changed", settings=str(now))
        self.hub.live = now
        return 1
