"""The harness's parts that need no deployment: how a receiver keeps its cursor and records
frames, how the Events API sink checks signatures, what an effect refers to, a run's figures, how a
client picks its Web API, and the work still owed that the wait for quiet counts."""

from __future__ import annotations

import hashlib
import hmac
import random
from pathlib import Path
from typing import Any

import orjson

from hubbub_chaos.api import Bases
from hubbub_chaos.batch import line, with_quiet
from hubbub_chaos.figures import figures, percentile, windows
from hubbub_chaos.final import pending_work
from hubbub_chaos.history import Effect, Fault, Op, Outcome, Recv, Resync, read
from hubbub_chaos.journal import Journal
from hubbub_chaos.receivers import Receiver, join_cursor, parse_cursor
from hubbub_chaos.sinks import EventsSink, ref_of


def test_a_cursor_parses_and_joins_back() -> None:
    assert parse_cursor("T1:17,C2:42,D3:0") == {"T1": 17, "C2": 42, "D3": 0}
    assert join_cursor({"T1": 17, "C2": 42}) == "T1:17,C2:42"
    assert parse_cursor("") == {}


def _receiver(tmp_path: Path) -> tuple[Receiver, Journal]:
    journal = Journal(tmp_path / "history.jsonl")
    receiver = Receiver("bob", "U1", "xoxp", "http://127.0.0.1:1/api/", journal, random.Random(1))
    receiver.sessions = 1
    receiver.positions = {"T1": 3, "C1": 10}
    return receiver, journal


def test_a_receiver_records_positioned_events_and_moves_its_cursor(tmp_path: Path) -> None:
    receiver, journal = _receiver(tmp_path)
    receiver._frame({"type": "message", "text": "hi", "event_ts": "1.0", "hubbub_cursor": "C1:11"})
    receiver._frame({"type": "user_typing", "channel": "C1"})  # seq 0: no position, not kept
    receiver._frame({"type": "pong", "reply_to": 1})
    journal.close()
    records = read(tmp_path / "history.jsonl")
    assert len(records) == 1 and isinstance(records[0], Recv)
    assert (records[0].stream, records[0].seq, records[0].event) == (
        "C1",
        11,
        {"type": "message", "text": "hi"},
    )
    assert receiver.positions == {"T1": 3, "C1": 11}


def test_a_resync_replaces_the_cursor_and_a_goodbye_moves_it(tmp_path: Path) -> None:
    receiver, journal = _receiver(tmp_path)
    receiver._frame({"type": "goodbye", "reason": "too_slow", "hubbub_cursor": "T1:3,C1:12"})
    assert receiver.positions == {"T1": 3, "C1": 12}
    receiver._frame({"type": "resync_required", "hubbub_cursor": "T1:5,C9:2"})
    assert receiver.positions == {"T1": 5, "C9": 2}
    receiver._frame({"type": "goodbye", "reason": "resync_required", "hubbub_cursor": "T1:6"})
    journal.close()
    resyncs = read(tmp_path / "history.jsonl")
    assert all(isinstance(r, Resync) for r in resyncs)
    assert [r.cursor for r in resyncs if isinstance(r, Resync)] == [{"T1": 5, "C9": 2}, {"T1": 6}]


def test_the_events_sink_records_signed_deliveries_and_counts_the_rest(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "history.jsonl")
    sink = EventsSink(journal)
    body = orjson.dumps({"type": "url_verification", "challenge": "abc"})
    assert sink.handle({}, body) == (200, b"abc")
    sink.signing_secret = "s3cret"
    event = {"type": "message", "channel": "C1", "ts": "1.000002"}
    body = orjson.dumps({"type": "event_callback", "event_id": "Ev1", "event": event})
    mac = hmac.new(b"s3cret", b"v0:42:" + body, hashlib.sha256).hexdigest()
    signed = {"X-Slack-Request-Timestamp": "42", "X-Slack-Signature": "v0=" + mac}
    assert sink.handle(signed, body)[0] == 200
    assert sink.handle({**signed, "X-Slack-Signature": "v0=00"}, body)[0] == 401
    assert sink.handle({}, body)[0] == 401
    journal.close()
    assert sink.bad_signatures == 2
    records = read(tmp_path / "history.jsonl")
    assert len(records) == 1
    assert [(r.sink, r.key, r.ref) for r in records if isinstance(r, Effect)] == [
        ("events_http", "Ev1", "C1:1.000002")
    ]


def test_an_effect_refers_to_the_message_it_is_about() -> None:
    assert ref_of({"type": "message", "channel": "C1", "ts": "1.1"}) == "C1:1.1"
    changed = {"type": "message", "subtype": "message_changed", "channel": "C1"}
    assert ref_of({**changed, "message": {"ts": "1.2"}}) == "C1:1.2"
    deleted = {"type": "message", "subtype": "message_deleted", "channel": "C1"}
    assert ref_of({**deleted, "deleted_ts": "1.3"}) == "C1:1.3"
    reaction = {"type": "reaction_added", "item": {"channel": "C2", "ts": "1.4"}}
    assert ref_of(reaction) == "C2:1.4"


