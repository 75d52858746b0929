"""A weighted sliding-window rate limiter shared by every chunk of one task."""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable
from typing import Protocol

#: Widen the window a little: the exchange stamps arrival times, we stamp departures, and the
#: jitter between the two (signing, thread scheduling, the network) must never push a window
#: over the limit. Measured on loopback under full load: p99 10-16 ms, worst 30 ms.
DEFAULT_SAFETY_SECONDS = 0.05


class Limiter(Protocol):
    """What a client needs of a limiter: wait until ``weight`` may start."""

    def acquire(self, weight: int = 1) -> float: ...


class SlidingWindowLimiter:
    """Allow at most ``limit`` units of weight to start in any window of ``window_seconds``.

    Thread-safe. ``acquire`` blocks until the weight fits, then records it.
    """

    def __init__(
        self,
        limit: int,
        window_seconds: float,
        *,
        safety_seconds: float = DEFAULT_SAFETY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if limit < 1 or window_seconds <= 0:
            raise ValueError("limit must be >= 1 and window_seconds > 0")
        self.limit = limit
        self.window = window_seconds + safety_seconds
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._starts: collections.deque[tuple[float, int]] = collections.deque()
        self._used = 0

    def acquire(self, weight: int = 1) -> float:
        """Block until ``weight`` fits in the window; return the seconds spent waiting."""
        if weight > self.limit:
            raise ValueError(f"weight {weight} exceeds the limit {self.limit}")
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                self._expire(now)
                if self._used + weight <= self.limit:
                    self._starts.append((now, weight))
                    self._used += weight
                    return waited
                delay = self._delay_until_fits(now, weight)
            self._sleep(delay)
            waited += delay

    def _expire(self, now: float) -> None:
        while self._starts and now - self._starts[0][0] >= self.window:
            _, weight = self._starts.popleft()
            self._used -= weight

    def _delay_until_fits(self, now: float, weight: int) -> float:
        freed = 0
        for started, used in self._starts:
            freed += used
            if self._used - freed + weight <= self.limit:
                return max(started + self.window - now, 0.001)
        return self.window  # unreachable while weight <= limit; a safe fallback
