"""Per-order progress that survives a crashed or retried task.

Progress is a journal of small entries in a key/value store with the shape of Airflow's
``context["task_state_store"]`` (``get(key, default)`` / ``set(key, value)``), which persists
across the tries of one task instance (and, in Airflow 3.3, across a clear). The first try
records its plan before it sends anything: each edit's ``before`` (what the book showed) and
``wanted``, and the outcome of every edit the plan settled (``unchanged``, ``not_open``). Before
a chunk is sent, its entry records which edits are about to go out; when the chunk settles, the
same entry is overwritten with their outcomes. A crash between the two leaves the edits "in
doubt": the next try asks the exchange about them before it sends anything. When a try ends,
every outcome it learned (by sending, confirming or reconciling) is recorded, so a later try of
a finished task sends nothing, and a later try of an unfinished one judges each edit against the
plan it was made for (see :mod:`airflow_batchmod.run.resume`).

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

from airflow_batchmod.exchanges.base import Quote

log = logging.getLogger(__name__)

JOURNAL_VERSION = 3

#: Outcomes no later try may change: the edit took effect, the exchange refused it for good, the
#: plan found nothing to do, or the order is gone. ``failed`` (certainly not applied) and
#: ``unknown`` are not final: a later try exists to give those another chance.
FINAL_ACROSS_TRIES = frozenset({"modified", "rejected", "unchanged", "not_open", "superseded", "cancelled"})

#: Edits per plan or outcome entry: small enough for any metadata database's text column.
ENTRY_PIECE = 500

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


@dataclass(frozen=True)
class PlannedEdit:
    """What the first try planned for one edit: the book's price and size, and the wanted ones."""

    before: Quote | None
    wanted: Quote | None


@dataclass
class Recovered:
    """What earlier tries left behind."""

    settled: dict[int, SettledEdit] = field(default_factory=dict)
    in_doubt: set[int] = field(default_factory=set)
    #: How many times each edit was sent, by any try.
    attempts: dict[int, int] = field(default_factory=dict)
    #: The first try's plan, by input index (empty: no try got as far as planning).
    plans: dict[int, PlannedEdit] = field(default_factory=dict)
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
            sent = [int(index) for index in value.get("sent", [])]
            retry = [int(index) for index in value.get("retry", [])]
            settled = [
                (int(index), SettledEdit(str(status), order_id, code, message, int(attempts)))
                for index, status, order_id, code, message, attempts in value.get("settled", [])
            ]
            plans = [
                (int(index), PlannedEdit(_quote(before), _quote(wanted)))
                for index, before, wanted in value.get("plan", [])
            ]
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            raise CheckpointUnreadable(f"entry {entry} is malformed ({type(exc).__name__})") from None
        recovered.plans.update(plans)
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
        retry: Sequence[int],
    ) -> None:
        """Record how the chunk settled; ``retry`` were sent back unapplied. Edits in neither list
        stay in doubt.

        A failure here costs no safety (the next try sees the edits as in doubt and asks the
        exchange), so it is logged, not raised.
        """
        self._overwrite(entry, {"sent": list(sent), "settled": _settled_rows(settled), "retry": list(retry)})

    def record_plan(
        self, plans: Sequence[tuple[int, PlannedEdit]], settled: Sequence[tuple[int, SettledEdit]]
    ) -> None:
        """Record the plan before anything is sent: every planned edit's before and wanted, and
        the outcome of those the plan settled. Raises :class:`CheckpointWriteError`, and then
        nothing may be sent: a later try could not tell a stale edit from a pending one."""
        by_index = dict(settled)
        for start in range(0, len(plans), ENTRY_PIECE):
            piece = plans[start : start + ENTRY_PIECE]
            value = {
                "plan": [[index, _wire(plan.before), _wire(plan.wanted)] for index, plan in piece],
                "settled": _settled_rows([(i, by_index[i]) for i, _ in piece if i in by_index]),
            }
            entry = self._next_entry
            self._write(self._key(entry), value)
            self._write(self._head_key, self._head(entry + 1))
            self._next_entry = entry + 1

    def record_outcomes(self, settled: Sequence[tuple[int, SettledEdit]]) -> None:
        """Record outcomes learned after the chunks settled (reconciled, confirmed, judged on
        resume), so a later try does not act on them again. Best effort, like :meth:`close_entry`."""
        for start in range(0, len(settled), ENTRY_PIECE):
            try:
                entry = self.open_entry([])
            except CheckpointWriteError:
                log.warning("Could not record %d outcomes; a later try will judge them again", len(settled))
                return
            self._overwrite(
                entry, {"sent": [], "settled": _settled_rows(settled[start : start + ENTRY_PIECE])}
            )

    def _overwrite(self, entry: int, value: dict[str, Any]) -> None:
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


def _settled_rows(settled: Sequence[tuple[int, SettledEdit]]) -> list[list[Any]]:
    return [[index, s.status, s.order_id, s.code, s.message, s.attempts] for index, s in settled]


def _wire(quote: Quote | None) -> list[str] | None:
    return [quote.price, quote.size] if quote is not None else None


def _quote(value: Any) -> Quote | None:
    if value is None:
        return None
    price, size = value
    return Quote(str(price), str(size))
