"""The pure parts of `hubbub bench fanout`: WebSocket framing, message ids, the result document."""

from __future__ import annotations

import pytest

from hubbub_bench.fanceiling import message_frame
from hubbub_bench.stats import delivery_summary, fanout_result
from hubbub_bench.wire import (
    OP_PING,
    OP_PONG,
    OP_TEXT,
    ProtocolError,
    accept_key,
    client_frame,
    header_value,
    message_id,
    server_frame,
    split_frames,
    upgrade_request,
)


def test_accept_key_is_rfc6455s_example() -> None:
    assert accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def test_upgrade_request_offers_no_extension() -> None:
    head = upgrade_request("127.0.0.1", 80, "/rtm?ticket=x", "k")
    assert head.startswith(b"GET /rtm?ticket=x HTTP/1.1\r\n")
    assert header_value(head, b"sec-websocket-key") == "k"
    assert header_value(head, b"Sec-WebSocket-Extensions") is None


@pytest.mark.parametrize("size", [0, 5, 125, 126, 300, 65535, 65536, 70000])
def test_split_frames_round_trips_every_length_form(size: int) -> None:
    payload = bytes(i & 0xFF for i in range(size))
    data = server_frame(payload) + server_frame(b"x", OP_PING)
    frames, used = split_frames(data)
    assert frames == [(OP_TEXT, payload), (OP_PING, b"x")]
    assert used == len(data)


def test_split_frames_leaves_a_partial_frame() -> None:
    data = server_frame(b"a" * 300)
    for cut in (1, 2, 3, 10, len(data) - 1):
        assert split_frames(data[:cut]) == ([], 0)
    frames, used = split_frames(data + data[:7])
    assert len(frames) == 1 and used == len(data)


def test_split_frames_refuses_a_masked_frame() -> None:
    with pytest.raises(ProtocolError):
        split_frames(client_frame(b"hi", OP_TEXT))


def test_client_frame_is_masked() -> None:
    frame = client_frame(b"abcd", OP_PONG, mask=b"\x01\x02\x03\x04")
    assert frame[:2] == bytes((0x8A, 0x84))
    assert frame[2:6] == b"\x01\x02\x03\x04"
    assert bytes(b ^ m for b, m in zip(frame[6:], b"\x01\x02\x03\x04", strict=True)) == b"abcd"


def test_message_id_of_hubbub_and_ceiling_frames() -> None:
    event = b'{"type":"message","user":"U1","text":"fanout 17 1795454888.632943","ts":"1.2"}'
    assert message_id(event) == 17
    assert message_id(b'{"type":"hello"}') == -1
    assert message_id(b'{"text":"fanout x y"}') == -1
    frames, _ = split_frames(message_frame(42, 300))
    ((opcode, payload),) = frames
    assert opcode == OP_TEXT and message_id(payload) == 42 and len(payload) == 300


def test_delivery_summary() -> None:
    out = delivery_summary(
        [float(v) for v in range(1, 101)], expected=100, missing=0, duplicates=0, window_s=0.5
    )
    assert out["deliveries"] == 100 and out["deliveries_per_s"] == 200.0
    assert out["p50_ms"] == 50.0 and out["p99_ms"] == 99.0 and out["max_ms"] == 100.0
    empty = delivery_summary([], expected=10, missing=10, duplicates=0, window_s=0.0)
    assert empty["deliveries_per_s"] == 0.0 and empty["p99_ms"] == 0.0


def _phase(rate: float, p99: float = 10.0, missing: int = 0) -> dict[str, float]:
    return {"deliveries_per_s": rate, "p99_ms": p99, "missing": missing, "duplicates": 0}


def test_fanout_result_checks_the_targets() -> None:
    result = fanout_result(
        ceiling={"burst": _phase(60_000)},
        hubbub={
            "burst": _phase(42_000),
            "paced": _phase(2_000, p99=40.0),
            "bytes_per_idle_connection": 15_000,
            "connected": 1000,
        },
        settings={"members": 1000},
        started_at="2026-11-23T17:00:00Z",
    )
    assert result["ratio"] == 0.7
    assert all(result["targets"][k] for k in ("meets_ratio", "meets_p99", "meets_memory"))
    assert result["targets"]["all_connected"] and result["targets"]["exactly_once"]


def test_fanout_result_reports_losses_and_misses() -> None:
    result = fanout_result(
        ceiling={"burst": _phase(0)},
        hubbub={"burst": _phase(10_000, missing=3), "paced": _phase(100, p99=150.0)},
        settings={"members": 1000},
        started_at="2026-11-23T17:00:00Z",
    )
    targets = result["targets"]
    assert result["ratio"] == 0.0 and not targets["meets_ratio"]
    assert not targets["meets_p99"] and not targets["meets_memory"]
    assert not targets["all_connected"] and not targets["exactly_once"]
