"""What the example ladder DAGs share: where each rung of a ladder sits, and the account's asset.

A ladder is a set of resting orders some steps from a centre price (buys below, sells above).
Each run reads the live book and the live mid through the connection's hook, and
``ladder_edits`` turns the portfolio file's ladder, that book and that mid into the edits that
re-centre the ladder, in the exchange's edit format. The operator then sends only what changes
something: a run on an unchanged mid plans ``unchanged`` everywhere and sends no modification.

Rungs are named by ids that survive a modification: Bitget's ``clientOid`` (no Bitget page says
a modify keeps the ``orderId``; where it does not, the replacement keeps the clientOid), and on
Hyperliquid the ``cloid`` (a Hyperliquid modify cancels the order and rests a replacement under
a new oid, which keeps the cloid the modify carries). A rung whose order has filled or was cancelled
still gets its edit, so the report says ``not_open`` for it instead of hiding it.

No DAG is defined here: this module is imported by the DAG files next to it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any

from airflow.sdk import Asset

PORTFOLIO_FILE = Path(__file__).parent / "data" / "ladder_portfolio.json"

#: The connection the ladder DAGs rebalance unless a run's ``conn_id`` says otherwise.
DEFAULT_CONN_ID = "bitget_default"

OpenOrder = Mapping[str, Any]


def account_asset_uri(exchange: str, conn_id: str) -> str:
    """The asset URI that stands for one exchange account (one connection)."""
    return f"batchmod://{exchange}/{conn_id}"


#: The default account: the ladder DAG's apply task updates it, the summary DAG is scheduled on it.
#: Decided at parse time, so it names the default connection; a run triggered with another
#: ``conn_id`` still updates it, and the event's ``extra["conn_id"]`` names the account it touched.
DEFAULT_ACCOUNT_ASSET = Asset(
    name="batchmod_bitget_default", uri=account_asset_uri("bitget", DEFAULT_CONN_ID), group="batchmod"
)


def load_ladder(conn_type: str | None) -> dict[str, Any]:
    """The portfolio file's ladder for a ``bitget`` or ``hyperliquid`` connection."""
    if conn_type not in ("bitget", "hyperliquid"):
        raise ValueError(f"no ladder for a connection of type {conn_type!r}; use bitget or hyperliquid")
    ladder: dict[str, Any] = json.loads(PORTFOLIO_FILE.read_text())[conn_type]
    return ladder


def ladder_price(centre: Decimal, level: int, step_bps: int) -> Decimal:
    """The price ``level`` steps from the centre; buys sit below (level < 0), sells above."""
    return centre * (1 + Decimal(level * step_bps) / Decimal(10_000))


def round_to_tick(price: Decimal, tick: Decimal) -> Decimal:
    return (price / tick).to_integral_value(rounding=ROUND_HALF_EVEN) * tick


def round_significant(price: Decimal, figures: int) -> Decimal:
    """Hyperliquid prices carry at most 5 significant figures (integers excepted)."""
    # Integer prices are always valid, so never round into the integer digits.
    return round(price, max(0, figures - price.adjusted() - 1))


def bitget_edits(
    ladder: dict[str, Any], centre: Decimal, book: Mapping[str, OpenOrder]
) -> list[dict[str, Any]]:
    """``book``: the open orders by clientOid. Bitget's qty counts what already filled, so a partly
    filled rung asks for its filled part plus the rung's size: it rests its size again, and its
    qty never drops below the filled quantity (which Bitget refuses)."""
    tick = Decimal(ladder["tick"])
    edits = []
    for rung in ladder["rungs"]:
        order = book.get(rung["clientOid"])
        filled = Decimal(str(order["filled_size"])) if order else Decimal(0)
        edits.append(
            {
                "clientOid": rung["clientOid"],
                "symbol": ladder["symbol"],
                "category": ladder["category"],
                "price": str(round_to_tick(ladder_price(centre, rung["level"], ladder["step_bps"]), tick)),
                "qty": str(Decimal(rung["qty"]) + filled),
            }
        )
    return edits


def hyperliquid_edits(ladder: dict[str, Any], centre: Decimal) -> list[dict[str, Any]]:
    """A Hyperliquid modify rests a new order of the given size (the book's ``sz`` is what is left
    to fill), so a partly filled rung asks for the rung's size again."""
    return [
        {
            "cloid": rung["cloid"],
            "coin": ladder["coin"],
            "is_buy": rung["level"] < 0,
            "price": str(round_significant(ladder_price(centre, rung["level"], ladder["step_bps"]), 5)),
            "size": rung["size"],
            "order_type": {"limit": {"tif": "Gtc"}},
        }
        for rung in ladder["rungs"]
    ]


def ladder_edits(
    conn_type: str | None, centre: Decimal | str, open_orders: Iterable[OpenOrder] = ()
) -> list[dict[str, Any]]:
    """The edits that re-centre the ``conn_type`` ladder on ``centre``, given the hook's open orders."""
    ladder = load_ladder(conn_type)
    if conn_type == "bitget":
        book = {str(order["client_id"]): order for order in open_orders if order.get("client_id")}
        return bitget_edits(ladder, Decimal(centre), book)
    return hyperliquid_edits(ladder, Decimal(centre))


def read_ladder_market(conn_type: str | None, conn_id: str) -> tuple[Decimal, list[OpenOrder]]:
    """The live mid of the ladder's market and its open orders, read through the connection's hook."""
    # The hooks are imported here, not at the top: the scheduler parses this file often.
    ladder = load_ladder(conn_type)
    if conn_type == "bitget":
        from airflow_batchmod.hooks.bitget import BitgetHook

        bitget = BitgetHook(conn_id)
        symbol, category = ladder["symbol"], ladder["category"]
        return (
            bitget.get_mid_price(symbol, category=category),
            list(bitget.get_open_orders(symbol=symbol, category=category)),
        )
    from airflow_batchmod.hooks.hyperliquid import HyperliquidHook

    hyperliquid = HyperliquidHook(conn_id)
    return hyperliquid.get_mid_price(ladder["coin"]), list(hyperliquid.get_open_orders(coin=ladder["coin"]))


def live_ladder_edits(conn_type: str | None, conn_id: str, centre: str | None = None) -> list[dict[str, Any]]:
    """Read the book and the mid, and re-centre the ladder on ``centre`` (default: the live mid)."""
    mid, open_orders = read_ladder_market(conn_type, conn_id)
    print(f"{conn_id}: mid {mid}, {len(open_orders)} open orders; centring on {centre or mid}")
    return ladder_edits(conn_type, centre or mid, open_orders)
