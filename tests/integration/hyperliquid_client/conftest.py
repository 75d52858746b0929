"""Fixtures for HyperliquidClient on the sandbox: each test runs under every way the sandbox plays it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from airflow_batchmod.exchanges.hyperliquid.client import HyperliquidClient
from airflow_batchmod.testing.sandbox import Sandbox
from tests.support.hyperliquid_on_sandbox import _client

#: Every way the sandbox plays what the venue leaves open (docs/venue-behaviour.md); the client
#: must be right under each.
VENUE_MODES = {
    "default": {},
    "keeps_original": {"hyperliquid_failed_modify": "keeps_original"},
    "oldest_cloid": {"hyperliquid_shared_cloid_status": "oldest"},
}


@pytest.fixture(params=sorted(VENUE_MODES))
def sandbox(fresh_sandbox: Sandbox, request: pytest.FixtureRequest) -> Sandbox:
    fresh_sandbox.configure(**VENUE_MODES[request.param])
    return fresh_sandbox


@pytest.fixture
def client(sandbox: Sandbox) -> Iterator[HyperliquidClient]:
    with _client(sandbox) as made:
        yield made
