"""Fixtures for BitgetClient on the sandbox: the sandbox reset to this directory's seed, and a client."""

from __future__ import annotations

import copy
from collections.abc import Iterator

import pytest

from airflow_batchmod.exchanges.bitget.client import BitgetClient
from airflow_batchmod.testing.sandbox import Sandbox
from tests.support.bitget_on_sandbox import GOOD, SEED


@pytest.fixture
def venue(fresh_sandbox: Sandbox) -> Sandbox:
    fresh_sandbox.reset(copy.deepcopy(SEED))
    fresh_sandbox.clear_requests()
    return fresh_sandbox


@pytest.fixture
def client(venue: Sandbox) -> Iterator[BitgetClient]:
    with BitgetClient(GOOD, base_url=venue.url) as bitget:
        yield bitget
