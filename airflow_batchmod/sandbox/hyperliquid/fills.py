"""Trading a Hyperliquid order in the sandbox: the admin's ``/sandbox/fill`` and the ``fill_before_apply`` fault."""

from __future__ import annotations

from decimal import Decimal

from airflow_batchmod.exchanges.decimals import decimal_places, format_decimal
from airflow_batchmod.sandbox.hyperliquid.state import HyperliquidOrder
from airflow_batchmod.sandbox.world import World


def fill_order(world: World, order: HyperliquidOrder, size: Decimal | None, now_ms: int) -> None:
    size = order.sz if size is None else size
    if order.status != "open":
        raise ValueError(f"order {order.oid} is {order.status}")
    if size > order.sz:
        raise ValueError(f"size {format_decimal(size)} exceeds the open size {format_decimal(order.sz)}")
    sz_decimals = world.hyperliquid.assets[order.asset].sz_decimals
    if decimal_places(size) > sz_decimals:
        raise ValueError(f"size has more than {sz_decimals} decimals")
    order.sz -= size
    if order.sz == 0:
        order.status = "filled"
        order.status_timestamp = now_ms
    # Traded volume frees address budget: one request per USDC.
    world.hyperliquid.budgets.add_volume(order.user, size * order.limit_px)
