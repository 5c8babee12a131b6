"""Writes the client's emoji data from iamcal's emoji-data (npm package emoji-datasource-twitter).

    python tools/vendor_emoji.py PACKAGE_DIR/emoji.json OUT.json

Slack's shortcodes are that data set's short names. The output is one compact JSON object:

- `names`: every short name to its text, base forms (`"+1": "👍"`);
- `sheet`: every text the sprite sheet has a picture of (fully qualified and not, skin tones
  too) to its cell `[x, y]` in the package's 32 px sheet (`img/twitter/sheets-256/32.png`);
- `skins`: a short name with skin tones to its five single-tone texts, Slack's `::skin-tone-2`
  to `::skin-tone-6` in order;
- `categories`: the picker's sections, `[name, [short name, ...]]` in Unicode's order.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

# Slack's ::skin-tone-2 to ::skin-tone-6 are the Fitzpatrick modifiers U+1F3FB to U+1F3FF.
TONES = ("1F3FB", "1F3FC", "1F3FD", "1F3FE", "1F3FF")


def unified_to_text(unified: str) -> str:
    """Code points in hex joined by '-' (1F44D, 0023-FE0F-20E3) as the text they spell."""
    return "".join(chr(int(point, 16)) for point in unified.split("-"))


def _place(sheet: dict[str, list[int]], entry: dict[str, Any]) -> None:
    if not entry.get("has_img_twitter"):
        return
    cell = [int(entry["sheet_x"]), int(entry["sheet_y"])]
    for key in ("unified", "non_qualified"):
        if entry.get(key):
            sheet.setdefault(unified_to_text(str(entry[key])), cell)


def emoji_data(entries: list[dict[str, Any]]) -> dict[str, Any]:
    names: dict[str, str] = {}
    sheet: dict[str, list[int]] = {}
    skins: dict[str, list[str]] = {}
    sections: dict[str, list[tuple[int, str]]] = {}
    for entry in entries:
        text = unified_to_text(str(entry["unified"]))
        short_names = entry["short_names"]
        assert isinstance(short_names, list)
        for name in short_names:
            if name in names:
                raise SystemExit(f"short name {name!r} appears twice")
            names[name] = text
        _place(sheet, entry)
        variations = entry.get("skin_variations") or {}
        for variation in variations.values():
            _place(sheet, variation)
        if all(tone in variations for tone in TONES):
            skins[str(entry["short_name"])] = [
                unified_to_text(str(variations[tone]["unified"])) for tone in TONES
            ]
        if entry["category"] != "Component" and entry.get("has_img_twitter"):
            section = sections.setdefault(str(entry["category"]), [])
            section.append((int(entry["sort_order"]), str(entry["short_name"])))
    categories = sorted(sections.items(), key=lambda item: min(order for order, _ in item[1]))
    return {
        "names": dict(sorted(names.items())),
        "sheet": sheet,
        "skins": skins,
        "categories": [[title, [name for _, name in sorted(found)]] for title, found in categories],
    }


def main(source: str, out: str) -> None:
    entries = json.loads(Path(source).read_text(encoding="utf-8"))
    data = emoji_data(entries)
    # Compact, names sorted, so a new version of the data shows as a readable diff.
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    Path(out).write_text(body, encoding="utf-8")
    print(f"{out}: {len(data['names'])} short names, {len(body.encode())} bytes")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    main(sys.argv[1], sys.argv[2])
