"""Per-order progress that survives a crashed or retried task.

Progress is a journal of small entries in a key/value store with the shape of Airflow's
``context["task_state_store"]`` (``get(key, default)`` / ``set(key, value)``), which persists
across the tries of one task instance. Before a chunk is sent, its entry records which
edits are about to go out; when the chunk settles, the same entry is overwritten with
their outcomes. A crash between the two leaves the edits "in doubt": the next try asks the
exchange about them before it sends anything.

A head key counts the entries, so a missing entry is seen as a gap, not as the end of the
journal. Reads fail closed: a journal that cannot be read completely raises
:class:`CheckpointUnreadable`, because sending without knowing what an earlier try did could
apply an edit twice. Entries are written one per chunk, so a write costs the same at edit 20
and at edit 100,000.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

log = logging.getLogger(__name__)

JOURNAL_VERSION = 2

#: Outcomes no later try may change: the edit took effect, or the exchange refused it for good.
FINAL_ACROSS_TRIES = frozenset({"modified", "rejected"})

HOW_TO_PROCEED = (
    "Nothing was sent. To proceed, check the orders on the exchange by hand, then clear this "
    "task's state store (Airflow UI or CLI), or re-run it with checkpoint='restart'."
)


class CheckpointUnreadable(Exception):
    """Earlier tries' journal cannot be read completely, so what they sent is not known."""

    def __init__(self, cause: str) -> None:
        super().__init__(f"The checkpoint of earlier tries cannot be read: {cause}. {HOW_TO_PROCEED}")
        self.cause = cause


class CheckpointWriteError(Exception):
    """The journal could not record that a chunk is about to be sent: the chunk must not go."""


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
    """Chunk-by-chunk progress of one input list in a :class:`KeyValueStore`.

    Keys: ``batchmod.<fingerprint>.head`` holds ``{"version", "generation", "entries"}``;
    entry ``k`` of a generation lives at ``batchmod.<fingerprint>.<generation>.<k>``. An entry is
    written before the head counts it, so the entry just past the head's count may exist
    (a crash between the two writes) and is read too.
    """

    def __init__(self, store: KeyValueStore, run_fingerprint: str) -> None:
        self._store = store
        self._fingerprint = run_fingerprint
        self._generation = "0"
        self._next_entry = 0
        self._close_failed = False

    @property
    def _head_key(self) -> str:
        return f"batchmod.{self._fingerprint}.head"

    def _key(self, entry: int) -> str:
        return f"batchmod.{self._fingerprint}.{self._generation}.{entry}"

    # -- reading ------------------------------------------------------------------------

    def recover(self) -> Recovered:
        """Read every entry earlier tries wrote; later entries win.

        Only ``modified`` and ``rejected`` stay settled: a new try exists to give ``failed``
        edits (certainly not applied) another chance, and to ask the exchange again about
        ``unknown`` ones before anything of their order is sent.

        Raises :class:`CheckpointUnreadable` when any part of the journal cannot be read.
        """
        head = self._read(self._head_key, "the head entry")
        if head is None:
            if self._read(f"batchmod.v1.{self._fingerprint}.0", "the journal's first entry") is not None:
                raise CheckpointUnreadable("it was written by an older version of the provider (version 1)")
            counted = 0
        else:
            counted = self._parse_head(head)
        recovered = Recovered()
        entry = 0
        while True:
            value = self._read(self._key(entry), f"entry {entry}")
            if value is None:
                if entry < counted:
                    raise CheckpointUnreadable(f"entry {entry} of {counted} is missing")
                break
            self._replay(entry, value, recovered)
            entry += 1
        recovered.entries = entry
        self._next_entry = entry
        return recovered

    def _read(self, key: str, what: str) -> Any:
        try:
            return self._store.get(key, None)
        except Exception as exc:
            raise CheckpointUnreadable(f"reading {what} failed ({type(exc).__name__}: {exc})") from exc

    def _parse_head(self, head: Any) -> int:
        if not isinstance(head, dict):
            raise CheckpointUnreadable(f"the head entry is not a journal head: {type(head).__name__}")
        version = head.get("version")
        if version != JOURNAL_VERSION:
            raise CheckpointUnreadable(
                f"it has version {version!r}; this provider reads version {JOURNAL_VERSION}"
            )
        entries, generation = head.get("entries"), head.get("generation")
        if not isinstance(entries, int) or entries < 0 or not isinstance(generation, str):
            raise CheckpointUnreadable("the head entry is malformed")
        self._generation = generation
        return entries

    @staticmethod
    def _replay(entry: int, value: Any, recovered: Recovered) -> None:
        try:
            sent = [int(index) for index in value["sent"]]
            retry = [int(index) for index, _attempts in value.get("retry", [])]
            settled = [
                (int(index), SettledEdit(str(status), order_id, code, message, int(attempts)))
                for index, status, order_id, code, message, attempts in value.get("settled", [])
            ]
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            raise CheckpointUnreadable(f"entry {entry} is malformed ({type(exc).__name__})") from None
        for index in sent:
            recovered.in_doubt.add(index)
            recovered.attempts[index] = recovered.attempts.get(index, 0) + 1
        recovered.in_doubt.difference_update(retry)
        for index, settled_edit in settled:
            recovered.in_doubt.discard(index)
            recovered.settled.pop(index, None)
            if settled_edit.status in FINAL_ACROSS_TRIES:
                recovered.settled[index] = settled_edit
            elif settled_edit.status == "unknown":
                recovered.in_doubt.add(index)

    # -- writing ------------------------------------------------------------------------

    def restart(self) -> None:
        """Start a new, empty journal: earlier tries' entries are ignored from now on."""
        self._generation = secrets.token_hex(4)
        self._next_entry = 0
        self._write(self._head_key, self._head(0))

    def open_entry(self, sent: Sequence[int]) -> int:
        """Record that these edits are about to be sent; returns the entry number.

        Raises :class:`CheckpointWriteError` if the intent cannot be recorded.
        """
        entry = self._next_entry
        self._write(self._key(entry), {"sent": list(sent)})
        self._write(self._head_key, self._head(entry + 1))
        self._next_entry = entry + 1
        return entry

    def close_entry(
        self,
        entry: int,
        sent: Sequence[int],
        settled: Sequence[tuple[int, SettledEdit]],
        retry: Sequence[tuple[int, int]],
    ) -> None:
        """Record how the chunk settled. Edits in neither list stay in doubt.

        A failure here costs no safety (the next try sees the edits as in doubt and asks the
        exchange), so it is logged, not raised.
        """
        value = {
            "sent": list(sent),
            "settled": [[index, s.status, s.order_id, s.code, s.message, s.attempts] for index, s in settled],
            "retry": [[index, attempts] for index, attempts in retry],
        }
        try:
            self._store.set(self._key(entry), value)
        except Exception:
            if not self._close_failed:
                log.warning(
                    "Could not record the outcome of checkpoint entry %d; a later try will ask the "
                    "exchange about its edits",
                    entry,
                    exc_info=True,
                )
            self._close_failed = True

    def _head(self, entries: int) -> dict[str, Any]:
        return {"version": JOURNAL_VERSION, "generation": self._generation, "entries": entries}

    def _write(self, key: str, value: Any) -> None:
        try:
            self._store.set(key, value)
        except Exception as exc:
            raise CheckpointWriteError(
                f"the checkpoint could not be written ({type(exc).__name__}: {exc})"
            ) from exc
