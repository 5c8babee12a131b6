"""Apps for tests: made as `hubbub admin create-app` makes them, on a server's data directory."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from hubbub.services import apps
from hubbub.services.apps import NewApp
from tests.support.servers import run_admin, settings_for


def make_app(
    data_dir: Path,
    *,
    domain: str = "acme",
    name: str = "Weather",
    events: Iterable[str] = ("message.channels", "app_mention"),
    scopes: Iterable[str] | None = None,
    request_url: str | None = None,
    socket_mode: bool = False,
    commands: Iterable[str] = (),
    interactivity_url: str | None = None,
    shortcuts: Iterable[str] = (),
) -> NewApp:
    return run_admin(
        data_dir,
        lambda hub: apps.create_app(
            hub,
            domain,
            name=name,
            events=list(events),
            scopes=None if scopes is None else list(scopes),
            request_url=request_url,
            socket_mode=socket_mode,
            commands=list(commands),
            interactivity_url=interactivity_url,
            shortcuts=list(shortcuts),
        ),
        # The app's request URL is a server of the test's on 127.0.0.1.
        settings_for(data_dir, allow_private_outbound=True),
    )
