"""Market moves the admin API makes: ``/sandbox/mark`` moves a price, ``/sandbox/fill`` trades an order.

Moving a price never fills anything by itself: fills happen only when asked for, so a test
decides exactly which orders trade.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from airflow_batchmod.exchanges.decimals import format_decimal
from airflow_batchmod.sandbox.bitget.fills import fill_order as fill_bitget_order
from airflow_batchmod.sandbox.bitget.state import BitgetOrder
from airflow_batchmod.sandbox.hyperliquid.fills import fill_order as fill_hyperliquid_order
from airflow_batchmod.sandbox.hyperliquid.state import HyperliquidOrder
from airflow_batchmod.sandbox.seed.models import BitgetCategory
from airflow_batchmod.sandbox.validation import describe_errors
from airflow_batchmod.sandbox.world import World


def _decimal_text(value: object) -> Decimal:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be a decimal string")
    try:
        number = Decimal(value)
    except ArithmeticError:
        raise ValueError("must be a decimal string") from None
    if not number.is_finite() or number <= 0:
        raise ValueError("must be a positive number")
    return number


PositiveText = Annotated[Decimal, BeforeValidator(_decimal_text)]


class MarkRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    venue: Literal["bitget", "hyperliquid"]
    symbol: Annotated[str, Field(min_length=1)]
    category: BitgetCategory | None = None
    price: PositiveText


class FillRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    venue: Literal["bitget", "hyperliquid"]
    order: str | int
    size: PositiveText | None = None


def parse(model: type[MarkRequest] | type[FillRequest], body: object) -> Any:
    try:
        return model.model_validate(body if body is not None else {})
    except ValidationError as exc:
        raise ValueError(describe_errors(exc)) from None


# --- /sandbox/mark --------------------------------------------------------------------------------------
def mark(world: World, request: MarkRequest) -> dict[str, Any]:
    with world.lock:
        if request.venue == "hyperliquid":
            book = world.hyperliquid
            if request.symbol not in book.assets_by_coin:
                raise ValueError(f"hyperliquid has no coin {request.symbol!r}")
            book.mark_prices[request.symbol] = request.price
            return {"venue": "hyperliquid", "symbol": request.symbol, "price": format_decimal(request.price)}
        if request.category is None:
            raise ValueError("category is required for bitget")
        key = (request.category, request.symbol)
        instrument = world.bitget.instruments.get(key)
        if instrument is None:
            raise ValueError(f"bitget has no instrument {request.symbol} in {request.category}")
        if request.price % instrument.price_step != 0:
            raise ValueError(f"price must be a multiple of {format_decimal(instrument.price_step)}")
        world.bitget.mark_prices[key] = request.price
        return {
            "venue": "bitget",
            "symbol": request.symbol,
            "category": request.category,
            "price": format_decimal(request.price),
        }


# --- /sandbox/fill --------------------------------------------------------------------------------------
def fill(world: World, request: FillRequest, now_ms: int) -> dict[str, Any]:
    with world.lock:
        if request.venue == "bitget":
            order = _bitget_order(world, str(request.order))
            fill_bitget_order(order, request.size, now_ms)
            return {"venue": "bitget", "order": order.view()}
        hl_order = _hl_order(world, request.order)
        fill_hyperliquid_order(world, hl_order, request.size, now_ms)
        return {"venue": "hyperliquid", "order": hl_order.view()}


def _bitget_order(world: World, key: str) -> BitgetOrder:
    book = world.bitget
    found = [o for o in book.orders if o.order_id == key] or [o for o in book.orders if o.client_oid == key]
    if not found:
        raise ValueError(f"bitget has no order {key!r} (orderId or clientOid)")
    if len(found) > 1:
        raise ValueError(f"bitget order {key!r} is ambiguous across accounts")
    return found[0]


def _hl_order(world: World, key: str | int) -> HyperliquidOrder:
    book = world.hyperliquid
    if isinstance(key, int) or key.isdigit():
        order = book.orders.get(int(key))
        if order is None:
            raise ValueError(f"hyperliquid has no oid {key}")
        return order
    cloid = key.lower()
    # A cloid follows its order through modifies: the newest order carrying it is the live one.
    matches = [o for o in book.orders.values() if o.cloid == cloid]
    if not matches:
        raise ValueError(f"hyperliquid has no order with cloid {key}")
    return max(matches, key=lambda o: o.oid)
