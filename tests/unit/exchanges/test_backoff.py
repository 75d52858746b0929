"""The one backoff policy, as reads, resends and book polls use it."""

from __future__ import annotations

import random

from airflow_batchmod.exchanges.backoff import Backoff
from airflow_batchmod.exchanges.retry import ReadRetry


def test_without_jitter_the_wait_doubles_up_to_the_cap() -> None:
    assert [Backoff(0.25, 2.0)(attempt) for attempt in range(1, 7)] == [0.25, 0.5, 1.0, 2.0, 2.0, 2.0]


def test_with_jitter_each_wait_lies_in_the_upper_half_of_its_ceiling() -> None:
    backoff = Backoff(0.5, 20.0, random.Random(3))
    for attempt in range(1, 10):
        ceiling = min(20.0, 0.5 * 2 ** (attempt - 1))
        waits = {backoff(attempt) for _ in range(50)}
        assert all(ceiling / 2 <= wait <= ceiling for wait in waits) and len(waits) > 1


def test_the_venue_s_retry_after_is_a_floor_even_above_the_cap() -> None:
    assert Backoff(0.5, 2.0)(1, retry_after=30.0) == 30.0
    assert Backoff(0.5, 2.0)(3, retry_after=0.1) == 2.0


def test_a_read_waits_by_the_same_backoff_and_caps_the_venue_s_wait() -> None:
    retry = ReadRetry(base_delay=0.25, max_delay=5.0)
    assert [retry.delay(n, None) for n in (1, 2, 3, 6)] == [Backoff(0.25, 5.0)(n) for n in (1, 2, 3, 6)]
    assert retry.delay(1, 60.0) == 5.0 and retry.delay(4, 0.1) == 0.1
