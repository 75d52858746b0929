"""Seed documents with many resting orders, and one edit per seeded order.

The credentials are the default seed's (see docs/sandbox.md), so
``airflow_batchmod.testing.dags.sandbox_connections`` works against these seeds too. Rate limits
are left at the real values: a seed here never has a ``config`` section.

Plain data only: importing this module loads no exchange client, so a memory reading taken
after it still sees what the operator's own lazy imports cost.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from airflow_batchmod.testing.dags import SANDBOX_ACCOUNTS
from airflow_batchmod.testing.sandbox import seed_instrument

BITGET_UID = "1001"
BITGET_ACCOUNT = SANDBOX_ACCOUNTS["bitget_default"]
#: The default seed's BTCUSDT perpetual, the instrument of every generated Bitget order.
BTC_FUTURES = seed_instrument("BTCUSDT", "USDT-FUTURES")
HYPERLIQUID_KEY = str(SANDBOX_ACCOUNTS["hyperliquid_default"]["password"])
#: The address of HYPERLIQUID_KEY (``signing.address_of``), lower case as the sandbox compares it.
HYPERLIQUID_USER = "0x14791697260e4c9a71f18484c9f997b308e59325"

#: Bitget order ids and Hyperliquid oids of seeded orders start here; edit ``i`` targets order ``i``.
FIRST_ORDER_ID = 10_000_000
FIRST_OID = 1_000_001


# -- Bitget ------------------------------------------------------------------------------------
def _bitget_price(i: int) -> Decimal:
    # Buys spread over 59,999.9 .. 50,000.0 on the 0.1 tick; the sandbox has no matching engine.
    return Decimal("59999.9") - Decimal(i % 99_999) / 10


def bitget_seed(orders: int) -> dict[str, Any]:
    """Account uid 1001, BTCUSDT futures, and ``orders`` live buy orders."""
    account = {
        "uid": BITGET_UID,
        "api_key": BITGET_ACCOUNT["login"],
        "secret": BITGET_ACCOUNT["password"],
        "passphrase": BITGET_ACCOUNT["extra"]["passphrase"],
        "demo_trading": False,
    }
    return {
        "bitget": {
            "accounts": [account],
            "instruments": [BTC_FUTURES],
            "orders": [
                {
                    "uid": BITGET_UID,
                    "orderId": str(FIRST_ORDER_ID + i),
                    "clientOid": f"bench-{i}",
                    "symbol": "BTCUSDT",
                    "category": "USDT-FUTURES",
                    "side": "buy",
                    "price": f"{_bitget_price(i):.1f}",
                    "qty": "0.010",
                    "filledQty": "0",
                    "status": "live",
                    "reduceOnly": False,
                }
                for i in range(orders)
            ],
        }
    }


def bitget_edits(count: int, start: int = 0) -> list[dict[str, Any]]:
    """One re-price per seeded order ``start .. start+count-1`` (one tick lower, same size)."""
    return [
        {
            "orderId": str(FIRST_ORDER_ID + i),
            "symbol": "BTCUSDT",
            "category": "USDT-FUTURES",
            "price": f"{_bitget_price(i) - Decimal('0.1'):.1f}",
            "qty": "0.010",
        }
        for i in range(start, start + count)
    ]


# -- Hyperliquid -------------------------------------------------------------------------------
def _hl_price(i: int) -> int:
    # Integer BTC prices always pass the 5-significant-figure rule; all rest below the 60,000 mark.
    return 55_000 - i % 5_000


def hyperliquid_seed(orders: int) -> dict[str, Any]:
    """Perps BTC/ETH/SOL, account A, and ``orders`` open Gtc BTC buys with oids from 1000001."""
    user = HYPERLIQUID_USER
    return {
        "hyperliquid": {
            "network": "mainnet",
            "perps": [
                {"name": "BTC", "szDecimals": 5},
                {"name": "ETH", "szDecimals": 4},
                {"name": "SOL", "szDecimals": 2},
            ],
            "mark_prices": {"BTC": "60000", "ETH": "3000", "SOL": "150"},
            "accounts": [{"address": user, "agents": [], "vaults": []}],
            "orders": [
                {
                    "user": user,
                    "oid": FIRST_OID + i,
                    "coin": "BTC",
                    "side": "B",
                    "px": str(_hl_price(i)),
                    "sz": "0.001",
                    "cloid": None,
                    "tif": "Gtc",
                    "reduceOnly": False,
                }
                for i in range(orders)
            ],
        }
    }


def hyperliquid_edits(count: int, start: int = 0) -> list[dict[str, Any]]:
    """One re-price per seeded order (one dollar lower, same size), in the readable form."""
    return [
        {
            "oid": FIRST_OID + i,
            "coin": "BTC",
            "is_buy": True,
            "price": str(_hl_price(i) - 1),
            "size": "0.001",
        }
        for i in range(start, start + count)
    ]
