"""The words of a message's blocks and attachments that search finds (docs/search.md, "The
index"). No I/O here.

A bot's message often says everything in its blocks (section text and fields, headers,
context, rich text) or in legacy attachments (pretext, title, text, fallback, fields), with
little or no `text`. Those words are indexed beside the text. Not a link preview's: an
attachment carrying `from_url` or `original_url` is a page (or a message) someone linked to,
written by its site and not by the poster, and Slack does not index unfurls either.

Bounded: blocks and attachments can be large, and this runs in every post's transaction. At
most MAX_CHARS characters are taken (Slack's cap on a message's text) from at most MAX_NODES
JSON objects and lists, never deeper than MAX_DEPTH; what is past a bound is not indexed.
"""

from __future__ import annotations

from typing import Any

MAX_CHARS = 40_000
MAX_NODES = 5_000
MAX_DEPTH = 12

# Rich text's containers, whose elements are inline pieces or, for a list, sections.
_RICH_CONTAINERS = frozenset(
    {"rich_text_section", "rich_text_list", "rich_text_preformatted", "rich_text_quote"}
)
# A legacy attachment's own words, in the order a reader meets them.
_ATTACHMENT_KEYS = ("pretext", "title", "text", "fallback")


def searchable_text(text: str, blocks: Any, attachments: Any) -> str:
    """The message's text, then each other piece of text its blocks and attachments show, one
    a line (a piece that says again what the text or another piece said is left out)."""
    if not blocks and not attachments:
        return text  # most messages: every post and imported message comes here
    taken = _Taken(text)
    taken.blocks(blocks, 0)
    if isinstance(attachments, list):
        for item in attachments:
            if taken.full:
                break
            taken.attachment(item)
    return "\n".join([text, *taken.pieces]) if taken.pieces else text


class _Taken:
    def __init__(self, text: str) -> None:
        self.pieces: list[str] = []
        self.seen = {text.strip()}
        self.chars = MAX_CHARS
        self.nodes = MAX_NODES

    @property
    def full(self) -> bool:
        return self.chars <= 0 or self.nodes <= 0

    def add(self, value: Any) -> None:
        if not isinstance(value, str) or self.full:
            return
        value = value.strip()
        if not value or value in self.seen:
            return
        value = value[: self.chars]
        self.seen.add(value)
        self.pieces.append(value)
        self.chars -= len(value)

    def visit(self) -> bool:
        """Counts a node walked; False once the walk has gone far enough."""
        self.nodes -= 1
        return not self.full

    def text_object(self, node: Any) -> None:
        """A composition text object ({"type": "mrkdwn" or "plain_text", "text": ...})."""
        if isinstance(node, dict) and self.visit():
            self.add(node.get("text"))

    def blocks(self, blocks: Any, depth: int) -> None:
        if not isinstance(blocks, list) or depth > MAX_DEPTH:
            return
        for block in blocks:
            if not isinstance(block, dict) or not self.visit():
                return
            kind = block.get("type")
            if kind in ("section", "header"):
                self.text_object(block.get("text"))
                fields = block.get("fields")
                for item in fields if isinstance(fields, list) else ():
                    self.text_object(item)
            elif kind == "context":
                elements = block.get("elements")
                for item in elements if isinstance(elements, list) else ():
                    # Images there have alt text, not words of the message.
                    if isinstance(item, dict) and item.get("type") in ("mrkdwn", "plain_text"):
                        self.text_object(item)
            elif kind == "markdown":
                self.add(block.get("text"))
            elif kind == "rich_text":
                self.rich(block.get("elements"), depth + 1)

    def rich(self, elements: Any, depth: int) -> None:
        """Rich text: each container's inline pieces joined as the reader sees them (a word in
        bold is one piece between two others), one line per container."""
        if not isinstance(elements, list) or depth > MAX_DEPTH:
            return
        line: list[str] = []
        for node in elements:
            if not isinstance(node, dict) or not self.visit():
                break
            kind = node.get("type")
            if kind in _RICH_CONTAINERS:
                self.add("".join(line))
                line = []
                self.rich(node.get("elements"), depth + 1)
            elif kind == "text" and isinstance(node.get("text"), str):
                line.append(node["text"])
            elif kind == "link":
                shown = node.get("text") or node.get("url")
                if isinstance(shown, str):
                    line.append(shown)
        self.add("".join(line))

    def attachment(self, item: Any) -> None:
        if not isinstance(item, dict) or not self.visit():
            return
        if "from_url" in item or "original_url" in item:
            return  # a link preview (docs/search.md: not indexed)
        for name in _ATTACHMENT_KEYS:
            self.add(item.get(name))
        fields = item.get("fields")
        for field in fields if isinstance(fields, list) else ():
            if isinstance(field, dict) and self.visit():
                self.add(field.get("title"))
                self.add(field.get("value"))
        self.blocks(item.get("blocks"), 1)
