"""The history checker (chaos/src/hubbub_chaos/checker.py): a correct history passes with the
right counts, and each crafted bad one fails with exactly its kind (random histories:
test_checker_random.py; the command: test_check_command.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from hubbub_chaos.checker import check
from hubbub_chaos.history import (
    Effect,
    Final,
    Message,
    Op,
    Record,
    Recv,
    Session,
)
from hubbub_chaos.report import Report
from tests.chaos.histories import TEAM, World, scenario

# -- finding records in a history ---------------------------------------------------------


def final(records: list[Record], channel: str) -> tuple[int, Final]:
    return next(
        (i, r) for i, r in enumerate(records) if isinstance(r, Final) and r.channel == channel
    )


def message(records: list[Record], channel: str, cmid: str) -> Message:
    _, f = final(records, channel)
    return next(m for m in f.messages if m.cmid == cmid)


def with_messages(
    records: list[Record], channel: str, edit: Callable[[list[Message]], list[Message]]
) -> list[Record]:
    i, f = final(records, channel)
    out = list(records)
    out[i] = replace(f, messages=edit(list(f.messages)))
    return out


def recv_at(
    records: list[Record], receiver: str, stream: str, nth: int = 0, session: int | None = None
) -> int:
    """The index of a receiver's nth Recv of a stream (in a session, if given)."""
    found = [
        i
        for i, r in enumerate(records)
        if isinstance(r, Recv)
        and (r.receiver, r.stream) == (receiver, stream)
        and (session is None or r.session == session)
    ]
    return found[nth]


def kinds(report: Report) -> set[str]:
    return {v.kind for v in report.violations}


@pytest.fixture
def good() -> list[Record]:
    return scenario().finish()


# -- a correct history --------------------------------------------------------------------


def test_a_correct_history_passes_with_its_counts(good: list[Record]) -> None:
    report = check(good)

    assert report.ok, report.summary()
    assert report.counts == {
        # setup's 10 joins, 9 posts' 11 attempts, 2 edits, a delete, 3 reactions, 2 joins, a leave
        "ops_ok": 21,
        "ops_unknown": 5,  # m2's first try, m3, m4, an edit, an unreact
        "ops_fail": 1,  # m5
        "posts_acknowledged": 6,  # m1 m2 m6 m7 m8 m9
        "receivers": 3,
        "sessions": 5,  # R1 twice (resumed), R2 once, R3 twice (resumed, resynced)
        "resumes": 2,
        "resyncs": 1,
        # C1 after setup's 8: m1 m2 (9-10), edit, 3 reactions, m6, delete (11-16), U2's leave
        # (17-18), m8, U3's join (20-21), m9: R1 all 14; R2 9-18; R3 20-22. C2 after setup's 6:
        # m3, U2's join (8-9): R1 all 3, R2 from its join 2.
        "recvs": 14 + 10 + 3 + 3 + 2,
        "faults": 2,
        "finals": 4,  # C1, C2, C3 and the team's stream
        "effects": 7,  # 4 owed by C1's messages (one twice), m2's before its delete, an email
        "effects_deduplicated": 1,
    }
    assert "OK: no violations" in report.summary()


def test_the_scenario_has_what_it_says(good: list[Record]) -> None:
    """The correct history exercises what the rules are about (so passing means something)."""
    sessions = [r for r in good if isinstance(r, Session)]
    assert [s.resumed for s in sessions if s.receiver == "R1"] == [False, True]
    got = {
        (r.receiver, r.stream, r.event.get("type"), r.event.get("subtype"))
        for r in good
        if isinstance(r, Recv)
    }
    assert ("R2", "C2", "message", "channel_join") in got  # joined C2 mid-session
    assert ("R3", "C1", "message", "channel_join") in got  # joined C1 after its resync
    assert ("R2", "C1", "member_left_channel", None) in got
    after_leave = [
        r
        for r in good
        if isinstance(r, Recv) and r.receiver == "R2" and r.event.get("text") == "after the leave"
    ]
    assert after_leave == []
    assert (
        message(good, "C1", "m1").text == "hello, again?"
        or message(good, "C1", "m1").text == "hello, edited"
    )


# -- crafted bad histories, each exactly its kind -----------------------------------------


def gap(records: list[Record]) -> list[Record]:
    i = recv_at(records, "R2", "C1", 1)
    return records[:i] + records[i + 1 :]


def duplicate(records: list[Record]) -> list[Record]:
    i = recv_at(records, "R2", "C1", 1)
    return [*records[: i + 1], records[i], *records[i + 1 :]]


def reorder(records: list[Record]) -> list[Record]:
    i, j = recv_at(records, "R2", "C1", 1), recv_at(records, "R2", "C1", 2)
    out = list(records)
    out[i], out[j] = out[j], out[i]
    return out


