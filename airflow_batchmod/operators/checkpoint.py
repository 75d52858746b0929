"""Per-order progress that survives a crashed or retried task.

Progress is a journal of small entries in a key/value store with the shape of Airflow's
``context["task_state_store"]`` (``get(key, default)`` / ``set(key, value)``), which persists
across the tries of one task instance. Before a chunk is sent, its entry records which
edits are about to go out; when the chunk settles, the same entry is overwritten with
their outcomes. A crash between the two leaves the edits "in doubt": the next try asks the
exchange about them before it sends anything.

Entries are written one per chunk, so a write costs the same at edit 20 and at edit 100,000.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

log = logging.getLogger(__name__)

JOURNAL_VERSION = 1

#: Outcomes no later try may change: the edit took effect, or the exchange refused it for good.
FINAL_ACROSS_TRIES = frozenset({"modified", "rejected"})


class KeyValueStore(Protocol):
    def get(self, key: str, default: Any = None) -> Any: ...

    def set(self, key: str, value: Any) -> None: ...


class MemoryStore:
    """A dict-backed store for tests and for running the engine outside Airflow."""

    def __init__(self) -> None:
        self.data: dict[str, Any] = {}

    def get(self, key: str, default: Any = None) -> Any:
        return json.loads(self.data[key]) if key in self.data else default

    def set(self, key: str, value: Any) -> None:
        # Round-trip through JSON so tests see exactly what a real store would keep.
        self.data[key] = json.dumps(value)


def fingerprint(scope: str, raw_edits: Sequence[object]) -> str:
    """Identify one input list, so a journal written for other edits is never replayed."""
    digest = hashlib.sha256(scope.encode())
    digest.update(json.dumps(list(raw_edits), sort_keys=True, default=repr).encode())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class SettledEdit:
    """A final outcome recorded by an earlier try."""

    status: str
    order_id: str | None
    code: str | None
    message: str | None
    attempts: int


@dataclass
class Recovered:
    """What earlier tries left behind."""

    settled: dict[int, SettledEdit] = field(default_factory=dict)
    in_doubt: set[int] = field(default_factory=set)
    #: How many times each edit was sent, by any try.
    attempts: dict[int, int] = field(default_factory=dict)
    entries: int = 0


class Journal:
    """Chunk-by-chunk progress of one input list in a :class:`KeyValueStore`."""

    def __init__(self, store: KeyValueStore, run_fingerprint: str) -> None:
        self._store = store
        self._prefix = f"batchmod.v{JOURNAL_VERSION}.{run_fingerprint}."
        self._next_entry = 0
        self._broken = False

    def _key(self, entry: int) -> str:
        return f"{self._prefix}{entry}"

    def recover(self) -> Recovered:
        """Read every entry earlier tries wrote; later entries win.

        Only ``modified`` and ``rejected`` stay settled: a new try exists to give ``failed``
        edits (certainly not applied) another chance, and to ask the exchange again about
        ``unknown`` ones before anything of their order is sent.
        """
        recovered = Recovered()
        entry = 0
        while True:
            value = self._safe_get(self._key(entry))
            if not isinstance(value, dict):
                break
            for index in value.get("sent", []):
                recovered.in_doubt.add(int(index))
                recovered.attempts[int(index)] = recovered.attempts.get(int(index), 0) + 1
            for index, _attempts in value.get("retry", []):
                recovered.in_doubt.discard(int(index))
            for index, status, order_id, code, message, attempts in value.get("settled", []):
                index = int(index)
                recovered.in_doubt.discard(index)
                recovered.settled.pop(index, None)
                if status in FINAL_ACROSS_TRIES:
                    recovered.settled[index] = SettledEdit(status, order_id, code, message, int(attempts))
                elif status == "unknown":
                    recovered.in_doubt.add(index)
            entry += 1
        recovered.entries = entry
        self._next_entry = entry
        return recovered

    def open_entry(self, sent: Sequence[int]) -> int:
        """Record that these edits are about to be sent; returns the entry number."""
        entry = self._next_entry
        self._next_entry += 1
        self._safe_set(self._key(entry), {"sent": list(sent)})
        return entry

    def close_entry(
        self,
        entry: int,
        sent: Sequence[int],
        settled: Sequence[tuple[int, SettledEdit]],
        retry: Sequence[tuple[int, int]],
    ) -> None:
        """Record how the chunk settled. Edits in neither list stay in doubt."""
        self._safe_set(
            self._key(entry),
            {
                "sent": list(sent),
                "settled": [
                    [index, s.status, s.order_id, s.code, s.message, s.attempts] for index, s in settled
                ],
                "retry": [[index, attempts] for index, attempts in retry],
            },
        )

    def _safe_get(self, key: str) -> Any:
        try:
            return self._store.get(key, None)
        except Exception:
            log.warning("Could not read checkpoint %s; continuing without it", key, exc_info=True)
            return None

    def _safe_set(self, key: str, value: Any) -> None:
        # A checkpoint that cannot be written costs crash safety, not the run: warn once and go on.
        try:
            self._store.set(key, value)
        except Exception:
            if not self._broken:
                log.warning("Could not write checkpoint %s; crash recovery is degraded", key, exc_info=True)
            self._broken = True
