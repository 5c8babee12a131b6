"""The images a message shows (domain/block_images.py), which are all the image proxy may
fetch for it, and the proxy's per-process cache (services/image_proxy.py ImageCache)."""

from __future__ import annotations

from typing import Any

from hubbub.domain.block_images import shown_images
from hubbub.services.image_proxy import ImageCache, Picture


def image(url: Any) -> dict[str, Any]:
    return {"type": "image", "image_url": url, "alt_text": "x"}


def test_every_place_an_image_is_drawn_and_nothing_else() -> None:
    blocks = [
        image("https://a.test/block.png"),
        {"type": "section", "accessory": image("https://a.test/accessory.png")},
        {"type": "section", "accessory": {"type": "button", "image_url": "https://a.test/no"}},
        {"type": "context", "elements": [image("https://a.test/context.png"), {"type": "mrkdwn"}]},
        {"type": "actions", "elements": [image("https://a.test/not-drawn.png")]},
        {"type": "rich_text", "image_url": "https://a.test/no2"},
        image(42),
        "junk",
        None,
    ]
    attachments = [
        {
            "image_url": "https://a.test/att.png",
            "thumb_url": "https://a.test/thumb.png",
            "author_icon": "https://a.test/icon.png",
            "blocks": [image("https://a.test/in-att.png")],
        },
        {"image_url": ["not", "a", "string"]},
        "junk",
    ]
    assert shown_images(blocks, attachments) == {
        "https://a.test/block.png",
        "https://a.test/accessory.png",
        "https://a.test/context.png",
        "https://a.test/att.png",
        "https://a.test/thumb.png",
        "https://a.test/in-att.png",
    }
    assert shown_images(None, None) == set()
    assert shown_images({"type": "image"}, "x") == set()


def test_the_cache_keeps_the_newest_used_within_its_bytes_and_time() -> None:
    cache = ImageCache(max_bytes=10, ttl_s=60)
    a, b, c = (Picture("image/png", bytes(4)) for _ in range(3))
    cache.put("a", a)
    cache.put("b", b)
    assert cache.get("a") is a  # a is now the newest used
    cache.put("c", c)  # 12 bytes: b, the oldest used, goes
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (a, None, c)
    cache.put("huge", Picture("image/png", bytes(11)))  # larger than the whole cache: not kept
    assert cache.get("huge") is None and cache.get("a") is a
    cache.put("a", Picture("image/png", bytes(2)))  # replaced, counted once
    assert cache.get("a") is not a and cache.get("c") is c
    stale = ImageCache(max_bytes=10, ttl_s=-1)
    stale.put("a", a)
    assert stale.get("a") is None


def test_a_bots_chosen_icon_is_shown_but_not_any_other_url() -> None:
    # chat:write.customize's icon_url is stored as icons.image_48: the proxy may fetch it for a
    # reader of the message; an emoji icon names no URL.
    assert shown_images(None, None, {"image_48": "https://x.test/i.png"}) == {
        "https://x.test/i.png"
    }
    assert shown_images(None, None, {"emoji": ":rocket:"}) == set()
    assert shown_images(None, None, "not a dict") == set()
