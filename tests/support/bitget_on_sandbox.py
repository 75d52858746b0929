"""BitgetClient on the sandbox process: a seed of three accounts and their orders, edits from input."""

from __future__ import annotations

from typing import Any

from airflow_batchmod.exchanges.base import PreparedEdit
from airflow_batchmod.exchanges.bitget.client import BitgetClient, BitgetCredentials
from airflow_batchmod.exchanges.bitget.models import BitgetEdit
from airflow_batchmod.exchanges.bitget.validation import edit_label, parse_edit, to_wire
from tests.support.seed import BTC_FUTURES

BTC_LINE = {"symbol": "BTCUSDT", "category": "USDT-FUTURES"}
GOOD = BitgetCredentials(api_key="bg_demo_key", secret="bg_demo_secret", passphrase="bg_demo_pass")
PAPER = BitgetCredentials(api_key="bg_paper_key", secret="bg_paper_secret", passphrase="bg_paper_pass")


ETH_FUTURES = {
    **BTC_FUTURES,
    "symbol": "ETHUSDT",
    "baseCoin": "ETH",
    "pricePrecision": "2",
    "quantityPrecision": "2",
    "priceMultiplier": "0.01",
    "quantityMultiplier": "0.01",
    "minOrderQty": "0.01",
    "maxOrderQty": "500",
}


def _order(order_id: str, client_oid: str, price: str, qty: str, **extra: Any) -> dict[str, Any]:
    order = {
        "uid": "1001",
        "orderId": order_id,
        "clientOid": client_oid,
        "symbol": "BTCUSDT",
        "category": "USDT-FUTURES",
        "side": "buy",
        "price": price,
        "qty": qty,
        "filledQty": "0",
        "status": "live",
        "reduceOnly": False,
    }
    order.update(extra)
    return order


SEED: dict[str, Any] = {
    "bitget": {
        "accounts": [
            {
                "uid": "1001",
                "api_key": "bg_demo_key",
                "secret": "bg_demo_secret",
                "passphrase": "bg_demo_pass",
            },
            {
                "uid": "1002",
                "api_key": "bg_demo_key_2",
                "secret": "bg_demo_secret_2",
                "passphrase": "bg_demo_pass_2",
            },
            {
                "uid": "1003",
                "api_key": "bg_paper_key",
                "secret": "bg_paper_secret",
                "passphrase": "bg_paper_pass",
                "demo_trading": True,
            },
        ],
        "instruments": [BTC_FUTURES, ETH_FUTURES],
        "orders": [
            _order("1001", "ladder-1", "60000.0", "0.010"),
            _order("1002", "ladder-2", "59900.0", "0.010"),
            _order("1003", "ladder-3", "3000.00", "0.50", symbol="ETHUSDT", side="sell"),
            _order("1004", "ro-1", "61000.0", "0.010", side="sell", reduceOnly=True),
            _order("1005", "part-1", "59000.0", "0.050", filledQty="0.020", status="partially_filled"),
            _order("1006", "done-1", "58000.0", "0.010", filledQty="0.010", status="filled"),
            _order("9001", "other-1", "60000.0", "0.010", uid="1002"),
            _order("3001", "paper-1", "60000.0", "0.010", uid="1003"),
        ],
    }
}


def prepared(client: BitgetClient, *raw: dict[str, Any]) -> list[PreparedEdit]:
    edits = [{"symbol": "BTCUSDT", "category": "USDT-FUTURES", **fields} for fields in raw]
    preparation = client.prepare(edits)
    assert preparation.problems == [], [p.describe() for p in preparation.problems]
    assert preparation.skipped == []
    return preparation.edits


def as_given(*raw: dict[str, Any]) -> list[PreparedEdit]:
    """Edits built from the input alone, without reading the book: what a venue does with edits
    the plan would have kept back (the book changed after planning, or another writer sent them)."""
    edits = []
    for index, fields in enumerate(raw):
        edit = parse_edit({"symbol": "BTCUSDT", "category": "USDT-FUTURES", **fields})
        assert isinstance(edit, BitgetEdit), edit
        edits.append(PreparedEdit(index, edit.order_key, edit.category, edit_label(edit), to_wire(edit)))
    return edits
