"""The request-log arithmetic behind the benchmarks' headline throughput figures (sandbox.request_figures)."""

from __future__ import annotations

from typing import Any

from airflow_batchmod.testing.request_figures import limit_margin, request_figures


def modify(t: float, items: int = 20, status: int | None = 200, venue: str = "bitget") -> dict[str, Any]:
    return {"venue": venue, "endpoint": "modify", "t": t, "items": items, "status": status}


def test_paced_rate_ignores_the_opening_burst_and_the_partial_last_window() -> None:
    # A limiter at exactly 10/s: bursts of 10 at 0, 1, 2, then 3 stragglers at 3.
    entries = [modify(float(second)) for second in range(3) for _ in range(10)]
    entries += [modify(3.0) for _ in range(3)]
    figures = request_figures(entries, "bitget", 10)
    # 33 requests: 3 whole windows, request 0 at t=0 to request 30 at t=3.
    assert figures.paced_requests_per_second == 10.0
    assert figures.paced_edits_per_second == 200.0
    assert figures.modify_requests == 33
    assert figures.tightest_span == 1.0


def test_429s_are_counted_and_left_out_of_the_tightest_span() -> None:
    entries = [modify(i * 0.1) for i in range(10)] + [modify(0.95, status=429), modify(1.05)]
    figures = request_figures(entries, "bitget", 10)
    assert figures.http_429 == 1
    assert figures.tightest_span == 1.05
    assert limit_margin(figures, "bitget", 10) == "closest 11 arrivals 1.050 s apart (Bitget needs >= 1 s)"


def test_too_few_requests_give_no_paced_rate() -> None:
    figures = request_figures([modify(0.0) for _ in range(5)], "bitget", 10)
    assert figures.paced_edits_per_second is None
    assert figures.tightest_span is None


def test_peak_weight_counts_one_plus_a_weight_per_40_modifies_in_any_60_seconds() -> None:
    entries = [modify(0.0, items=39, venue="hyperliquid"), modify(10.0, items=79, venue="hyperliquid")]
    entries += [modify(60.0, items=80, venue="hyperliquid"), modify(61.0, items=1, venue="hyperliquid")]
    figures = request_figures(entries, "hyperliquid", 20)
    # [0, 60): 1 + 2; [10, 70): 2 + 3 + 1.
    assert figures.peak_weight_per_minute == 6
    assert limit_margin(figures, "hyperliquid", 20) == "peak weight in any 60 s 6/1200"
