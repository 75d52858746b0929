"""What the example ladder DAGs share: where each rung of a ladder sits, and the account's asset.

A ladder is a set of resting orders some steps from a centre price (buys below, sells above).
``ladder_edits`` turns the portfolio file's ladder for one exchange and a reference price into
the edits that re-centre it, in that exchange's edit format.

No DAG is defined here: this module is imported by the DAG files next to it.
"""

from __future__ import annotations

import json
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any

from airflow.sdk import Asset

PORTFOLIO_FILE = Path(__file__).parent / "data" / "ladder_portfolio.json"

#: The connection the ladder DAGs rebalance unless a run's ``conn_id`` says otherwise.
DEFAULT_CONN_ID = "bitget_default"


def account_asset_uri(exchange: str, conn_id: str) -> str:
    """The asset URI that stands for one exchange account (one connection)."""
    return f"batchmod://{exchange}/{conn_id}"


#: The default account: the ladder DAG's apply task updates it, the summary DAG is scheduled on it.
#: Decided at parse time, so it names the default connection; a run triggered with another
#: ``conn_id`` still updates it, and the event's ``extra["conn_id"]`` names the account it touched.
DEFAULT_ACCOUNT_ASSET = Asset(
    name="batchmod_bitget_default", uri=account_asset_uri("bitget", DEFAULT_CONN_ID), group="batchmod"
)


def ladder_price(reference: Decimal, level: int, step_bps: int) -> Decimal:
    """The price ``level`` steps from the centre; buys sit below (level < 0), sells above."""
    return reference * (1 + Decimal(level * step_bps) / Decimal(10_000))


def round_to_tick(price: Decimal, tick: Decimal) -> Decimal:
    return (price / tick).to_integral_value(rounding=ROUND_HALF_EVEN) * tick


def bitget_edits(ladder: dict[str, Any], reference: Decimal) -> list[dict[str, Any]]:
    tick = Decimal(ladder["tick"])
    return [
        {
            "orderId": rung["orderId"],
            "symbol": ladder["symbol"],
            "category": ladder["category"],
            "price": str(round_to_tick(ladder_price(reference, rung["level"], ladder["step_bps"]), tick)),
            "qty": rung["qty"],
        }
        for rung in ladder["rungs"]
    ]


def round_significant(price: Decimal, figures: int) -> Decimal:
    """Hyperliquid prices carry at most 5 significant figures (integers excepted)."""
    # Integer prices are always valid, so never round into the integer digits.
    return round(price, max(0, figures - price.adjusted() - 1))


def hyperliquid_edits(ladder: dict[str, Any], reference: Decimal) -> list[dict[str, Any]]:
    return [
        {
            "oid": rung["oid"],
            "coin": ladder["coin"],
            "is_buy": rung["level"] < 0,
            "price": str(round_significant(ladder_price(reference, rung["level"], ladder["step_bps"]), 5)),
            "size": rung["size"],
            "order_type": {"limit": {"tif": "Gtc"}},
        }
        for rung in ladder["rungs"]
    ]


def ladder_edits(conn_type: str | None, reference_price: str | None = None) -> list[dict[str, Any]]:
    """The edits that re-centre the ``conn_type`` ladder on ``reference_price`` (default: the file's)."""
    if conn_type not in ("bitget", "hyperliquid"):
        raise ValueError(f"no ladder for a connection of type {conn_type!r}; use bitget or hyperliquid")
    ladder = json.loads(PORTFOLIO_FILE.read_text())[conn_type]
    reference = Decimal(reference_price or ladder["reference_price"])
    if conn_type == "bitget":
        return bitget_edits(ladder, reference)
    return hyperliquid_edits(ladder, reference)
