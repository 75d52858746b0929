from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgpack
import pytest
from hypothesis import given
from hypothesis import strategies as st

from airflow_batchmod.exchanges.hyperliquid.wire import (
    batch_modify_action,
    decimal_to_wire,
    is_cloid,
    limit_order_type,
    modify_wire,
    normalize_cloid,
    order_wire,
    trigger_order_type,
)


@pytest.mark.parametrize(
    ("value", "wire"),
    [
        ("1105.0", "1105"),
        ("0.10", "0.1"),
        ("50000.0", "50000"),
        ("1e20", "100000000000000000000"),
        ("1E+3", "1000"),
        ("0.00000001", "0.00000001"),
        ("123.45678900", "123.456789"),
        ("-0.0", "0"),
        ("-0", "0"),
        ("0", "0"),
        ("-1.50", "-1.5"),
        ("59000", "59000"),
        ("0.0123", "0.0123"),
    ],
)
def test_decimal_to_wire_table(value: str, wire: str) -> None:
    assert decimal_to_wire(Decimal(value)) == wire


@pytest.mark.parametrize("value", ["1.234567891", "1e-9", "0.30000000000000004", "0.000000001"])
def test_decimal_to_wire_refuses_more_than_eight_decimals(value: str) -> None:
    with pytest.raises(ValueError, match="more than 8 decimals"):
        decimal_to_wire(Decimal(value))


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "sNaN"])
def test_decimal_to_wire_refuses_non_finite(value: str) -> None:
    with pytest.raises(ValueError):
        decimal_to_wire(Decimal(value))


@pytest.mark.parametrize("value", [1.5, 1, True, "1.5"])
def test_decimal_to_wire_only_takes_decimal(value: Any) -> None:
    with pytest.raises(TypeError):
        decimal_to_wire(value)


@given(st.decimals(allow_nan=False, allow_infinity=False, places=8, min_value=-(10**12), max_value=10**12))
def test_decimal_to_wire_round_trips(value: Decimal) -> None:
    text = decimal_to_wire(value)
    assert Decimal(text) == value
    assert "e" not in text.lower()
    assert text == "0" or not (("." in text and text.endswith("0")) or text.endswith("."))


def _order(**overrides: Any) -> Any:
    arguments: dict[str, Any] = {
        "asset": 0,
        "is_buy": True,
        "price": Decimal("59000.0"),
        "size": Decimal("0.010"),
        "reduce_only": False,
        "order_type": limit_order_type("Gtc"),
    }
    arguments.update(overrides)
    return order_wire(**arguments)


def test_order_key_order_and_no_c_when_absent() -> None:
    order = _order()
    assert list(order) == ["a", "b", "p", "s", "r", "t"]
    assert "c" not in order
    assert order["p"] == "59000"
    assert order["s"] == "0.01"


def test_c_is_last_and_lower_case() -> None:
    order = _order(cloid="0x" + "AB" * 16)
    assert list(order) == ["a", "b", "p", "s", "r", "t", "c"]
    assert order["c"] == "0x" + "ab" * 16


def test_trigger_key_order() -> None:
    order_type = trigger_order_type(is_market=False, trigger_px=Decimal("1510.00"), tpsl="tp")
    assert order_type == {"trigger": {"isMarket": False, "triggerPx": "1510", "tpsl": "tp"}}
    assert list(order_type["trigger"]) == ["isMarket", "triggerPx", "tpsl"]


def test_modify_and_action_key_order() -> None:
    modify = modify_wire(1000001, _order())
    assert list(modify) == ["oid", "order"]
    action = batch_modify_action([modify])
    assert list(action) == ["type", "modifies"]
    assert action["type"] == "batchModify"


def test_always_place_flag_only_when_asked() -> None:
    modify = modify_wire(1, _order())
    assert "a" not in batch_modify_action([modify])
    assert "a" not in batch_modify_action([modify], always_place=False)
    placed = batch_modify_action([modify], always_place=True)
    assert list(placed) == ["type", "modifies", "a"]
    assert placed["a"] is True


def test_modify_by_cloid_sends_the_cloid_string() -> None:
    modify = modify_wire("0x" + "0F" * 16, _order())
    assert modify["oid"] == "0x" + "0f" * 16
    # msgpack stores it as a str (0xd9 = str8 of 34 bytes).
    assert msgpack.packb(modify["oid"])[:2] == b"\xd9\x22"


@pytest.mark.parametrize("oid", [True, 1.0, None])
def test_modify_refuses_other_oid_types(oid: Any) -> None:
    with pytest.raises(TypeError):
        modify_wire(oid, _order())


@pytest.mark.parametrize("text", ["0x123", "0x" + "g" * 32, "1" * 34, "0x" + "1" * 33, ""])
def test_bad_cloids(text: str) -> None:
    assert not is_cloid(text)
    with pytest.raises(ValueError):
        normalize_cloid(text)


def _floats(value: object) -> list[object]:
    if isinstance(value, float):
        return [value]
    if isinstance(value, dict):
        return [found for item in value.values() for found in _floats(item)]
    if isinstance(value, list):
        return [found for item in value for found in _floats(item)]
    return []


def test_no_float_anywhere_in_an_action() -> None:
    trigger = trigger_order_type(is_market=True, trigger_px=Decimal("0.5"), tpsl="sl")
    action = batch_modify_action(
        [
            modify_wire(1, _order(price=Decimal("0.1"), size=Decimal("3"))),
            modify_wire("0x" + "1" * 32, _order(order_type=trigger, cloid="0x" + "2" * 32)),
        ],
        always_place=True,
    )
    assert _floats(action) == []
    # msgpack would write floats as 0xcb (float64) or 0xca (float32) with a value; none is present.
    packed = msgpack.packb(action)
    assert msgpack.unpackb(packed) == action
