"""Changing the venue between a client's planning and its first request: the book moves after it
was read, as it can on a live exchange."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest

from airflow_batchmod.exchanges.base import Preparation


def after_planning(monkeypatch: pytest.MonkeyPatch, client_class: type, action: Callable[[], object]) -> None:
    """Run ``action`` once ``client_class.prepare`` has read the book, before anything is sent."""
    original = getattr(client_class, "prepare")  # noqa: B009 - any client class

    def prepare(self: object, raw_edits: Sequence[object]) -> Preparation:
        preparation: Preparation = original(self, raw_edits)
        action()
        return preparation

    monkeypatch.setattr(client_class, "prepare", prepare)
