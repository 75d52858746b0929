"""Sliding-window counters."""

from __future__ import annotations

from airflow_batchmod.sandbox.ratelimit import SlidingWindow


def test_eleventh_call_in_a_second_is_refused_and_the_window_slides() -> None:
    window = SlidingWindow(10, 1.0)
    assert [window.try_acquire("1001", 100.0 + i * 0.05) for i in range(11)] == [True] * 10 + [False]
    # The first call (t=100.0) leaves the window once more than a second has passed.
    assert not window.try_acquire("1001", 100.99)
    assert window.try_acquire("1001", 101.0)
    assert not window.try_acquire("1001", 101.01)


def test_keys_are_independent() -> None:
    window = SlidingWindow(1, 1.0)
    assert window.try_acquire("a", 0.0)
    assert not window.try_acquire("a", 0.5)
    assert window.try_acquire("b", 0.5)


def test_weights_and_refusals_use_no_budget() -> None:
    window = SlidingWindow(1200, 60.0)
    assert window.try_acquire("ip", 0.0, weight=1199)
    assert not window.try_acquire("ip", 1.0, weight=2)
    assert window.try_acquire("ip", 2.0, weight=1)
    assert window.used("ip", 2.0) == 1200
    assert window.try_acquire("ip", 60.5, weight=1199)
    assert window.used("ip", 60.5) == 1200


def test_clear_and_changed_limit() -> None:
    window = SlidingWindow(2, 1.0)
    assert window.try_acquire("k", 0.0) and window.try_acquire("k", 0.0)
    window.limit = 3
    assert window.try_acquire("k", 0.1)
    window.clear()
    assert window.used("k", 0.1) == 0
