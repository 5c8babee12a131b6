"""Rule 7: each job's external effect happens once in effect. What a sink is owed, and whether
it deduplicates, is the harness's Sink record, not a guess made here."""

from __future__ import annotations

from collections import defaultdict

from hubbub_chaos.events import is_new_message
from hubbub_chaos.history import Effect, Final, Record, Sink
from hubbub_chaos.report import Report


def check_effects(records: list[Record], finals: list[Final], report: Report) -> None:
    sinks = {r.name: r for r in records if isinstance(r, Sink)}
    effects = [r for r in records if isinstance(r, Effect)]
    report.counts["effects"] += len(effects)

    # A message of history: held once quiet, or logged as new (since deleted, perhaps).
    known = {f"{f.channel}:{m.ts}" for f in finals for m in f.messages}
    known |= {f"{f.channel}:{e.get('ts')}" for f in finals for _, e in f.log if is_new_message(e)}

    seen: dict[tuple[str, str], list[Effect]] = defaultdict(list)
    for e in effects:
        seen[e.sink, e.key].append(e)
    for (sink, key), found in seen.items():
        if len(found) > 1:
            if sink in sinks and sinks[sink].dedup:
                report.counts["effects_deduplicated"] += len(found) - 1
            else:
                report.add("doubled_effect", f"{sink}: {key} {len(found)} times", *found)
        for ref in sorted({e.ref for e in found} - known):
            report.add("phantom_effect", f"{sink}: {key} for {ref}, no such message", found[0])

    refs = {(e.sink, e.ref) for e in effects}
    by_channel = {f.channel: f for f in finals}
    for owing in sinks.values():
        for channel in owing.owed:
            final = by_channel.get(channel)
            for m in final.messages if final else []:
                if m.cmid is not None and (owing.name, f"{channel}:{m.ts}") not in refs:
                    report.add("lost_effect", f"{owing.name}: none for {channel}:{m.ts}", owing, m)
