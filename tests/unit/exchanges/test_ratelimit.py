"""The sliding-window limiter, driven by a fake clock so the tests are exact and instant."""

from __future__ import annotations

import threading

import pytest

from airflow_batchmod.exchanges.ratelimit import SlidingWindowLimiter
from tests.support.timing import FakeClock


def starts_within_any_window(starts: list[float], window: float) -> int:
    return max(sum(1 for t in starts if s <= t < s + window) for s in starts)


def test_never_more_than_limit_in_any_window() -> None:
    clock = FakeClock()
    limiter = SlidingWindowLimiter(10, 1.0, safety_seconds=0.0, clock=clock, sleep=clock.sleep)
    starts = []
    for _ in range(95):
        limiter.acquire()
        starts.append(clock.now)
    assert starts_within_any_window(starts, 1.0) == 10
    # 95 requests at 10 per second: the 91st cannot start before 9 s have passed.
    assert starts[90] == pytest.approx(9.0)


def test_weights_count_against_the_limit() -> None:
    clock = FakeClock()
    limiter = SlidingWindowLimiter(20, 1.0, safety_seconds=0.0, clock=clock, sleep=clock.sleep)
    assert limiter.acquire(15) == 0.0
    waited = limiter.acquire(10)
    assert waited == pytest.approx(1.0)


def test_safety_margin_widens_the_window() -> None:
    clock = FakeClock()
    limiter = SlidingWindowLimiter(1, 1.0, safety_seconds=0.05, clock=clock, sleep=clock.sleep)
    limiter.acquire()
    assert limiter.acquire() == pytest.approx(1.05)


def test_weight_above_limit_is_refused() -> None:
    limiter = SlidingWindowLimiter(5, 1.0)
    with pytest.raises(ValueError, match="exceeds the limit"):
        limiter.acquire(6)


def test_threads_share_one_budget() -> None:
    limiter = SlidingWindowLimiter(5, 0.2, safety_seconds=0.0)
    starts: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(3):
            limiter.acquire()
            with lock:
                starts.append(limiter._clock())

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(starts) == 12
    assert starts_within_any_window(sorted(starts), 0.2) <= 5
