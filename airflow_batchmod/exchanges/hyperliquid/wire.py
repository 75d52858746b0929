"""Byte-exact wire pieces of a Hyperliquid ``batchModify`` action.

The action is hashed with msgpack, so key order and the exact text of every number are
part of the signature. Every builder here writes its keys in the order the exchange
hashes them, and every number comes in as a ``Decimal`` and leaves as a string: no
float ever enters an action.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Literal, TypedDict

#: The exchange keeps at most 8 decimals of any price or size.
MAX_WIRE_DECIMALS = 8

Tif = Literal["Gtc", "Alo", "Ioc"]
Tpsl = Literal["tp", "sl"]

_CLOID = re.compile(r"0x[0-9a-fA-F]{32}")


class LimitBody(TypedDict):
    tif: str


class LimitType(TypedDict):
    limit: LimitBody


class TriggerBody(TypedDict):
    isMarket: bool
    triggerPx: str
    tpsl: str


class TriggerType(TypedDict):
    trigger: TriggerBody


OrderTypeWire = LimitType | TriggerType


class _OrderWireRequired(TypedDict):
    a: int
    b: bool
    p: str
    s: str
    r: bool
    t: OrderTypeWire


class OrderWire(_OrderWireRequired, total=False):
    c: str


class ModifyWire(TypedDict):
    oid: int | str
    order: OrderWire


class _BatchModifyRequired(TypedDict):
    type: str
    modifies: list[ModifyWire]


class BatchModifyAction(_BatchModifyRequired, total=False):
    a: bool


def decimal_to_wire(value: Decimal) -> str:
    """The exchange's text for a number: plain notation, no trailing zeros, at most 8 decimals.

    Mirrors the SDK's ``float_to_wire`` on exact values: ``Decimal("1105.0")`` -> ``"1105"``,
    ``Decimal("0.10")`` -> ``"0.1"``, ``Decimal("1e20")`` -> ``"100000000000000000000"``,
    negative zero -> ``"0"``. Unlike ``float_to_wire`` there is no float noise to forgive, so
    any value with more than 8 decimals is refused rather than silently rounded.
    """
    if not isinstance(value, Decimal):
        # A float here would already have lost the exact value the caller meant.
        raise TypeError(f"wire numbers must be Decimal, not {type(value).__name__}")
    if not value.is_finite():
        raise ValueError(f"{value} is not a finite number")
    normal = value.normalize()
    exponent = normal.as_tuple().exponent
    assert isinstance(exponent, int)  # finite, checked above
    if exponent < -MAX_WIRE_DECIMALS:
        raise ValueError(f"{value} has more than {MAX_WIRE_DECIMALS} decimals")
    text = f"{normal:f}"
    return "0" if text == "-0" else text


def normalize_cloid(value: str) -> str:
    """A client order id as the exchange expects it: ``0x`` + 32 lowercase hex digits."""
    if not isinstance(value, str) or not _CLOID.fullmatch(value):
        raise ValueError("must be '0x' followed by 32 hex digits")
    return value.lower()


def is_cloid(value: object) -> bool:
    return isinstance(value, str) and _CLOID.fullmatch(value) is not None


_LIMIT_TYPES: dict[str, LimitType] = {tif: {"limit": {"tif": tif}} for tif in ("Alo", "Ioc", "Gtc")}


def limit_order_type(tif: Tif) -> LimitType:
    # One shared, never mutated dict per time in force: 100,000 edits need not carry 200,000 dicts.
    return _LIMIT_TYPES[tif]


def trigger_order_type(*, is_market: bool, trigger_px: Decimal, tpsl: Tpsl) -> TriggerType:
    # Key order follows the SDK's order_type_to_wire, not its TriggerOrderType TypedDict.
    return {"trigger": {"isMarket": is_market, "triggerPx": decimal_to_wire(trigger_px), "tpsl": tpsl}}


def order_wire(
    *,
    asset: int,
    is_buy: bool,
    price: Decimal,
    size: Decimal,
    reduce_only: bool,
    order_type: OrderTypeWire,
    cloid: str | None = None,
) -> OrderWire:
    """The new order of a modify, keys in hash order ``a b p s r t [c]``; ``c`` is left out when absent."""
    wire: OrderWire = {
        "a": asset,
        "b": is_buy,
        "p": decimal_to_wire(price),
        "s": decimal_to_wire(size),
        "r": reduce_only,
        "t": order_type,
    }
    if cloid is not None:
        # "c": null hashes differently from no "c" and is refused; the key must be absent.
        wire["c"] = normalize_cloid(cloid)
    return wire


def modify_wire(oid: int | str, order: OrderWire) -> ModifyWire:
    """One modify: ``oid`` is the order id, or the order's cloid string."""
    if isinstance(oid, bool) or not isinstance(oid, (int, str)):
        raise TypeError("oid must be an int or a cloid string")
    return {"oid": normalize_cloid(oid) if isinstance(oid, str) else oid, "order": order}


def batch_modify_action(modifies: Sequence[ModifyWire], *, always_place: bool = False) -> BatchModifyAction:
    """The ``batchModify`` action; the action-level ``"a": true`` appears only when asked for.

    The exchange rejects actions hashed with ``"a": false``, so false means "absent".
    """
    action: BatchModifyAction = {"type": "batchModify", "modifies": list(modifies)}
    if always_place:
        action["a"] = True
    return action
