"""Accessibility checks with axe-core (vendored in tests/browser/vendor/), WCAG 2 A and AA rules.

The script goes in as a context init script (install), not with page.add_script_tag: our pages'
CSP (`default-src 'none'`) refuses the inline script add_script_tag writes, while an init script
is run by the browser itself, outside the page's CSP. That keeps the CSP in force for the page
under test, which bypass_csp=True would not: a client script the CSP blocks must fail the tests.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import BrowserContext, Page

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
RULES = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def install(context: BrowserContext) -> None:
    """Makes axe available in every page the context opens from now on."""
    context.add_init_script(path=str(AXE))


def violations(page: Page) -> list[dict[str, Any]]:
    if not page.evaluate("typeof window.axe === 'object'"):
        raise RuntimeError("axe is not in the page: call axe.install(context) before loading it")
    found: list[dict[str, Any]] = page.evaluate(
        "rules => axe.run(document, rules).then(r => r.violations)", RULES
    )
    return found


def report(found: list[dict[str, Any]]) -> str:
    lines = []
    for v in found:
        targets = ", ".join(" ".join(map(str, node["target"])) for node in v["nodes"])
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} -> {targets}")
    return "\n".join(lines)


def assert_accessible(page: Page) -> None:
    found = violations(page)
    assert not found, f"axe found {len(found)} violation(s) on {page.url}:\n{report(found)}"
