"""Whether a Hyperliquid edit changes anything, and what the book says about an accepted one."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from airflow_batchmod.exchanges.base import Landing, PreparedEdit, Quote
from airflow_batchmod.exchanges.hyperliquid.book import is_unchanged
from airflow_batchmod.exchanges.hyperliquid.confirmation import judge_landing
from airflow_batchmod.exchanges.hyperliquid.orders import OrderView
from airflow_batchmod.exchanges.hyperliquid.planning import ModifyPayload
from airflow_batchmod.exchanges.hyperliquid.wire import (
    OrderTypeWire,
    limit_order_type,
    order_wire,
    trigger_order_type,
)

CLOID = "0x" + "ab" * 16
BOOK = OrderView(
    oid=7,
    cloid=CLOID,
    coin="BTC",
    status="open",
    side="B",
    price=Decimal("59000"),
    size=Decimal("0.01"),
    orig_size=Decimal("0.02"),
    reduce_only=False,
    order_type="Limit",
    tif="Gtc",
)
STOP = replace(
    BOOK, order_type="Stop Market", tif=None, trigger_px=Decimal("58000"), side="A", reduce_only=True
)


def unchanged(order: OrderView = BOOK, **changes: Any) -> bool:
    values: dict[str, Any] = {
        "is_buy": True,
        "price": Decimal("59000.0"),
        "size": Decimal("0.010"),
        "reduce_only": False,
        "order_type": limit_order_type("Gtc"),
        "new_cloid": None,
        "always_place": False,
    }
    values.update(changes)
    return is_unchanged(order, **values)


def test_the_same_values_are_unchanged() -> None:
    assert unchanged()
    assert unchanged(new_cloid=CLOID.upper().replace("0X", "0x"))


@pytest.mark.parametrize(
    "changes",
    [
        {"price": Decimal("59001")},
        {"size": Decimal("0.02")},  # the original size, not what still rests
        {"is_buy": False},
        {"reduce_only": True},
        {"order_type": limit_order_type("Ioc")},
        {"new_cloid": "0x" + "cd" * 16},
    ],
)
def test_any_real_change_is_sent(changes: dict[str, Any]) -> None:
    assert not unchanged(**changes)


def test_a_gtc_edit_matches_the_alo_the_exchange_rests_it_as_unless_always_placed() -> None:
    alo = replace(BOOK, tif="Alo")
    assert unchanged(alo)
    assert not unchanged(alo, always_place=True)
    assert not unchanged(order_type=limit_order_type("Alo"))  # an Alo edit of a Gtc order changes it


def stop(trigger_px: str = "58000", *, is_market: bool = True, tpsl: str = "sl") -> OrderTypeWire:
    return trigger_order_type(is_market=is_market, trigger_px=Decimal(trigger_px), tpsl=tpsl)  # type: ignore[arg-type]


def test_triggers_compare_kind_and_trigger_price() -> None:
    same = {"is_buy": False, "reduce_only": True, "order_type": stop()}
    assert unchanged(STOP, **same)
    assert not unchanged(STOP, **{**same, "order_type": stop("58001")})
    assert not unchanged(STOP, **{**same, "order_type": stop(is_market=False)})
    assert not unchanged(STOP, **{**same, "order_type": stop(tpsl="tp")})
    assert not unchanged(BOOK, order_type=stop())  # a limit order becoming a trigger


def sent(target: int = 7) -> PreparedEdit:
    order = order_wire(
        asset=0,
        is_buy=True,
        price=Decimal("59010"),
        size=Decimal("0.01"),
        reduce_only=False,
        order_type=limit_order_type("Gtc"),
        cloid=CLOID,
    )
    payload = ModifyPayload(target, target, order, CLOID, False, "BTC buy 0.01@59010")
    return PreparedEdit(0, f"cloid:{CLOID}", "other", "edit", payload, wanted=Quote("59010", "0.01"))


def test_landing_judged_from_the_order_carrying_the_edit() -> None:
    landed = judge_landing(sent(), replace(BOOK, price=Decimal("59010"), orig_size=Decimal("0.01")))
    assert (landed.landing, landed.after, landed.message) == (Landing.LANDED, Quote("59010", "0.01"), None)
    assert judge_landing(sent(), BOOK).landing is Landing.PENDING
    filled = judge_landing(sent(), replace(BOOK, status="filled", price=Decimal("59010"), size=Decimal("0")))
    assert (filled.landing, filled.after) == (Landing.LANDED, Quote("59010", "0.02"))
    canceled = judge_landing(sent(), replace(BOOK, status="canceled"))
    assert canceled.landing is Landing.GONE and "canceled" in (canceled.message or "")
    assert judge_landing(sent(), None).landing is Landing.GONE


def test_a_replacement_that_partly_filled_before_confirmation_landed() -> None:
    partly = replace(BOOK, price=Decimal("59010"), size=Decimal("0.004"), orig_size=Decimal("0.01"))
    landed = judge_landing(sent(), partly)
    assert (landed.landing, landed.after) == (Landing.LANDED, Quote("59010", "0.004"))
    assert landed.message == "resting 0.004 of 0.01; 0.006 filled since"
    # Placed with another size: not this edit's order.
    other = replace(BOOK, price=Decimal("59010"), size=Decimal("0.01"), orig_size=Decimal("0.02"))
    assert judge_landing(sent(), other).landing is Landing.PENDING