def phantom_message(records: list[Record]) -> list[Record]:
    ghost = Message("1700000000.999999", "boo", "ghost", user="P1")
    return with_messages(records, "C2", lambda ms: [*ms, ghost])


def phantom_delivery(records: list[Record]) -> list[Record]:
    i = recv_at(records, "R1", "C2", -1)
    r = records[i]
    assert isinstance(r, Recv)
    _, f = final(records, "C2")
    extra = replace(r, seq=len(f.log) + 1, event={"type": "message", "text": "not logged"})
    return [*records[: i + 1], extra, *records[i + 1 :]]


def disagreement(records: list[Record]) -> list[Record]:
    """Two receivers given different texts for the same seq."""
    i = recv_at(records, "R2", "C1", 0)
    r = records[i]
    assert isinstance(r, Recv) and r.event.get("text") == "hello"
    j = next(
        j
        for j, o in enumerate(records)
        if isinstance(o, Recv) and o.receiver == "R1" and (o.stream, o.seq) == (r.stream, r.seq)
    )
    out = list(records)
    out[i] = replace(r, event={**r.event, "text": "hullo"})
    assert isinstance(out[j], Recv) and out[j].event["text"] == "hello"  # type: ignore[union-attr]
    return out


def lost_ack(records: list[Record]) -> list[Record]:
    return with_messages(records, "C1", lambda ms: [m for m in ms if m.cmid != "m9"])


def doubled_after_unknown(records: list[Record]) -> list[Record]:
    """m3's post had no answer: its retry must still not make a second message."""
    again = replace(message(records, "C2", "m3"), ts="1700000000.999999")
    return with_messages(records, "C2", lambda ms: [*ms, again])


def stale_text(records: list[Record]) -> list[Record]:
    """m1 was edited (ok) to "hello, edited", then once more with no answer: "hello" is stale."""
    return with_messages(
        records, "C1", lambda ms: [replace(m, text="hello") if m.cmid == "m1" else m for m in ms]
    )


def deleted_present(records: list[Record]) -> list[Record]:
    """m2 was deleted (ok), and is back."""
    [post] = [r for r in records if isinstance(r, Op) and r.cmid == "m2" and r.outcome == "ok"]
    [delete] = [r for r in records if isinstance(r, Op) and r.op == "delete"]
    assert delete.ts is not None and post.result_ts == delete.ts and delete.outcome == "ok"
    m2 = Message(delete.ts, "hi", "m2", user="P2")
    return with_messages(records, "C1", lambda ms: [*ms, m2])


def resume_skipped(records: list[Record]) -> list[Record]:
    """R1's resumed session starts C1 one past where R1 had got, and so never gets that event."""
    i = next(
        i
        for i, r in enumerate(records)
        if isinstance(r, Session) and r.receiver == "R1" and r.resumed
    )
    hello = records[i]
    assert isinstance(hello, Session)
    out = list(records)
    out[i] = replace(hello, cursor={**hello.cursor, "C1": hello.cursor["C1"] + 1})
    j = recv_at(out, "R1", "C1", 0, session=2)
    return out[:j] + out[j + 1 :]


def lost_effect(records: list[Record]) -> list[Record]:
    ref = f"C1:{message(records, 'C1', 'm9').ts}"
    return [r for r in records if not (isinstance(r, Effect) and r.ref == ref)]


def doubled_effect(records: list[Record]) -> list[Record]:
    """The SMTP sink does not deduplicate: a second email is a second email."""
    i = next(i for i, r in enumerate(records) if isinstance(r, Effect) and r.sink == "smtp")
    return [*records[: i + 1], records[i], *records[i + 1 :]]


def reactions(records: list[Record]) -> list[Record]:
    """P2's thumbsup on m1 was acknowledged and never taken back, and is gone."""
    return with_messages(
        records, "C1", lambda ms: [replace(m, reactions={}) if m.cmid == "m1" else m for m in ms]
    )


def log_hole(records: list[Record]) -> list[Record]:
    """C3's log (nobody receives it) misses its seq 2 (P3's join event)."""
    i, f = final(records, "C3")
    assert f.log[1][1]["type"] == "member_joined_channel"
    out = list(records)
    out[i] = replace(f, log=[f.log[0], *f.log[2:]])
    return out


CRAFTED: dict[str, Callable[[list[Record]], list[Record]]] = {
    "gap": gap,
    "duplicate": duplicate,
    "reorder": reorder,
    "phantom": phantom_message,
    "phantom_delivery": phantom_delivery,
    "disagreement": disagreement,
    "lost": lost_ack,
    "doubled": doubled_after_unknown,
    "stale_text": stale_text,
    "undeleted": deleted_present,
    "resume_skipped": resume_skipped,
    "lost_effect": lost_effect,
    "doubled_effect": doubled_effect,
    "log_hole": log_hole,
    "reactions": reactions,
}


