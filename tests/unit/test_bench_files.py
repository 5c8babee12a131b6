"""The pure parts of `hubbub bench files`: rates, ratios, the targets, the payloads."""

from __future__ import annotations

from hubbub_bench.files import (
    MB,
    blocks_of,
    files_result,
    parallel_result,
    payload,
    rate_mb_s,
    size_result,
)


def test_rates_are_the_median_of_the_repetitions() -> None:
    assert rate_mb_s(100 * MB, [1.0, 0.5, 2.0]) == 100.0
    assert rate_mb_s(MB, []) == 0.0


def test_ratios_and_targets() -> None:
    times = {
        "raw_write": [1.0],
        "bare_receive": [1.0],
        "upload": [2.0],
        "upload_post": [1.5],
        "download": [1.0],
        "bare_download": [0.5],
    }
    one = size_result(100 * MB, times)
    assert (one["raw_write_mb_s"], one["upload_mb_s"], one["upload_ratio"]) == (100.0, 50.0, 0.5)
    assert one["download_ratio"] == 0.5
    assert one["upload_post_to_bare_receive"] == round(100 / 1.5 / 100, 3)
    result = files_result([one], {"rss_growth_mb": 12.0}, {})
    assert result["meets"] == {"upload": True, "download": False, "rss": True}
    assert result["meets_targets"] is False
    assert files_result([one], {"rss_growth_mb": 50.0}, {})["meets"]["rss"] is False


def test_payloads_differ_by_repetition_and_stream_the_same_bytes() -> None:
    a, b = payload(3 * MB + 5, 1), payload(3 * MB + 5, 2)
    assert len(a) == len(b) == 3 * MB + 5 and a != b and a[8:] == b[8:]

    assert b"".join(blocks_of(3 * MB + 5, 1)) == a


def test_parallel_uploads_are_a_rate_beside_the_raw_write_and_no_target() -> None:
    par = parallel_result(8, 160, 2.0, 160.0)
    assert (par["upload_mb_s"], par["upload_ratio"]) == (80.0, 0.5)
    assert parallel_result(8, 0, 0.0, 0.0)["upload_ratio"] == 0.0
    one = size_result(MB, {"raw_write": [1.0], "upload": [4.0], "bare_download": [1.0]})
    result = files_result([one], None, {}, par)
    assert result["parallel_upload"] == par and result["meets"]["upload"] is False


def test_the_ceiling_is_the_raw_write_over_the_flow_of_an_eight_byte_file() -> None:
    times = {"raw_write": [0.002, 0.003, 0.001], "upload": [0.02]}
    one = size_result(MB, times, 0.010)
    assert (one["flow_fixed_ms"], one["upload_ratio_ceiling"]) == (10.0, 0.2)
    assert size_result(MB, times)["upload_ratio_ceiling"] is None
