"""The edits a user may ask for, in two accepted spellings, and their validation.

* the exchange's own wire form, as in the API docs:
  ``{"oid": 1000001 | "0x<cloid>", "order": {"a": 0, "b": true, "p": "59000", "s": "0.01",
  "r": false, "t": {"limit": {"tif": "Gtc"}}, "c": "0x<new cloid>"}}``
* a readable form: ``{"oid": 1000001}`` or ``{"cloid": "0x.."}``, ``{"coin": "BTC"}`` or
  ``{"asset": 0}``, ``is_buy``, ``price``, ``size``, ``reduce_only`` (default false),
  ``order_type`` (default ``{"limit": {"tif": "Gtc"}}``) and ``new_cloid``.

Unknown fields are refused (a typo must not silently drop a setting). Prices and sizes
are read as ``Decimal``; every error message names the field it is about.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    model_validator,
)

from airflow_batchmod.exchanges.decimals import format_decimal, parse_positive_decimal
from airflow_batchmod.exchanges.hyperliquid.wire import is_cloid, normalize_cloid

#: Echoed input values are cut to this length.
ECHO_LIMIT = 40
MAX_OID = 2**64 - 1


def _positive_decimal(value: object) -> Decimal:
    return parse_positive_decimal(value)


def _oid(value: object) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("must be an integer order id")
    if not 0 < value <= MAX_OID:
        raise ValueError("must be a positive 64-bit order id")
    return value


def _cloid(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("must be '0x' followed by 32 hex digits")
    return normalize_cloid(value.strip())


def _oid_or_cloid(value: object) -> int | str:
    if isinstance(value, str) and value.strip().lower().startswith("0x"):
        return _cloid(value)
    try:
        return _oid(value)
    except ValueError:
        raise ValueError("must be an integer order id or a '0x' + 32 hex digit cloid") from None


def _asset(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError("must be a non-negative integer asset id")
    return value


PositiveDecimal = Annotated[Decimal, BeforeValidator(_positive_decimal)]
Oid = Annotated[int, BeforeValidator(_oid)]
Cloid = Annotated[str, BeforeValidator(_cloid)]
OidOrCloid = Annotated[int | str, BeforeValidator(_oid_or_cloid)]
AssetId = Annotated[int, BeforeValidator(_asset)]
CoinName = Annotated[str, Field(min_length=1, max_length=64)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LimitSpec(_Strict):
    tif: Literal["Gtc", "Alo", "Ioc"]


class TriggerSpec(_Strict):
    isMarket: StrictBool
    triggerPx: PositiveDecimal
    tpsl: Literal["tp", "sl"]


class OrderTypeSpec(_Strict):
    """``{"limit": {...}}`` or ``{"trigger": {...}}``: exactly one of the two."""

    limit: LimitSpec | None = None
    trigger: TriggerSpec | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> OrderTypeSpec:
        if (self.limit is None) == (self.trigger is None):
            raise ValueError("needs exactly one of 'limit' or 'trigger'")
        return self

    @property
    def is_alo(self) -> bool:
        return self.limit is not None and self.limit.tif == "Alo"

    def describe(self) -> str:
        if self.limit is not None:
            return self.limit.tif
        assert self.trigger is not None
        kind = "market" if self.trigger.isMarket else "limit"
        return f"{self.trigger.tpsl} {kind} trigger@{format_decimal(self.trigger.triggerPx)}"


GTC = OrderTypeSpec(limit=LimitSpec(tif="Gtc"))


class WireOrder(_Strict):
    a: AssetId
    b: StrictBool
    p: PositiveDecimal
    s: PositiveDecimal
    r: StrictBool
    t: OrderTypeSpec
    c: Cloid | None = None


class WireEdit(_Strict):
    oid: OidOrCloid
    order: WireOrder
    always_place: StrictBool | None = None


class ReadableEdit(_Strict):
    oid: Oid | None = None
    cloid: Cloid | None = None
    coin: CoinName | None = None
    asset: AssetId | None = None
    is_buy: StrictBool
    price: PositiveDecimal
    size: PositiveDecimal
    reduce_only: StrictBool = False
    order_type: OrderTypeSpec = GTC
    new_cloid: Cloid | None = None
    always_place: StrictBool | None = None

    @model_validator(mode="after")
    def _one_of_each(self) -> ReadableEdit:
        if (self.oid is None) == (self.cloid is None):
            raise ValueError("give exactly one of 'oid' or 'cloid'")
        if (self.coin is None) == (self.asset is None):
            raise ValueError("give exactly one of 'coin' or 'asset'")
        return self


@dataclass(frozen=True)
class EditRequest:
    """One edit, whichever spelling it came in: the order to change and its new values."""

    #: The order to change: its oid, or its cloid string.
    target: int | str
    coin: str | None
    asset: int | None
    is_buy: bool
    price: Decimal
    size: Decimal
    reduce_only: bool
    order_type: OrderTypeSpec
    new_cloid: str | None
    #: True when the edit came in the exchange's wire spelling (messages then use its field names).
    wire_form: bool = False
    #: Send ``"a": true`` (place the new order even when the cancel fails); None: the connection's
    #: default. Risky: an original that filled meanwhile is placed again (double exposure).
    always_place: bool | None = None


class EditInputError(ValueError):
    """An edit that cannot be read; ``problems`` name the field of each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def echo(value: object) -> str:
    """A value as it may appear in a message: its repr, cut short."""
    text = repr(value)
    return text if len(text) <= ECHO_LIMIT else text[: ECHO_LIMIT - 3] + "..."


