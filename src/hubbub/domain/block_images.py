"""The images a message shows, by the URLs its blocks and attachments name: what the image
proxy (services/image_proxy.py) may fetch for a reader of that message, and nothing else."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

# Where Slack's blocks and attachments put an image the browser client draws (web/static/
# blocks.js): image blocks, a section's accessory, a context's elements; an attachment's
# image_url and thumb_url, and the blocks inside it.
_ATTACHMENT_IMAGES = ("image_url", "thumb_url")


def shown_images(blocks: Any, attachments: Any, icons: Any = None) -> set[str]:
    """Every image URL of these blocks and attachments, as the message stores them, and of the
    icon a bot chose for it (`icons.image_48`, chat:write.customize's icon_url)."""
    found = set(_in_blocks(blocks))
    if isinstance(icons, dict):
        found.update(
            url
            for url in icons.values()
            if isinstance(url, str) and url.startswith(("http://", "https://"))
        )
    for attachment in _dicts(attachments):
        for key in _ATTACHMENT_IMAGES:
            url = attachment.get(key)
            if isinstance(url, str):
                found.add(url)
        found.update(_in_blocks(attachment.get("blocks")))
    return found


def _in_blocks(blocks: Any) -> Iterator[str]:
    for block in _dicts(blocks):
        kind = block.get("type")
        if kind == "image":
            yield from _image(block)
        elif kind == "section":
            accessory = block.get("accessory")
            if isinstance(accessory, dict) and accessory.get("type") == "image":
                yield from _image(accessory)
        elif kind == "context":
            for element in _dicts(block.get("elements")):
                if element.get("type") == "image":
                    yield from _image(element)


def _image(element: dict[str, Any]) -> Iterator[str]:
    url = element.get("image_url")
    if isinstance(url, str):
        yield url


def _dicts(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, list):
        yield from (item for item in value if isinstance(item, dict))
