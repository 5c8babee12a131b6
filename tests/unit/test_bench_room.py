"""The pure parts of `hubbub bench room`: the exactly-once and in-order accounting, the frames
it reads, and how members are split over client processes and source addresses."""

from __future__ import annotations

from hubbub_bench.roomdrive import slices
from hubbub_bench.roomtally import (
    Receipts,
    format_cursor,
    hist_percentile,
    merge,
    parse_cursor,
    parse_post,
    phase,
    position,
    post_text,
)

SENT = [100.0, 101.0, 102.0]


def frame(msg_id: int, seq: int) -> bytes:
    text = post_text(msg_id, SENT[msg_id])
    return b'{"type":"message","text":"%s","hubbub_cursor":"C1:%d"}' % (text.encode(), seq)


def test_a_posts_frame_gives_its_id_send_time_and_position() -> None:
    payload = frame(2, 42)
    assert parse_post(payload) == (2, 102.0)
    assert position(payload) == (b"C1", b"42")
    assert parse_post(b'{"type":"hello","hubbub_cursor":"T1:3"}') is None
    assert position(b'{"type":"user_typing"}') is None


def test_a_cursor_round_trips() -> None:
    cursor = parse_cursor(b"T1:17,C1:42")
    assert cursor == {b"T1": b"17", b"C1": b"42"}
    assert format_cursor(cursor) == "T1:17,C1:42"


def receipts() -> Receipts:
    """Socket 0 gets everything once in order; socket 1 misses post 1 and gets post 2 twice;
    socket 2 gets post 1 (seq 11) before post 0 (seq 10)."""
    r = Receipts(3, 4)
    for msg_id, seq in ((0, 10), (1, 11), (2, 12)):
        assert r.got(0, msg_id, seq, SENT[msg_id], SENT[msg_id] + 0.010)
    for msg_id, seq in ((0, 10), (2, 12), (2, 12)):
        r.got(1, msg_id, seq, SENT[msg_id], SENT[msg_id] + 0.020)
    for msg_id, seq in ((1, 11), (0, 10), (2, 12)):
        r.got(2, msg_id, seq, SENT[msg_id], SENT[msg_id] + 3.5)
    return r


def test_receipts_count_the_lost_the_doubled_and_the_reordered_per_post() -> None:
    report = receipts().report(3)
    assert report["missing"] == [0, 1, 0]
    assert report["doubled"] == [0, 0, 1]
    assert report["out_of_order"] == [1, 0, 1]  # post 0 after 1; post 2's second copy
    assert report["hist"][0] == {"10": 1, "20": 1, "3500": 1}


def test_order_is_the_channels_not_the_ids() -> None:
    """A burst's posts are sent at once: their seqs, not their ids, give the order to keep."""
    r = Receipts(1, 2)
    r.got(0, 1, 10, 0.0, 0.1)
    r.got(0, 0, 11, 0.0, 0.1)
    assert r.report(2)["out_of_order"] == [0, 0]


def test_an_id_out_of_range_is_not_counted() -> None:
    r = Receipts(1, 2)
    assert not r.got(0, 5, 1, 0.0, 0.1)
    assert r.received == 0


def test_a_phase_of_merged_reports_sums_its_posts() -> None:
    clean = Receipts(2, 3)
    for sock in range(2):
        for msg_id in range(3):
            clean.got(sock, msg_id, 10 + msg_id, SENT[msg_id], SENT[msg_id] + 0.030)
    total = merge([receipts().report(3), clean.report(3)], 3)
    assert total["sockets"] == 5
    whole = phase(total, range(3), SENT)
    assert whole["expected"] == 15
    assert (whole["missing"], whole["doubled"], whole["out_of_order"]) == (1, 1, 2)
    assert whole["deliveries"] == 14  # 15 receipts, one a second copy
    assert not whole["exactly_once_in_order"]
    assert whole["max_ms"] == 3500.0
    clean_only = phase(merge([clean.report(3)], 3), range(3), SENT)
    assert clean_only["exactly_once_in_order"]
    assert clean_only["p99_ms"] == 30.0
    assert clean_only["window_s"] == 2.03


def test_hist_percentile_is_the_nearest_rank() -> None:
    hist = {1: 98, 50: 1, 900: 1}
    assert hist_percentile(hist, 50) == 1.0
    assert hist_percentile(hist, 99) == 50.0
    assert hist_percentile(hist, 100) == 900.0
    assert hist_percentile({}, 99) == 0.0


def test_slices_cover_every_member_once_over_the_addresses_in_turn() -> None:
    parts = slices(10, 4, ["a", "b"])
    assert [(p.first, p.count, p.address) for p in parts] == [
        (0, 3, "a"),
        (3, 3, "b"),
        (6, 2, "a"),
        (8, 2, "b"),
    ]
