"""What the crash-recovery tests read from the sandbox and the reports, and the ladders of edits they run."""

from __future__ import annotations

from typing import Any

from airflow_batchmod.testing.sandbox import Sandbox
from tests.support.sandbox_state import bitget_orders, hyperliquid_orders
from tests.support.soak import bitget_edit, hyperliquid_edit


def modify_log(sandbox: Sandbox) -> list[dict[str, Any]]:
    return [r for r in sandbox.requests() if r["endpoint"] == "modify"]


def keys_of(entries: list[dict[str, Any]], *, applied_only: bool = False) -> list[Any]:
    return [key for e in entries if not applied_only or e["status"] == 200 for key in e["order_keys"]]


def resumed(report: dict[str, Any]) -> set[int]:
    return {e["index"] for e in report["edits"] if e["resumed"]}


def bitget_ladder(before: dict[str, Any], first: int, last: int) -> list[dict[str, Any]]:
    orders = bitget_orders(before)
    return [bitget_edit(orders[str(order_id)], 1 + order_id % 7) for order_id in range(first, last + 1)]


def hyperliquid_ladder(before: dict[str, Any], oids: list[int]) -> list[dict[str, Any]]:
    orders = hyperliquid_orders(before)
    return [hyperliquid_edit(orders[oid], 1 + oid % 5) for oid in oids]


def again(edit: dict[str, Any], price: str) -> dict[str, Any]:
    return {**edit, "price": price}