def test_figures_place_unknown_tries_and_latencies_in_their_faults() -> None:
    def post(cmid: str, outcome: Outcome, t: float, ts: str | None = None) -> Op:
        return Op("post", "bob", "C1", outcome, t, t + 0.1, cmid=cmid, result_ts=ts)

    def recv(ts: str, t: float) -> Recv:
        return Recv("alice", 1, "C1", 1, {"type": "message", "ts": ts}, t)

    records = [
        post("a", "ok", 1.0, "1.1"),
        recv("1.1", 1.2),
        Fault("kill", "serve", 2.0),
        post("b", "unknown", 2.5),
        Fault("restart", "serve", 4.0),
        post("b", "ok", 4.1, "1.2"),
        recv("1.2", 4.5),
        Fault("stop", "serve", 6.0),
        post("c", "unknown", 7.0),
        Fault("heal", "*", 9.0),
    ]
    assert windows(records) == [("kill", 2.0, 4.0), ("stop", 6.0, 9.0)]
    f = figures(records)
    assert f["post_tries_unknown_by_fault"] == {"kill": 1, "stop": 1}
    assert (f["posts_acked"], f["posts_never_answered"]) == (2, 1)
    assert f["post_to_receive_s"]["calm"]["max"] == 0.2
    assert f["post_to_receive_s"]["fault"]["max"] == 2.0  # from b's first try, in the kill
    assert (f["emails_sent_again"], f["emails_under_two_ids"]) == (0, 0)
    mails = [
        Effect("smtp", "erin|<a@x>", "D1:1.1", 1.0),
        Effect("smtp", "erin|<a@x>", "D1:1.1", 2.0),
        Effect("smtp", "erin|<b@x>", "D1:1.2", 3.0),
        Effect("smtp", "erin|<c@x>", "D1:1.2", 4.0),
    ]
    f = figures(mails)
    assert (f["emails_sent_again"], f["emails_under_two_ids"]) == (1, 1)
    assert percentile([5, 1, 3, 2, 4], 50) == 3
    assert percentile([], 99) is None


def test_a_client_starts_at_its_own_url_and_moves_on_after_no_answer() -> None:
    urls = ["http://a/api/", "http://b/api/"]
    assert [Bases(urls, n).url for n in range(4)] == urls * 2  # spread over them
    bases = Bases(urls, 1)
    bases.failed()
    assert bases.url == "http://a/api/"
    bases.failed()
    assert bases.url == "http://b/api/"
    one = Bases("http://only/api/")
    one.failed()
    assert one.url == "http://only/api/"


async def test_the_work_still_owed_counts_the_redis_job_stream(
    tmp_path: Path, redis_server: Any, redis_prefix: str
) -> None:
    """With job_queue = "redis", a job in the stream (or claimed there by a worker that then
    died) is work the wait for quiet must wait for, as a row of the jobs tables is."""
    from hubbub.app import build_hub, job_streams
    from hubbub.config import Settings
    from hubbub.domain.jobs import Claimed
    from hubbub.jobs.streams import StreamQueue

    settings = Settings(
        data_dir=tmp_path, job_queue="redis", redis_url=redis_server.url, redis_prefix=redis_prefix
    )
    hub = build_hub(settings)
    streams = job_streams(hub, settings)
    try:
        assert await pending_work(hub) == {
            "queued": 0,
            "running": 0,
            "delayed": 0,
            "dead": 0,
            "outbox": 0,
        }
        assert (await pending_work(hub, streams))["stream"] == 0
        await streams.ensure_group()
        await streams.add([Claimed("J1", "T1", "deliver", b"{}", 1)])
        owed = await pending_work(hub, streams)
        assert (owed["stream"], owed["pending"]) == (1, 0)
        (job,) = await StreamQueue(streams, lease_s=15).claim(1)  # a worker takes it, then dies
        owed = await pending_work(hub, streams)
        assert (owed["stream"], owed["pending"]) == (1, 1)
        await StreamQueue(streams, lease_s=15).claim(0, finished=[job])
        assert (await pending_work(hub, streams))["stream"] == 0
    finally:
        keys = await streams.redis.keys(f"{redis_prefix}*")
        if keys:
            await streams.redis.delete(*keys)
        await hub.close()


def test_a_run_that_never_got_quiet_fails_and_its_line_says_so() -> None:
    quiet = {"quiet": True, "waited_s": 3.1}
    assert with_quiet(True, "ok", quiet) == (True, "ok")
    stuck = {"quiet": False, "waited_s": 120.4, "lagging": {"r2": {"behind": {"C1": 3}}}}
    ok, report = with_quiet(True, "no violations", stuck)
    assert not ok
    assert report.endswith("not quiet within the wait (120.4 s); behind: r2")
    summary = {
        "seed": 436,
        "figures": {
            "faults": {"kill": 2},
            "ops": 10,
            "posts_acked": 8,
            "resumed_sessions": 1,
            "resyncs": 0,
        },
        "check": {"checked": True, "ok": ok},
        "quiet": stuck,
        "wall_s": 190.0,
    }
    assert line(summary).startswith("seed 436: FAILED, NOT QUIET; kill 2;")
