"""Bounded retries of reads, for both clients.

Reads change nothing, so a read that failed for a passing reason (no answer, a 429, a 5xx, a
venue's busy code) may simply be asked again. When the venue says how long to wait
(``Retry-After``), that is the wait; otherwise an exponential backoff. The two never add up.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import httpx

from airflow_batchmod.exchanges.backoff import Backoff
from airflow_batchmod.exchanges.base import FailureKind

T = TypeVar("T")


class RetryableRead(Exception):
    """Raised by one attempt of a read to ask for another attempt."""

    def __init__(self, problem: str, *, kind: FailureKind, retry_after: float | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.kind = kind
        self.retry_after = retry_after


class ReadFailed(Exception):
    """Every attempt of a read failed for a passing reason; ``kind`` and ``problem`` are the last one's."""

    def __init__(self, problem: str, *, kind: FailureKind, attempts: int) -> None:
        super().__init__(f"{problem} (after {attempts} attempts)")
        self.problem = problem
        self.kind = kind
        self.attempts = attempts


def retry_after_seconds(response: httpx.Response) -> float | None:
    """Seconds from a numeric ``Retry-After`` header, if the server sent one."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


def failure_of_status(status: int) -> FailureKind | None:
    """The kind of a retryable HTTP status (429, 5xx); None for any other status."""
    if status == 429:
        return FailureKind.THROTTLED
    if status >= 500:
        return FailureKind.SERVER_ERROR
    return None


@dataclass(frozen=True)
class ReadRetry:
    """How often and how patiently a read is tried.

    ``clock`` and ``sleep`` are injected so tests run the policy instantly and exactly. A read
    gives up early when the next wait would pass ``max_total_seconds`` since its first attempt.
    """

    attempts: int = 3
    base_delay: float = 0.25
    max_delay: float = 5.0
    max_total_seconds: float = 30.0
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep

    def delay(self, failures: int, retry_after: float | None) -> float:
        """The wait after the ``failures``-th failed attempt: the venue's word, else the backoff.

        A read waits at most ``max_delay`` even when the venue asks for longer: giving up and
        failing the read is better than stalling the task.
        """
        if retry_after is not None:
            return min(self.max_delay, retry_after)
        return Backoff(self.base_delay, self.max_delay)(failures)

    def run(self, attempt: Callable[[], T]) -> T:
        """Call ``attempt`` until it returns, raising :class:`ReadFailed` when the tries run out.

        ``attempt`` raises :class:`RetryableRead` for a failure a later try can cure; any other
        exception passes through at once.
        """
        started = self.clock()
        for number in range(1, max(1, self.attempts) + 1):
            try:
                return attempt()
            except RetryableRead as exc:
                last = exc
            wait = self.delay(number, last.retry_after)
            if number >= self.attempts or self.clock() - started + wait > self.max_total_seconds:
                raise ReadFailed(last.problem, kind=last.kind, attempts=number)
            self.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover
