"""The vendored emoji index (web/static/vendor/emoji.json, tools/vendor_emoji.py) agrees with
itself and with the sprite sheet beside it: every name the client may show has a picture, in a
cell the sheet has, and the server's reaction names are the same names."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PIL import Image

from hubbub.services.emoji import known_names

VENDOR = Path(__file__).resolve().parents[2] / "src" / "hubbub" / "web" / "static" / "vendor"
CELL = 34  # 32 px pictures, 1 px around each


def _data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((VENDOR / "emoji.json").read_text(encoding="utf-8"))
    return data


def test_every_name_skin_tone_and_picker_entry_has_a_picture_on_the_sheet() -> None:
    data = _data()
    names, sheet, skins = data["names"], data["sheet"], data["skins"]
    assert names["+1"] == names["thumbsup"] == "\U0001f44d"
    assert all(text in sheet for text in names.values())
    assert all(len(tones) == 5 and all(t in sheet for t in tones) for tones in skins.values())
    assert skins["+1"][2] == "\U0001f44d\U0001f3fd"  # Slack's ::skin-tone-4
    in_picker = [name for _, section in data["categories"] for name in section]
    assert len(in_picker) == len(set(in_picker)) > 1800
    assert set(in_picker) <= set(names)
    with Image.open(VENDOR / "emoji-twitter-32.png") as image:
        cells = image.width // CELL, image.height // CELL
    assert all(0 <= x < cells[0] and 0 <= y < cells[1] for x, y in sheet.values())


def test_the_server_takes_the_names_the_client_shows() -> None:
    assert known_names() == frozenset(_data()["names"])
