"""Shared fixtures: one real sandbox process per test session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from airflow_batchmod.testing.sandbox import DEFAULT_SEED, Sandbox, start_sandbox

__all__ = ["DEFAULT_SEED"]


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    """The sandbox process for the whole session (127.0.0.1, free port, default seed)."""
    with start_sandbox(DEFAULT_SEED) as running:
        yield running


@pytest.fixture
def fresh_sandbox(sandbox: Sandbox) -> Sandbox:
    """The session sandbox reset to the default seed, with no faults and an empty request log."""
    sandbox.reset(DEFAULT_SEED)
    sandbox.clear_faults()
    sandbox.clear_requests()
    return sandbox
