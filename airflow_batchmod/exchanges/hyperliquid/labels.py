"""How a Hyperliquid edit is named in problems, logs and reports.

A label is ``<target> <summary>``, e.g. ``oid=1000001 BTC buy 0.002@59928``: the target as the
input named it, then the order as it will be sent. Field names follow the spelling the user
chose, so a message points at their own field.
"""

from __future__ import annotations

from decimal import Decimal

from airflow_batchmod.exchanges.decimals import format_decimal
from airflow_batchmod.exchanges.hyperliquid.metadata import AssetInfo
from airflow_batchmod.exchanges.hyperliquid.models import EditRequest, describe_target


def field_names(request: EditRequest) -> dict[str, str]:
    """Where each value sat in the input."""
    if request.wire_form:
        return {
            "asset": "order.a",
            "price": "order.p",
            "size": "order.s",
            "trigger_px": "order.t.trigger.triggerPx",
        }
    return {
        "asset": "coin" if request.coin is not None else "asset",
        "price": "price",
        "size": "size",
        "trigger_px": "order_type.trigger.triggerPx",
    }


def draft_label(request: EditRequest) -> str:
    """The label of an edit whose asset is not known (yet): the values as given."""
    side = "buy" if request.is_buy else "sell"
    where = request.coin if request.coin is not None else f"asset {request.asset}"
    return (
        f"{describe_target(request.target)} {where} {side} "
        f"{format_decimal(request.size)}@{format_decimal(request.price)}"
    )


def summary(
    asset: AssetInfo, request: EditRequest, price: Decimal, size: Decimal, trigger_px: Decimal | None
) -> str:
    """The order as it will be sent, without its target, e.g. ``BTC buy 0.01@59000 Alo``."""
    side = "buy" if request.is_buy else "sell"
    text = f"{asset.name} {side} {format_decimal(size)}@{format_decimal(price)}"
    spec = request.order_type
    if spec.limit is not None and spec.limit.tif != "Gtc":
        text += f" {spec.limit.tif}"
    if spec.trigger is not None and trigger_px is not None:
        kind = "market" if spec.trigger.isMarket else "limit"
        text += f" {spec.trigger.tpsl} {kind} trigger@{format_decimal(trigger_px)}"
    if request.reduce_only:
        text += " reduce-only"
    return text


def label(target: int | str, summary_text: str) -> str:
    return f"{describe_target(target)} {summary_text}"
