"""Bitget test data shared by the unit and integration tests, read from the shipped default seed."""

from __future__ import annotations

import json
from typing import Any

from airflow_batchmod.sandbox.testing import DEFAULT_SEED

#: The default seed's BTCUSDT perpetual: tick 0.1, quantity step 0.001.
BTC_FUTURES: dict[str, Any] = next(
    instrument
    for instrument in json.loads(DEFAULT_SEED.read_text())["bitget"]["instruments"]
    if instrument["symbol"] == "BTCUSDT" and instrument["category"] == "USDT-FUTURES"
)
