"""Facts of the shipped default seed that several tests build on."""

from __future__ import annotations

from typing import Any

from airflow_batchmod.testing.sandbox import seed_instrument

#: The default seed's BTCUSDT perpetual: tick 0.1, quantity step 0.001.
BTC_FUTURES: dict[str, Any] = seed_instrument("BTCUSDT", "USDT-FUTURES")
