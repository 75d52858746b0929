"""Task state stores that fail on purpose, for the checkpoint's fail-closed rules."""

from __future__ import annotations

from typing import Any

from airflow_batchmod.run.journal import Journal, MemoryStore, Recovered


class FailingReads(MemoryStore):
    """A store holding ``data`` whose read of ``failing_key`` (or of every key, if None) fails."""

    def __init__(self, data: dict[str, Any], failing_key: str | None) -> None:
        super().__init__()
        self.data = dict(data)
        self.failing_key = failing_key

    def get(self, key: str, default: Any = None) -> Any:
        if self.failing_key is None or key == self.failing_key:
            raise ConnectionError("state store unreachable")
        return super().get(key, default)


class FailingWrites(MemoryStore):
    """A store that takes ``writes`` writes and then fails every further one."""

    def __init__(self, writes: int) -> None:
        super().__init__()
        self.writes_left = writes

    def set(self, key: str, value: Any) -> None:
        if self.writes_left <= 0:
            raise ConnectionError("state store unreachable")
        self.writes_left -= 1
        super().set(key, value)


def journal_in(state_store: dict[str, Any]) -> Recovered:
    """The journal a task left in its ``task_state_store`` (as ``DagRunResult.state_store`` reads it)."""
    heads = [key for key in state_store if key.startswith("batchmod.") and key.endswith(".head")]
    assert len(heads) == 1, f"expected one journal, found {heads}"
    store = MemoryStore()
    for key, value in state_store.items():
        store.set(key, value)
    return Journal(store, heads[0].split(".")[1]).recover()