@pytest.mark.parametrize("kind", sorted(CRAFTED))
def test_a_crafted_bad_history_fails_with_exactly_its_kind(good: list[Record], kind: str) -> None:
    report = check(CRAFTED[kind](good))

    assert not report.ok
    assert kinds(report) == {kind}, report.summary()
    assert len(report.violations) == 1, report.summary()
    assert report.violations[0].evidence, "a violation names the records that show it"


def test_a_refused_post_that_left_a_message(good: list[Record]) -> None:
    m5 = Message("1700000000.999999", "refused", "m5", user="P2")
    report = check(with_messages(good, "C1", lambda ms: [*ms, m5]))
    assert kinds(report) == {"fail_trace", "lost_effect"}  # C1's messages each owe an event


def test_a_reply_held_outside_its_thread(good: list[Record]) -> None:
    bad = with_messages(
        good, "C1", lambda ms: [replace(m, thread_ts=None) if m.cmid == "m6" else m for m in ms]
    )
    report = check(bad)
    assert kinds(report) == {"lost"}
    assert "reply m6" in report.violations[0].detail


def test_a_join_message_nobody_made(good: list[Record]) -> None:
    """A message without client_msg_id is accounted only by a join (or leave) of its user."""
    stray = Message(
        "1700000000.999999", "<@U9> has joined the channel", None, subtype="channel_join", user="U9"
    )
    assert kinds(check(with_messages(good, "C2", lambda ms: [*ms, stray]))) == {"phantom"}


def _c3_log(records: list[Record], edit: Callable[[list[Any]], list[Any]]) -> list[Record]:
    """C3 is received by nobody: its log can be broken alone."""
    i, f = final(records, "C3")
    out = list(records)
    out[i] = replace(f, log=edit(list(f.log)))
    return out


def test_a_post_held_but_never_logged(good: list[Record]) -> None:
    """m7 is held at its ts, but the log's event for it names another: no receiver had it."""
    bad = _c3_log(
        good,
        lambda log: [
            (s, {**e, "ts": "1"} if e.get("client_msg_id") == "m7" else e) for s, e in log
        ],
    )
    assert kinds(check(bad)) == {"unlogged"}


def test_a_post_logged_twice(good: list[Record]) -> None:
    def twice(log: list[Any]) -> list[Any]:
        [m7] = [e for _, e in log if e.get("client_msg_id") == "m7"]
        return [*log, (len(log) + 1, m7)]

    report = check(_c3_log(good, twice))
    assert kinds(report) == {"doubled"}
    assert "logged 2 times" in report.violations[0].detail


def test_a_phantom_held_twice_is_a_phantom_and_doubled(good: list[Record]) -> None:
    ghost = Message("1700000000.999999", "boo", "ghost", user="P1")
    bad = with_messages(good, "C3", lambda ms: [*ms, ghost, replace(ghost, ts="1700000000.999998")])
    report = check(bad)
    assert sorted(v.kind for v in report.violations) == ["doubled", "phantom", "phantom"]


def test_a_resume_that_repeats(good: list[Record]) -> None:
    i = next(
        i for i, r in enumerate(good) if isinstance(r, Session) and r.receiver == "R1" and r.resumed
    )
    hello = good[i]
    assert isinstance(hello, Session)
    out = list(good)
    out[i] = replace(hello, cursor={**hello.cursor, "C1": hello.cursor["C1"] - 1})
    j = recv_at(out, "R1", "C1", 0, session=2)
    r = out[j]
    assert isinstance(r, Recv)
    _, f = final(out, "C1")
    again = replace(r, seq=r.seq - 1, event=f.log[r.seq - 2][1])
    report = check([*out[:j], again, *out[j:]])
    assert kinds(report) == {"resume_repeated"}


def test_events_after_a_leave(good: list[Record]) -> None:
    """R2 left C1: the post after its leave must not reach it."""
    _, f = final(good, "C1")
    seq, event = next((s, e) for s, e in f.log if e.get("text") == "after the leave")
    last = recv_at(good, "R2", "C1", -1)
    r = good[last]
    assert isinstance(r, Recv) and r.event["type"] == "member_left_channel"
    extra = replace(r, seq=seq, event=event)
    report = check([*good[: last + 1], extra, *good[last + 1 :]])
    assert kinds(report) == {"not_member"}


def test_a_receiver_short_of_the_end_once_quiet(good: list[Record]) -> None:
    """The last event R3 got is lost: no later one shows the gap, the Quiet does."""
    i = recv_at(good, "R3", "C1", -1)
    assert kinds(check(good[:i] + good[i + 1 :])) == {"undelivered"}


