"""Read a Hyperliquid ``/exchange`` body into typed values, as strictly as the exchange deserialises it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

CLOID = re.compile(r"^0x[0-9a-fA-F]{32}$")
HEX_ADDRESS = re.compile(r"^(0x)?[0-9a-fA-F]{40}$")
TIFS = ("Alo", "Ioc", "Gtc", "FrontendMarket")


class ShapeError(ValueError):
    """The body does not deserialise; the exchange answers HTTP 422."""


@dataclass
class Modify:
    oid: int | str  # an oid, or a lower-cased cloid
    asset: int
    is_buy: bool
    price: Decimal
    size: Decimal
    reduce_only: bool
    order_type: dict[str, Any]
    cloid: str | None

    @property
    def trigger_px(self) -> Decimal | None:
        trigger = self.order_type.get("trigger")
        return Decimal(trigger["triggerPx"]) if isinstance(trigger, dict) else None

    @property
    def tif(self) -> str | None:
        limit = self.order_type.get("limit")
        return str(limit["tif"]) if isinstance(limit, dict) else None


@dataclass
class ExchangeRequest:
    action: Any  # exactly as received: its key order is part of the signed hash
    action_type: str
    modifies: list[Modify]
    always_place: bool
    nonce: int
    signature: dict[str, Any]
    vault_raw: str | None
    expires_after: int | None

    @property
    def vault(self) -> str | None:
        return None if self.vault_raw is None else "0x" + self.vault_raw.lower().removeprefix("0x")


def _need(condition: bool, message: str) -> None:
    if not condition:
        raise ShapeError(message)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _decimal(value: object, field: str) -> Decimal:
    _need(isinstance(value, str), f"{field}: expected a string")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ShapeError(f"{field}: invalid decimal {value!r}") from None
    _need(number.is_finite(), f"{field}: invalid decimal {value!r}")
    return number


def parse_exchange_body(body: Any) -> ExchangeRequest:
    _need(isinstance(body, dict), "expected a JSON object")
    for key in ("action", "nonce", "signature"):
        _need(key in body, f"missing field `{key}`")
    action = body["action"]
    _need(isinstance(action, dict) and isinstance(action.get("type"), str), "action: missing field `type`")
    _need(_is_int(body["nonce"]), "nonce: expected u64")
    signature = body["signature"]
    _need(
        isinstance(signature, dict)
        and isinstance(signature.get("r"), str)
        and isinstance(signature.get("s"), str)
        and _is_int(signature.get("v")),
        "signature: expected {r, s, v}",
    )
    vault = body.get("vaultAddress")
    _need(vault is None or (isinstance(vault, str) and bool(HEX_ADDRESS.match(vault))), "vaultAddress: bad")
    expires = body.get("expiresAfter")
    _need(expires is None or _is_int(expires), "expiresAfter: expected u64")
    modifies: list[Modify] = []
    always_place = False
    if action["type"] == "batchModify":
        _need(set(action) <= {"type", "modifies", "a"}, "action: unknown field")
        _need(isinstance(action.get("modifies"), list), "action: missing field `modifies`")
        _need(action.get("a", True) is True, "action.a: only `true` is accepted (omit it when false)")
        always_place = "a" in action
        modifies = [_modify(raw, i) for i, raw in enumerate(action["modifies"])]
    elif action["type"] == "noop":
        _need(set(action) == {"type"}, "action: unknown field")
    return ExchangeRequest(
        action=action,
        action_type=action["type"],
        modifies=modifies,
        always_place=always_place,
        nonce=body["nonce"],
        signature=signature,
        vault_raw=vault,
        expires_after=expires,
    )


def _modify(raw: object, index: int) -> Modify:
    where = f"modifies[{index}]"
    _need(isinstance(raw, dict) and set(raw) == {"oid", "order"}, f"{where}: expected {{oid, order}}")
    assert isinstance(raw, dict)
    oid = raw["oid"]
    _need(_is_int(oid) or (isinstance(oid, str) and bool(CLOID.match(oid))), f"{where}.oid: oid or cloid")
    order = raw["order"]
    _need(isinstance(order, dict), f"{where}.order: expected an object")
    for key in ("a", "b", "p", "s", "r", "t"):
        _need(key in order, f"{where}.order: missing field `{key}`")
    _need(set(order) <= {"a", "b", "p", "s", "r", "t", "c"}, f"{where}.order: unknown field")
    _need(_is_int(order["a"]), f"{where}.order.a: expected an asset id")
    _need(isinstance(order["b"], bool) and isinstance(order["r"], bool), f"{where}.order: b and r are bools")
    cloid = order.get("c")
    _need(
        cloid is None or (isinstance(cloid, str) and bool(CLOID.match(cloid))), f"{where}.order.c: bad cloid"
    )
    order_type = order["t"]
    _need(isinstance(order_type, dict) and len(order_type) == 1, f"{where}.order.t: limit or trigger")
    if "limit" in order_type:
        limit = order_type["limit"]
        _need(isinstance(limit, dict) and limit.get("tif") in TIFS, f"{where}.order.t.limit.tif: bad tif")
    elif "trigger" in order_type:
        trigger = order_type["trigger"]
        _need(
            isinstance(trigger, dict)
            and isinstance(trigger.get("isMarket"), bool)
            and trigger.get("tpsl") in ("tp", "sl"),
            f"{where}.order.t.trigger: expected {{isMarket, triggerPx, tpsl}}",
        )
        _decimal(trigger.get("triggerPx"), f"{where}.order.t.trigger.triggerPx")
    else:
        raise ShapeError(f"{where}.order.t: limit or trigger")
    return Modify(
        oid=oid.lower() if isinstance(oid, str) else oid,
        asset=order["a"],
        is_buy=order["b"],
        price=_decimal(order["p"], f"{where}.order.p"),
        size=_decimal(order["s"], f"{where}.order.s"),
        reduce_only=order["r"],
        order_type=order_type,
        cloid=cloid.lower() if isinstance(cloid, str) else None,
    )
