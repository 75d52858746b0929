"""The sandbox as the exchange sees it: its orders by id, and the modify calls in its request log.

Each reader takes a running :class:`Sandbox` (and reads its state now) or a state document
already read with ``Sandbox.state()``, so a test can compare two moments.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airflow_batchmod.testing.sandbox import Sandbox

State = Mapping[str, Any]


def _state(source: Sandbox | State) -> State:
    return source.state() if isinstance(source, Sandbox) else source


def bitget_orders(source: Sandbox | State, uid: str | None = None) -> dict[str, dict[str, Any]]:
    """Bitget orders by orderId, of one account when ``uid`` is given."""
    return {
        order["orderId"]: order
        for order in _state(source)["bitget"]["orders"]
        if uid is None or order["uid"] == uid
    }


def hyperliquid_orders(source: Sandbox | State) -> dict[int, dict[str, Any]]:
    """Every Hyperliquid order ever created (replaced ones too), of every user, by oid."""
    return {int(order["oid"]): order for order in _state(source)["hyperliquid"]["orders"]}


def modify_requests(sandbox: Sandbox, venue: str) -> list[dict[str, Any]]:
    """The request log's modify calls to one venue, in arrival order."""
    return [r for r in sandbox.requests() if r["venue"] == venue and r["endpoint"] == "modify"]