def _describe_errors(error: ValidationError) -> list[str]:
    problems = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"])
        kind = item["type"]
        if kind == "extra_forbidden":
            problems.append(f"unknown field '{where}'")
            continue
        if kind == "missing":
            problems.append(f"{where}: is required")
            continue
        message = str(item["msg"]).removeprefix("Value error, ")
        if where:
            problems.append(f"{where}: {message} (got {echo(item['input'])})")
        else:
            problems.append(message)
    return problems


def parse_edit(raw: object) -> EditRequest:
    """Read one edit in either spelling; raises :class:`EditInputError`."""
    if isinstance(raw, (WireEdit, ReadableEdit)):
        model: WireEdit | ReadableEdit = raw
    elif not isinstance(raw, Mapping):
        raise EditInputError([f"an edit must be an object, not {type(raw).__name__}"])
    else:
        try:
            model = (
                WireEdit.model_validate(dict(raw))
                if "order" in raw
                else ReadableEdit.model_validate(dict(raw))
            )
        except ValidationError as exc:
            raise EditInputError(_describe_errors(exc)) from None
    if isinstance(model, WireEdit):
        order = model.order
        return EditRequest(
            target=model.oid,
            coin=None,
            asset=order.a,
            is_buy=order.b,
            price=order.p,
            size=order.s,
            reduce_only=order.r,
            order_type=order.t,
            new_cloid=order.c,
            wire_form=True,
            always_place=model.always_place,
        )
    target = model.oid if model.oid is not None else model.cloid
    assert target is not None
    return EditRequest(
        target=target,
        coin=model.coin,
        asset=model.asset,
        is_buy=model.is_buy,
        price=model.price,
        size=model.size,
        reduce_only=model.reduce_only,
        order_type=model.order_type,
        new_cloid=model.new_cloid,
        always_place=model.always_place,
    )


def raw_label(raw: object) -> str:
    """A best-effort label for an edit that could not be read (only short, echoed values)."""
    if not isinstance(raw, Mapping):
        return f"not an object: {echo(raw)}"
    parts = []
    for key in ("oid", "cloid", "coin", "asset"):
        if key in raw:
            parts.append(f"{key}={echo(raw[key])}")
    order = raw.get("order")
    if isinstance(order, Mapping) and "a" in order:
        parts.append(f"asset={echo(order['a'])}")
    return " ".join(parts) or "edit"


def target_key(target: int | str) -> str:
    """The order key of an edit target: ``oid:<n>`` or ``cloid:<0x..>``."""
    return f"cloid:{target}" if isinstance(target, str) else f"oid:{target}"


def describe_target(target: int | str) -> str:
    return f"cloid={target}" if is_cloid(target) else f"oid={target}"
