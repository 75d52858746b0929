"""Fixtures for BitgetClient's unit tests: a scripted venue and a client that talks only to it."""

from __future__ import annotations

import httpx
import pytest

from airflow_batchmod.exchanges.bitget.client import BitgetClient
from airflow_batchmod.exchanges.retry import ReadRetry
from tests.support.bitget_venue import CREDENTIALS, Venue


@pytest.fixture
def venue() -> Venue:
    return Venue()


@pytest.fixture
def client(venue: Venue) -> BitgetClient:
    return BitgetClient(
        CREDENTIALS,
        base_url="https://bitget.test",
        transport=httpx.MockTransport(venue),
        read_retry=ReadRetry(sleep=venue.sleeps.append),
    )
