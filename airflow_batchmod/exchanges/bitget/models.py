"""Pydantic models of Bitget UTA batch modification: the user's edit and the wire shapes."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, field_validator, model_validator

from airflow_batchmod.exchanges.decimals import parse_positive_decimal

Category = Literal["SPOT", "MARGIN", "USDT-FUTURES", "COIN-FUTURES", "USDC-FUTURES"]
CATEGORIES: tuple[str, ...] = get_args(Category)

#: Bitget's documented clientOid pattern (place-order).
CLIENT_OID_PATTERN = re.compile(r"^[\.A-Z\:/a-z0-9_-]{1,32}$")
#: Order ids are numeric on Bitget; we allow the clientOid alphabet so the id can go into a
#: signed query string unchanged (no character that needs URL-encoding).
ORDER_ID_PATTERN = re.compile(r"^[\.A-Z\:/a-z0-9_-]{1,64}$")
SYMBOL_PATTERN = re.compile(r"^[A-Z0-9_.-]{1,40}$")


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError(f"must be a string, not {type(value).__name__}")
    text = value.strip()
    if not text:
        raise ValueError("must not be empty")
    return text


class BitgetEdit(BaseModel):
    """One requested modification of a resting Bitget UTA order, as the user writes it.

    The order is named by ``orderId`` or ``clientOid`` (``orderId`` wins when both are
    given, as on Bitget). At least one of ``qty`` and ``price`` must change.

    Bitget documents ``symbol`` and ``category`` as optional, but we require them: the
    symbol selects the instrument whose tick and lot size the new values are checked
    against before anything is sent, and the category keeps each request inside one
    business line, which Bitget demands of a batch.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    orderId: str | None = None
    clientOid: str | None = None
    qty: Decimal | None = None
    price: Decimal | None = None
    autoCancel: Literal["yes", "no"] | None = None
    symbol: str
    category: Category

    @field_validator("orderId", mode="before")
    @classmethod
    def _order_id(cls, value: object) -> object:
        if value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            if value <= 0:
                raise ValueError("must be a positive order id")
            value = str(value)
        text = _text(value)
        if not ORDER_ID_PATTERN.fullmatch(text):
            raise ValueError("must be 1-64 letters, digits or . : / _ -")
        return text

    @field_validator("clientOid", mode="before")
    @classmethod
    def _client_oid(cls, value: object) -> object:
        if value is None:
            return None
        text = _text(value)
        if not CLIENT_OID_PATTERN.fullmatch(text):
            raise ValueError("must be 1-32 letters, digits or . : / _ -")
        return text

    @field_validator("qty", "price", mode="before")
    @classmethod
    def _positive(cls, value: object) -> object:
        if value is None:
            return None
        if isinstance(value, Decimal):
            # Python callers may already hold Decimals; read them through their text.
            value = str(value)
        return parse_positive_decimal(value)

    @field_validator("autoCancel", mode="before")
    @classmethod
    def _auto_cancel(cls, value: object) -> object:
        if value is None:
            return None
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, str) and value.strip().lower() in ("yes", "no"):
            return value.strip().lower()
        raise ValueError('must be "yes", "no", true or false')

    @field_validator("symbol", mode="before")
    @classmethod
    def _symbol(cls, value: object) -> object:
        text = _text(value).upper()
        if not SYMBOL_PATTERN.fullmatch(text):
            raise ValueError("must be a Bitget symbol such as BTCUSDT")
        return text

    @field_validator("category", mode="before")
    @classmethod
    def _category(cls, value: object) -> object:
        text = _text(value).upper()
        if text not in CATEGORIES:
            raise ValueError("must be one of " + ", ".join(CATEGORIES))
        return text

    @model_validator(mode="after")
    def _complete(self) -> BitgetEdit:
        if self.orderId is None and self.clientOid is None:
            raise ValueError("orderId or clientOid is required")
        if self.qty is None and self.price is None:
            raise ValueError("qty or price is required (nothing to modify)")
        return self

    @property
    def order_key(self) -> str:
        """How the input names the order; the operator never puts one key twice in a request."""
        if self.orderId is not None:
            return f"orderId:{self.orderId}"
        return f"clientOid:{self.clientOid}"


class BatchModifyItem(BaseModel):
    """One element of the JSON array posted to ``/api/v3/trade/batch-modify-order``.

    All values are strings on the wire; unset fields are left out (``exclude_none``).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    orderId: str | None = None
    clientOid: str | None = None
    qty: str | None = None
    price: str | None = None
    autoCancel: str | None = None
    symbol: str | None = None
    category: str | None = None


def _code_text(value: object) -> object:
    # Some gateways send codes and ids as JSON numbers; we compare them as text.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def _blank_to_none(value: object) -> object:
    # Bitget sends "" for fields that do not apply (e.g. multipliers on spot).
    value = _code_text(value)
    if isinstance(value, str) and not value.strip():
        return None
    return value


Text = Annotated[str, BeforeValidator(_code_text)]
OptText = Annotated[str | None, BeforeValidator(_blank_to_none)]
OptInt = Annotated[int | None, BeforeValidator(_blank_to_none)]
OptDecimal = Annotated[Decimal | None, BeforeValidator(_blank_to_none)]


class _Lenient(BaseModel):
    """Response models: Bitget adds fields over time, so unknown keys are ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class BitgetEnvelope(_Lenient):
    """``{"code", "msg", "requestTime", "data"}`` around every Bitget REST answer."""

    code: Text
    msg: OptText = None
    requestTime: int | str | None = None
    data: Any = None


class BatchModifyResultItem(_Lenient):
    """One element of ``data`` in a batch-modify answer. ``code`` is absent on success."""

    orderId: OptText = None
    clientOid: OptText = None
    code: OptText = None
    msg: OptText = None


class Instrument(_Lenient):
    """One entry of ``GET /api/v3/market/instruments`` (all values arrive as strings)."""

    symbol: Text
    category: OptText = None
    baseCoin: OptText = None
    quoteCoin: OptText = None
    pricePrecision: OptInt = None
    quantityPrecision: OptInt = None
    priceMultiplier: OptDecimal = None
    quantityMultiplier: OptDecimal = None
    minOrderQty: OptDecimal = None
    maxOrderQty: OptDecimal = None
    minOrderAmount: OptDecimal = None
    #: The price band: a buy at most ``mark·(1 + buyLimitPriceRatio)``, a sell at least
    #: ``mark·(1 - sellLimitPriceRatio)``.
    buyLimitPriceRatio: OptDecimal = None
    sellLimitPriceRatio: OptDecimal = None
    status: OptText = None


class OrderInfo(_Lenient):
    """``data`` of ``GET /api/v3/trade/order-info``: the live state of one order."""

    orderId: OptText = None
    clientOid: OptText = None
    category: OptText = None
    symbol: OptText = None
    side: OptText = None
    price: OptDecimal = None
    qty: OptDecimal = None
    cumExecQty: OptDecimal = None
    orderStatus: Text
    reduceOnly: str | bool | None = None
    #: ``gtc``, ``post_only``, ``ioc``, ``fok``.
    timeInForce: OptText = None
    #: Why a cancelled order was cancelled, e.g. ``post_only_fill_cancel``, ``modify_limit_order``.
    cancelReason: OptText = None
    updatedTime: str | int | None = None
