"""Bitget test data shared by the unit and integration tests."""

from __future__ import annotations

from typing import Any

#: The default seed's BTCUSDT perpetual: tick 0.1, quantity step 0.001.
BTC_FUTURES: dict[str, Any] = {
    "symbol": "BTCUSDT",
    "category": "USDT-FUTURES",
    "baseCoin": "BTC",
    "quoteCoin": "USDT",
    "pricePrecision": "1",
    "quantityPrecision": "3",
    "priceMultiplier": "0.1",
    "quantityMultiplier": "0.001",
    "minOrderQty": "0.001",
    "maxOrderQty": "1000",
    "minOrderAmount": "5",
    "status": "online",
}
