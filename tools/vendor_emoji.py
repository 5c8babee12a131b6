"""Writes the client's emoji shortcodes from iamcal's emoji-data (npm package emoji-datasource).

    python tools/vendor_emoji.py PACKAGE_DIR/emoji.json OUT.json

Slack's shortcodes are that data set's short names. The output maps every short name to its
character string, base forms only: skin tones are a modifier the client need not know to render
`:+1:`, and they would triple the file.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def unified_to_text(unified: str) -> str:
    """Code points in hex joined by '-' (1F44D, 0023-FE0F-20E3) as the text they spell."""
    return "".join(chr(int(point, 16)) for point in unified.split("-"))


def shortcodes(entries: list[dict[str, object]]) -> dict[str, str]:
    table: dict[str, str] = {}
    for entry in entries:
        text = unified_to_text(str(entry["unified"]))
        names = entry["short_names"]
        assert isinstance(names, list)
        for name in names:
            if name in table:
                raise SystemExit(f"short name {name!r} appears twice")
            table[name] = text
    return table


def main(source: str, out: str) -> None:
    entries = json.loads(Path(source).read_text(encoding="utf-8"))
    table = shortcodes(entries)
    # Compact and sorted, so a new version of the data shows as a readable diff of names.
    body = json.dumps(table, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    Path(out).write_text(body, encoding="utf-8")
    print(f"{out}: {len(table)} short names, {len(body.encode())} bytes")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    main(sys.argv[1], sys.argv[2])