def test_a_resume_past_a_lost_tail_is_caught(good: list[Record]) -> None:
    """R1's last event before its disconnection is lost: its resume then starts past it."""
    i = recv_at(good, "R1", "C1", -1, session=1)
    assert kinds(check(good[:i] + good[i + 1 :])) == {"resume_skipped"}


def test_an_effect_for_no_message(good: list[Record]) -> None:
    ghost = Effect("events_http", "C1:1700000000.999999", "C1:1700000000.999999", 99.0)
    assert kinds(check([*good, ghost])) == {"phantom_effect"}


def test_a_deduplicating_sink_counts_repeats() -> None:
    w = World()
    w.sink("events_http", True, "C1")
    w.channel("C1", "P1")
    ts = w.post("P1", "C1", "m1", "hello")
    assert ts
    w.effect("events_http", "C1", ts, times=3)
    report = check(w.finish())
    assert report.ok, report.summary()
    assert report.counts["effects_deduplicated"] == 2


def test_a_resync_starts_a_new_run_and_is_counted() -> None:
    """After a resync the receiver's stream starts at the resync's cursor: what it missed
    before is not a gap."""
    w = World()
    w.receiver("R1", "U1")
    w.channel("C1", "P1", "U1")
    w.connect("R1")
    w.post("P1", "C1", "m1", "one")
    w.disconnect("R1")
    w.post("P1", "C1", "m2", "two")
    w.connect("R1", resync=True)
    w.post("P1", "C1", "m3", "three")
    w.quiet()
    records = w.finish()
    report = check(records)
    assert report.ok, report.summary()
    assert report.counts["resyncs"] == 1
    got = [r.event.get("text") for r in records if isinstance(r, Recv) and r.stream == "C1"]
    assert got == ["three"]
    # Without the resync the same records are a resume that skipped.
    no_resync = [r for r in records if r.kind != "resync"]
    assert kinds(check(no_resync)) == {"resume_skipped"}


def test_a_tail_lost_before_a_goodbye() -> None:
    """A goodbye (a resync mid-session) names the last frame written: the receiver got it."""
    w = World()
    w.receiver("R1", "U1")
    w.channel("C1", "P1", "U1")
    w.connect("R1")
    w.post("P1", "C1", "m1", "one")
    w.post("P1", "C1", "m2", "two")
    w.deliver("R1")
    w.goodbye("R1")
    w.connect("R1", resync=True)
    w.quiet()
    records = w.finish()
    report = check(records)
    assert report.ok, report.summary()
    assert report.counts["resyncs"] == 2

    i = recv_at(records, "R1", "C1", -1, session=1)
    report = check(records[:i] + records[i + 1 :])
    assert kinds(report) == {"gap"}
    assert "goodbye at" in report.violations[0].detail


def test_a_stream_with_no_log_is_a_phantom_delivery() -> None:
    w = World()
    w.receiver("R1", "U1")
    w.channel("C1", "U1")
    w.connect("R1")
    w.channel("C2")  # channel_created, on the team's stream
    w.quiet()
    records = w.finish()
    assert check(records).ok
    assert any(isinstance(r, Recv) and r.stream == TEAM for r in records)

    no_team = [r for r in records if not (isinstance(r, Final) and r.channel == TEAM)]
    assert kinds(check(no_team)) == {"phantom_delivery"}


def test_the_json_form(good: list[Record]) -> None:
    report = check(gap(good))
    data = json.loads(json.dumps(report.to_json()))
    assert data["ok"] is False
    assert data["violations"]["gap"]["total"] == 1
    [example] = data["violations"]["gap"]["examples"]
    assert "R2 C1: run from" in example["detail"]
    assert example["evidence"][0]["kind"] == "recv"
    assert data["counts"]["recvs"] == 31  # one dropped


def test_an_unanswered_edit_may_land_after_one_acknowledged_since() -> None:
    """Its client gave up on it and edited again (ok); the server, held up, applied it after:
    the final text is the unanswered edit's, which is no violation (an op without an answer
    may take effect at any moment after it began). The posted text would still be stale."""
    w = World()
    w.receiver("R1", "U1")
    w.channel("C1", "P1", "U1")
    w.connect("R1")
    a = w.post("P1", "C1", "m1", "hello")
    assert a
    w.edit("P1", "C1", a, "first try", outcome="unknown")
    w.edit("P1", "C1", a, "second")
    w.edit_lands("C1", a, "first try")
    w.deliver("R1")
    records = w.finish()
    assert check(records).ok, check(records).summary()
    reverted = with_messages(
        records, "C1", lambda ms: [replace(m, text="hello") if m.cmid == "m1" else m for m in ms]
    )
    assert [v.kind for v in check(reverted).violations] == ["stale_text"]
