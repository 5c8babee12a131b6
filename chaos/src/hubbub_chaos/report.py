"""What the checker found: counts, and violations grouped by kind, each with the records that
show it. Pure: `summary()` is text for a terminal, `to_json()` a dict for the run's folder."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field, is_dataclass
from typing import Any

import orjson

# Every kind the checker reports, in the order a summary lists them.
KINDS = (
    "lost",  # an acknowledged post missing from its channel, or not where it was answered
    "doubled",  # a client_msg_id twice in a channel
    "phantom",  # a message (held, or logged as new) that no Op accounts for
    "unlogged",  # a post held with no event in the log: no receiver could have had it
    "stale_text",  # a message's text is not its last edit's (nor its post's)
    "undeleted",  # an acknowledged delete, and the message still there
    "reactions",  # a reaction held that its Ops say is gone, or missing that they say is there
    "fail_trace",  # a post answered with an error left a message
    "log_hole",  # a Final log is not seq 1..n
    "gap",  # a receiver's run of a stream misses a seq
    "duplicate",  # a receiver got a seq twice (or one before its run's start)
    "reorder",  # a receiver got seqs out of order
    "resume_skipped",  # a resumed session started past where the receiver had got
    "resume_repeated",  # a resumed session started before where the receiver had got
    "not_member",  # events of a stream the receiver had left, or never joined
    "undelivered",  # once quiet, a receiver short of a stream's end
    "disagreement",  # a receiver's event at (stream, seq) differs from the log's
    "phantom_delivery",  # a Recv of a stream with no log, or past its end
    "doubled_effect",  # a key seen twice at a sink that does not deduplicate
    "phantom_effect",  # an effect whose ref is no message of history
    "lost_effect",  # an owed effect never seen
)

EXAMPLES = 3  # examples a summary prints per kind
JSON_EXAMPLES = 100  # and the JSON form keeps, with the total


@dataclass(frozen=True, slots=True)
class Violation:
    kind: str
    detail: str
    evidence: tuple[Any, ...]  # records, or excerpts of a Final (dicts)


@dataclass(slots=True)
class Report:
    counts: Counter[str] = field(default_factory=Counter)
    violations: list[Violation] = field(default_factory=list)

    def add(self, kind: str, detail: str, *evidence: Any) -> None:
        assert kind in KINDS, kind
        self.violations.append(Violation(kind, detail, evidence))

    @property
    def ok(self) -> bool:
        return not self.violations

    def by_kind(self) -> dict[str, list[Violation]]:
        grouped: dict[str, list[Violation]] = {}
        for kind in KINDS:
            found = [v for v in self.violations if v.kind == kind]
            if found:
                grouped[kind] = found
        return grouped

    def summary(self) -> str:
        lines = ["counts: " + ", ".join(f"{k} {v}" for k, v in sorted(self.counts.items()))]
        if self.ok:
            lines.append("OK: no violations")
            return "\n".join(lines)
        grouped = self.by_kind()
        total = len(self.violations)
        lines.append(
            f"FAILED: {total} violations: " + ", ".join(f"{k} {len(v)}" for k, v in grouped.items())
        )
        for kind, found in grouped.items():
            lines.append(f"{kind} ({len(found)}):")
            for v in found[:EXAMPLES]:
                lines.append(f"  - {v.detail}")
                lines.extend(f"      {_short(e)}" for e in v.evidence)
            if len(found) > EXAMPLES:
                lines.append(f"  ... and {len(found) - EXAMPLES} more")
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "counts": dict(sorted(self.counts.items())),
            "violations": {
                kind: {
                    "total": len(found),
                    "examples": [
                        {"detail": v.detail, "evidence": [_plain(e) for e in v.evidence]}
                        for v in found[:JSON_EXAMPLES]
                    ],
                }
                for kind, found in self.by_kind().items()
            },
        }


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    return value


def _short(value: Any, width: int = 160) -> str:
    """One line per record: its kind first, empty fields left out."""
    plain = _plain(value)
    if isinstance(plain, dict):
        first = {"kind": plain["kind"]} if "kind" in plain else {}
        plain = first | {k: v for k, v in plain.items() if v not in (None, {}, [], "")}
    text = orjson.dumps(plain).decode()
    return text if len(text) <= width else text[: width - 3] + "..."
