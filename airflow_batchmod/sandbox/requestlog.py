"""The log behind ``GET /sandbox/requests``: every venue API call in arrival order."""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Any

from airflow_batchmod.sandbox.wire import Call

#: Old entries are forgotten past this many, so a long demo run cannot exhaust memory.
MAX_ENTRIES = 100_000


class RequestLog:
    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._lock = threading.Lock()
        self._entries: deque[dict[str, Any]] = deque(maxlen=max_entries)

    def open(self, venue: str, call: Call, path: str) -> dict[str, Any]:
        """Record a call on arrival; the caller fills ``status`` and ``fault`` through :meth:`close`."""
        entry: dict[str, Any] = {
            "venue": venue,
            "endpoint": call.endpoint,
            "kind": call.kind,
            "path": path,
            "status": None,
            "items": call.items,
            "order_keys": call.order_keys,
            "fault": None,
            "t": time.time(),
        }
        with self._lock:
            self._entries.append(entry)
        return entry

    def close(self, entry: dict[str, Any], status: int | None, fault: str | None) -> None:
        with self._lock:
            entry["status"] = status
            entry["fault"] = fault

    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(entry) for entry in self._entries]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
