"""The read-retry policy both clients use, driven by a fake clock and a recording sleep."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from airflow_batchmod.exchanges.base import FailureKind
from airflow_batchmod.exchanges.retry import ReadFailed, ReadRetry, RetryableRead


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def failing(*failures: RetryableRead | str) -> tuple[list[int], Callable[[], str]]:
    """An attempt that raises the given failures in turn, then returns the last string."""
    calls: list[int] = []

    def attempt() -> str:
        calls.append(len(calls))
        answer = failures[len(calls) - 1]
        if isinstance(answer, RetryableRead):
            raise answer
        return answer

    return calls, attempt


def busy(retry_after: float | None = None) -> RetryableRead:
    return RetryableRead("HTTP 429", kind=FailureKind.THROTTLED, retry_after=retry_after)


def test_backoff_doubles_and_retry_after_replaces_it() -> None:
    fake = FakeTime()
    policy = ReadRetry(attempts=4, clock=fake.clock, sleep=fake.sleep)
    calls, attempt = failing(busy(), busy(7.0), busy(), "ok")
    assert policy.run(attempt) == "ok"
    assert len(calls) == 4
    assert fake.sleeps == [0.25, 5.0, 1.0]  # Retry-After 7 s is capped at max_delay; never added to a backoff


def test_gives_up_with_the_last_failure_and_no_wait_after_it() -> None:
    fake = FakeTime()
    policy = ReadRetry(attempts=3, clock=fake.clock, sleep=fake.sleep)
    server = RetryableRead("HTTP 502", kind=FailureKind.SERVER_ERROR)
    _, attempt = failing(busy(), busy(), server)
    with pytest.raises(ReadFailed) as caught:
        policy.run(attempt)
    assert (caught.value.problem, caught.value.kind, caught.value.attempts) == (
        "HTTP 502",
        FailureKind.SERVER_ERROR,
        3,
    )
    assert fake.sleeps == [0.25, 0.5]


def test_stops_early_when_the_next_wait_would_pass_the_deadline() -> None:
    fake = FakeTime()
    policy = ReadRetry(attempts=5, max_total_seconds=4.0, clock=fake.clock, sleep=fake.sleep)
    _, attempt = failing(busy(3.0), busy(3.0), "never reached")
    with pytest.raises(ReadFailed) as caught:
        policy.run(attempt)
    assert caught.value.attempts == 2
    assert fake.sleeps == [3.0]


def test_other_errors_pass_through_at_once() -> None:
    fake = FakeTime()
    policy = ReadRetry(clock=fake.clock, sleep=fake.sleep)

    def attempt() -> str:
        raise ValueError("not JSON")

    with pytest.raises(ValueError, match="not JSON"):
        policy.run(attempt)
    assert fake.sleeps == []
