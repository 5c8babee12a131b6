"""`hubbub bench web`: time to the first message on screen in Chromium, and its bytes.

Processes: this one (the seed, written in-process, then Playwright), `hubbub serve` on the seeded
data directory, and Chromium. The reader signs in once through the login form; each cold load is
a new browser context (empty cache) holding that session's cookie, and each warm load the reload
of the page it opened. One load before them all warms the server and is reported apart.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import hubbub
from hubbub_bench import webload
from hubbub_bench.post import Children, git_version, start_hubbub, stop_on_sigterm
from hubbub_bench.results import write_result
from hubbub_bench.webseed import DOMAIN, EMAIL, PASSWORD, Seeded, Shape, seed_dir
from hubbub_bench.webstats import TARGET_FIRST_PAGE_BYTES, TARGET_SHOWN_MS, web_result

if TYPE_CHECKING:
    from playwright.sync_api import Browser, StorageState, ViewportSize

# A laptop's window: how much of the channel the client has to fill at once.
VIEWPORT: ViewportSize = {"width": 1280, "height": 800}


@dataclass(frozen=True)
class WebOptions:
    runs: int
    timeout_s: float
    out: Path
    shape: Shape


def client_url(base: str, seeded: Seeded) -> str:
    return f"{base}/client/{seeded.team_id}/{seeded.channel_id}"


def sign_in(browser: Browser, base: str) -> StorageState:
    """Through the login form, as a person would; returns the context's cookies."""
    from hubbub.web.session import SESSION_COOKIE

    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        page.goto(base + "/login")
        page.get_by_label("Workspace domain").fill(DOMAIN)
        page.get_by_label("Email").fill(EMAIL)
        page.get_by_label("Password").fill(PASSWORD)
        with page.expect_navigation():
            page.get_by_role("button", name="Sign in").click()
        if not any(c.get("name") == SESSION_COOKIE for c in context.cookies()):
            raise RuntimeError(f"signing in through {base}/login failed (at {page.url})")
        return context.storage_state()
    finally:
        context.close()


@dataclass
class Loads:
    warmup: dict[str, Any] | None
    cold: list[dict[str, Any]]
    warm: list[dict[str, Any]]
    error: str | None = None


def measure(browser: Browser, state: StorageState, url: str, opts: WebOptions) -> Loads:
    """The warm-up, then per run a cold load in a new context and a warm reload of it. Stops at
    the first load that shows no message: the rest would wait as long for nothing."""
    loads = Loads(None, [], [])
    for run in range(opts.runs + 1):
        context = browser.new_context(viewport=VIEWPORT, storage_state=state)
        try:
            page, wire = webload.prepare(context)
            cold = webload.load(page, wire, url, reload=False, timeout_s=opts.timeout_s)
            if run == 0:
                loads.warmup = cold
                continue
            loads.cold.append(cold)
            loads.warm.append(webload.load(page, wire, url, reload=True, timeout_s=opts.timeout_s))
        except webload.NeverShown as exc:
            loads.error = str(exc)
            if run == 0:
                loads.warmup = {"shown_ms": None, "wire": exc.wire}
            return loads
        finally:
            context.close()
    return loads


def settings_of(opts: WebOptions, browser_version: str) -> dict[str, Any]:
    from importlib.metadata import version

    return {
        "git": git_version(),
        "runs": opts.runs,
        "timeout_s": opts.timeout_s,
        "viewport": VIEWPORT,
        "browser": f"Chromium {browser_version} (headless)",
        "playwright": version("playwright"),
        "first_message": webload.FIRST_MESSAGE,
        "rate_limits": "off",
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "hubbub": hubbub.__version__,
        "loadavg_before": [round(v, 2) for v in os.getloadavg()],
    }


def run(opts: WebOptions) -> tuple[dict[str, Any], Path]:
    from playwright.sync_api import sync_playwright

    from hubbub_bench.chromium import launch

    started_at = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    children = Children()
    with (
        stop_on_sigterm(),
        tempfile.TemporaryDirectory(prefix="hubbub-bench-web-") as tmp,
    ):
        data_dir = Path(tmp) / "data"
        began = time.monotonic()
        print(f"seeding {opts.shape.messages:,} messages ...", file=sys.stderr)
        seeded = seed_dir(data_dir, opts.shape)
        seed_s = round(time.monotonic() - began, 1)
        try:
            _, base = start_hubbub(children, data_dir)
            with sync_playwright() as pw:
                browser = launch(pw)
                try:
                    settings = settings_of(opts, browser.version)
                    url = client_url(base, seeded)
                    loads = measure(browser, sign_in(browser, base), url, opts)
                finally:
                    browser.close()
        finally:
            children.stop_all()
    seed = {
        "shape": asdict(opts.shape),
        **seeded.counts,
        # The worst case for the sidebar, as the store tells it.
        "reader_member_of_every_channel": seeded.counts["reader_channels"] == opts.shape.channels,
        "seconds": seed_s,
        "seconds_by_part": seeded.seconds,
        "path": url.removeprefix(base),
    }
    result = web_result(
        cold=loads.cold,
        warm=loads.warm,
        warmup=loads.warmup,
        settings=settings,
        seed=seed,
        started_at=started_at,
        error=loads.error,
    )
    path = write_result(opts.out, "web", started_at, result)
    return result, path


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def _kb(value: int | None) -> str:
    return "-" if value is None else f"{value / 1024:,.1f}"


def table(result: dict[str, Any]) -> Any:
    """The timings and bytes of each side, then the largest requests of the first cold load."""
    from rich.console import Group
    from rich.table import Table

    seed = result["seed"]
    title = (
        f"first message on screen: {seed['messages']:,} messages, {seed['channels']:,} channels "
        f"(the reader in all), {seed['people']:,} people"
    )
    times = Table(title=title)
    for column in ("", "loads", "median ms", "max ms", "KB total", "static", "api", "socket"):
        times.add_column(column, justify="left" if not column else "right")
    for name in ("cold", "warm"):
        side = result[name]
        first = side["loads"][0]["wire"] if side["loads"] else {}
        times.add_row(
            name,
            str(side["runs"]),
            _ms(side["median_ms"]),
            _ms(side["max_ms"]),
            _kb(side["max_bytes"]),
            *(_kb(first.get(kind)) for kind in ("static", "api", "socket")),
        )
    targets = result["targets"]
    times.caption = (
        f"targets: cold median under {TARGET_SHOWN_MS:g} ms: {targets['meets_shown']}; "
        f"first page under {TARGET_FIRST_PAGE_BYTES // 1024} KB: {targets['meets_bytes']}; "
        f"seeded in {seed['seconds']:g} s"
    )
    if result["cold"]["loads"]:
        which, first = "the first cold load", result["cold"]["loads"][0]
    else:  # no load showed a message: what the warm-up loaded until it gave up
        which, first = "the warm-up load (no message shown)", result["warmup"] or {}
    biggest = Table(title=f"largest transfers of {which}")
    for column in ("kind", "KB", "url"):
        biggest.add_column(column, justify="right" if column == "KB" else "left")
    for item in first.get("wire", {}).get("largest", []):
        biggest.add_row(item["kind"], _kb(item["bytes"]), item["url"])
    return Group(times, biggest)
