"""Debian's Chromium under Playwright, as the browser tests and `hubbub bench web` start it.

Playwright's own browser download cannot work here, so it drives /usr/bin/chromium. The flags keep
Chromium from reaching for Google's hosts, which this machine's closed network refuses.
"""

from __future__ import annotations

import os
import shutil
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Playwright

FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def executable() -> str:
    found = os.environ.get("HUBBUB_CHROMIUM") or shutil.which("chromium")
    if not found:
        raise RuntimeError("Chromium is missing: `make test` installs Debian's package chromium")
    return found


def launch(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(executable_path=executable(), headless=True, args=FLAGS)
