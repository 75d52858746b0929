"""Sliding-window rate limits: at most ``limit`` weight in any window of ``window_s`` seconds per key."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable

from airflow_batchmod.sandbox.wire import Request


class SlidingWindow:
    def __init__(self, limit: int, window_s: float) -> None:
        self.limit = limit
        self.window_s = window_s
        self._lock = threading.Lock()
        self._events: dict[str, deque[tuple[float, int]]] = {}
        self._totals: dict[str, int] = {}

    def try_acquire(self, key: str, now: float, weight: int = 1) -> bool:
        """Admit ``weight`` for ``key`` at ``now`` if it fits; refused calls use no budget."""
        with self._lock:
            events = self._events.setdefault(key, deque())
            total = self._totals.get(key, 0)
            while events and events[0][0] <= now - self.window_s:
                total -= events.popleft()[1]
            if total + weight > self.limit:
                self._totals[key] = total
                return False
            events.append((now, weight))
            self._totals[key] = total + weight
            return True

    def used(self, key: str, now: float) -> int:
        with self._lock:
            return sum(w for t, w in self._events.get(key, ()) if t > now - self.window_s)

    def clear(self) -> None:
        with self._lock:
            self._events.clear()
            self._totals.clear()


def arrival_time(request: Request, clock: Callable[[], float]) -> float:
    """When the request arrived, for rate windows; the clock when the server did not stamp it."""
    return request.received_at if request.received_at is not None else clock()
