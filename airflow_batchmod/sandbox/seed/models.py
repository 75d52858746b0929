"""The seed document's shape as pydantic models (see docs/sandbox.md, "The seed format").

Field names follow the document, so a validation error's location is the place in the JSON
(``bitget.orders[3].uid``). Checks across sections (an order's account, instrument or coin) are
made while the books are built, in :mod:`airflow_batchmod.sandbox.seed.loading`.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

BitgetCategory = Literal["SPOT", "MARGIN", "USDT-FUTURES", "COIN-FUTURES", "USDC-FUTURES"]
BITGET_CATEGORIES: frozenset[str] = frozenset(BitgetCategory.__args__)  # type: ignore[attr-defined]
_ADDRESS = re.compile(r"^0x[0-9a-f]{40}$")
_CLOID = re.compile(r"^0x[0-9a-f]{32}$")


def _decimal(value: object) -> Decimal:
    # Floats are refused: a seed states exact prices, as the exchanges print them.
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError("must be a decimal string")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValueError("must be a decimal string") from None
    if not number.is_finite():
        raise ValueError("must be a finite number")
    return number


def _positive(number: Decimal) -> Decimal:
    if number <= 0:
        raise ValueError("must be positive")
    return number


def _non_negative(number: Decimal) -> Decimal:
    if number < 0:
        raise ValueError("must be non-negative")
    return number


def _positive_text(text: str) -> str:
    _positive(_decimal(text))
    return text


def _digits(text: str) -> str:
    if not text.isdigit():
        raise ValueError("must be a whole number of decimal places, as a string")
    return text


def _address(text: str) -> str:
    lowered = text.lower()
    if not _ADDRESS.match(lowered):
        raise ValueError("must be a 0x-prefixed 20-byte hex address")
    return lowered


def _cloid(text: str) -> str:
    lowered = text.lower()
    if not _CLOID.match(lowered):
        raise ValueError("must be 0x followed by 32 hex digits")
    return lowered


Text = Annotated[str, Field(min_length=1)]
Count = Annotated[int, Field(ge=0)]
Positive = Annotated[Decimal, BeforeValidator(_decimal), AfterValidator(_positive)]
NonNegative = Annotated[Decimal, BeforeValidator(_decimal), AfterValidator(_non_negative)]
PositiveText = Annotated[str, AfterValidator(_positive_text)]
Digits = Annotated[str, AfterValidator(_digits)]
Address = Annotated[str, AfterValidator(_address)]
Cloid = Annotated[str, AfterValidator(_cloid)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


# --- Bitget -------------------------------------------------------------------------------------------
class BitgetAccountSeed(_Strict):
    uid: Text
    api_key: Text
    secret: Text = Field(repr=False)
    passphrase: Text = Field(repr=False)
    demo_trading: bool = False


class BitgetInstrumentSeed(_Strict):
    """Every value is a string, as the exchange sends it; unknown keys are served back verbatim."""

    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, str]

    symbol: Text
    category: BitgetCategory
    pricePrecision: Digits
    quantityPrecision: Digits
    priceMultiplier: PositiveText | None = None
    quantityMultiplier: PositiveText | None = None
    minOrderQty: PositiveText | None = None
    maxOrderQty: PositiveText | None = None
    #: The price band (fractions of the mark price); without them the sandbox plays no band.
    buyLimitPriceRatio: PositiveText | None = None
    sellLimitPriceRatio: PositiveText | None = None

    def raw(self) -> dict[str, str]:
        return {key: value for key, value in self.model_dump().items() if value is not None}


class BitgetOrderSeed(_Strict):
    uid: Text
    orderId: Text
    clientOid: Text
    symbol: Text
    category: BitgetCategory
    side: Literal["buy", "sell"]
    price: Positive
    qty: Positive
    filledQty: NonNegative = Decimal(0)
    status: Literal["live", "partially_filled", "filled", "cancelled"] = "live"
    reduceOnly: bool = False
    #: A ``post_only`` order is cancelled (``post_only_fill_cancel``) by a modify that makes it cross.
    timeInForce: Literal["gtc", "post_only", "ioc", "fok"] = "gtc"

    @model_validator(mode="after")
    def _filled_within_qty(self) -> BitgetOrderSeed:
        if self.filledQty > self.qty:
            raise ValueError("filledQty exceeds qty")
        return self


class BitgetSection(_Strict):
    accounts: list[BitgetAccountSeed] = []
    instruments: list[BitgetInstrumentSeed] = []
    orders: list[BitgetOrderSeed] = []
    #: ``{category: {symbol: price}}``: what ``tickers`` reports until ``/sandbox/mark`` moves it.
    mark_prices: dict[BitgetCategory, dict[str, Positive]] = {}


# --- Hyperliquid --------------------------------------------------------------------------------------
class PerpSeed(_Strict):
    name: Text
    szDecimals: Count
    maxLeverage: Count = 50


class BuilderDexSeed(_Strict):
    """A builder-deployed (HIP-3) perp dex: its perps are named ``<name>:<COIN>`` and numbered
    ``100000 + index * 10000 + position``."""

    name: Annotated[str, Field(pattern=r"^[a-z0-9]{1,16}$")]
    fullName: Text
    #: Its perp dex index (position in ``perpDexs``; 0 is the default dex); next free one otherwise.
    index: Annotated[int, Field(ge=1, le=9)] | None = None
    deployer: Address = "0x0000000000000000000000000000000000000000"
    #: Perps named bare (``TSLA``) or with the dex prefix (``xyz:TSLA``).
    perps: list[PerpSeed] = []


class SpotTokenSeed(_Strict):
    name: Text
    szDecimals: Count
    weiDecimals: Count = 8
    index: Count | None = None


class SpotPairSeed(_Strict):
    name: Text
    tokens: Annotated[list[Count], Field(min_length=2, max_length=2)]
    index: Count | None = None


class SpotSection(_Strict):
    tokens: list[SpotTokenSeed] = []
    universe: list[SpotPairSeed] = []


class HyperliquidAccountSeed(_Strict):
    address: Address
    agents: list[Address] = []
    vaults: list[Address] = []
    #: Requests this address (and its vaults) has left; the config's ``hyperliquid_address_budget`` otherwise.
    requests_left: Count | None = None


class TriggerSeed(_Strict):
    isMarket: bool = True
    triggerPx: Positive
    tpsl: Literal["tp", "sl"]


class HyperliquidOrderSeed(_Strict):
    user: Address
    coin: Text
    side: Literal["B", "A"]
    px: Positive
    sz: Positive
    cloid: Cloid | None = None
    tif: Literal["Gtc", "Alo", "Ioc"] = "Gtc"
    trigger: TriggerSeed | None = None
    reduceOnly: bool = False
    status: Literal["open", "filled", "canceled"] = "open"
    oid: Count | None = None


class HyperliquidSection(_Strict):
    network: Literal["mainnet", "testnet"] = "mainnet"
    perps: list[PerpSeed] = []
    spot: SpotSection = SpotSection()
    builder_dexes: list[BuilderDexSeed] = []
    mark_prices: dict[str, Positive] = {}
    accounts: list[HyperliquidAccountSeed] = []
    orders: list[HyperliquidOrderSeed] = []


class SeedDocument(_Strict):
    bitget: BitgetSection = BitgetSection()
    hyperliquid: HyperliquidSection = HyperliquidSection()
    #: Checked against :class:`~airflow_batchmod.sandbox.config.SandboxConfig` when it is applied.
    config: dict[str, Any] = {}
