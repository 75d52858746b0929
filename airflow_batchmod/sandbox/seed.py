"""Turn a seed document (see docs/sandbox.md) into fresh order books."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from airflow_batchmod.sandbox.config import SandboxConfig
from airflow_batchmod.sandbox.state import (
    BitgetAccount,
    BitgetBook,
    BitgetInstrument,
    BitgetOrder,
    HlAsset,
    HlBook,
    HlOrder,
)

DEFAULT_SEED_PATH = Path(__file__).resolve().parent / "seeds" / "default.json"
BITGET_CATEGORIES = frozenset({"SPOT", "MARGIN", "USDT-FUTURES", "COIN-FUTURES", "USDC-FUTURES"})
BITGET_STATUSES = frozenset({"live", "partially_filled", "filled", "cancelled"})
HL_TIFS = frozenset({"Gtc", "Alo", "Ioc"})
CLOID_PATTERN = re.compile(r"^0x[0-9a-f]{32}$")
ADDRESS_PATTERN = re.compile(r"^0x[0-9a-f]{40}$")


class SeedError(ValueError):
    """The seed document is malformed; the message names the place."""


@dataclass
class Seed:
    bitget: BitgetBook
    hyperliquid: HlBook
    config: SandboxConfig


def read_seed_file(path: str | Path) -> dict[str, Any]:
    document = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(document, dict):
        raise SeedError(f"{path}: a seed must be a JSON object")
    return document


def build_seed(document: object, base_config: SandboxConfig, now_ms: int) -> Seed:
    """Parse the whole document; raises :class:`SeedError` on the first problem."""
    if not isinstance(document, dict):
        raise SeedError("a seed must be a JSON object")
    unknown = set(document) - {"bitget", "hyperliquid", "config"}
    if unknown:
        raise SeedError(f"unknown top-level seed keys: {sorted(unknown)}")
    try:
        config = base_config.updated(document.get("config", {}))
    except ValueError as exc:
        raise SeedError(f"config: {exc}") from None
    return Seed(
        bitget=_bitget(_obj(document.get("bitget", {}), "bitget"), now_ms),
        hyperliquid=_hyperliquid(_obj(document.get("hyperliquid", {}), "hyperliquid"), now_ms),
        config=config,
    )


# --- small readers ------------------------------------------------------------------------------------
def _obj(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SeedError(f"{where} must be an object")
    return value


def _list(value: object, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise SeedError(f"{where} must be an array")
    return value


def _str(value: object, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise SeedError(f"{where} must be a non-empty string")
    return value


def _bool(value: object, where: str) -> bool:
    if not isinstance(value, bool):
        raise SeedError(f"{where} must be true or false")
    return value


def _decimal(value: object, where: str, *, allow_zero: bool = False) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise SeedError(f"{where} must be a decimal string")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise SeedError(f"{where} must be a decimal string") from None
    if not number.is_finite() or number < 0 or (number == 0 and not allow_zero):
        raise SeedError(f"{where} must be {'non-negative' if allow_zero else 'positive'}")
    return number


def _int(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise SeedError(f"{where} must be a non-negative integer")
    return value


def _address(value: object, where: str) -> str:
    text = _str(value, where).lower()
    if not ADDRESS_PATTERN.match(text):
        raise SeedError(f"{where} must be a 0x-prefixed 20-byte hex address")
    return text


# --- Bitget -------------------------------------------------------------------------------------------
def _bitget(section: dict[str, Any], now_ms: int) -> BitgetBook:
    book = BitgetBook()
    uids: set[str] = set()
    for i, raw in enumerate(_list(section.get("accounts", []), "bitget.accounts")):
        where = f"bitget.accounts[{i}]"
        raw = _obj(raw, where)
        account = BitgetAccount(
            uid=_str(raw.get("uid"), f"{where}.uid"),
            api_key=_str(raw.get("api_key"), f"{where}.api_key"),
            secret=_str(raw.get("secret"), f"{where}.secret"),
            passphrase=_str(raw.get("passphrase"), f"{where}.passphrase"),
            demo_trading=_bool(raw.get("demo_trading", False), f"{where}.demo_trading"),
        )
        if account.api_key in book.accounts or account.uid in uids:
            raise SeedError(f"{where}: duplicate uid or api_key")
        book.accounts[account.api_key] = account
        uids.add(account.uid)
    for i, raw in enumerate(_list(section.get("instruments", []), "bitget.instruments")):
        instrument = _bitget_instrument(_obj(raw, f"bitget.instruments[{i}]"), f"bitget.instruments[{i}]")
        key = (instrument.category, instrument.symbol)
        if key in book.instruments:
            raise SeedError(f"bitget.instruments[{i}]: duplicate {key}")
        book.instruments[key] = instrument
    for i, raw in enumerate(_list(section.get("orders", []), "bitget.orders")):
        order = _bitget_order(_obj(raw, f"bitget.orders[{i}]"), f"bitget.orders[{i}]", book, uids, now_ms)
        if (order.uid, order.order_id) in book.by_id or (order.uid, order.client_oid) in book.by_client_oid:
            raise SeedError(f"bitget.orders[{i}]: duplicate orderId or clientOid for uid {order.uid}")
        book.add(order)
    return book


def _bitget_instrument(raw: dict[str, Any], where: str) -> BitgetInstrument:
    if not all(isinstance(v, str) for v in raw.values()):
        raise SeedError(f"{where}: every instrument value must be a string (as the exchange sends them)")
    category = _str(raw.get("category"), f"{where}.category")
    if category not in BITGET_CATEGORIES:
        raise SeedError(f"{where}.category must be one of {sorted(BITGET_CATEGORIES)}")
    price_places = _int(
        int(_decimal(raw.get("pricePrecision"), f"{where}.pricePrecision", allow_zero=True)), where
    )
    qty_places = _int(
        int(_decimal(raw.get("quantityPrecision"), f"{where}.quantityPrecision", allow_zero=True)), where
    )
    price_step = (
        _decimal(raw["priceMultiplier"], f"{where}.priceMultiplier")
        if "priceMultiplier" in raw
        else Decimal(1).scaleb(-price_places)
    )
    qty_step = (
        _decimal(raw["quantityMultiplier"], f"{where}.quantityMultiplier")
        if "quantityMultiplier" in raw
        else Decimal(1).scaleb(-qty_places)
    )
    return BitgetInstrument(
        symbol=_str(raw.get("symbol"), f"{where}.symbol"),
        category=category,
        raw=dict(raw),
        price_places=price_places,
        qty_places=qty_places,
        price_step=price_step,
        qty_step=qty_step,
        min_qty=_decimal(raw["minOrderQty"], f"{where}.minOrderQty") if "minOrderQty" in raw else None,
        max_qty=_decimal(raw["maxOrderQty"], f"{where}.maxOrderQty") if "maxOrderQty" in raw else None,
    )


def _bitget_order(
    raw: dict[str, Any], where: str, book: BitgetBook, uids: set[str], now_ms: int
) -> BitgetOrder:
    uid = _str(raw.get("uid"), f"{where}.uid")
    if uid not in uids:
        raise SeedError(f"{where}.uid {uid!r} has no account")
    symbol = _str(raw.get("symbol"), f"{where}.symbol")
    category = _str(raw.get("category"), f"{where}.category")
    instrument = book.instruments.get((category, symbol))
    if instrument is None:
        raise SeedError(f"{where}: no instrument {symbol} in {category}")
    side = raw.get("side")
    if side not in ("buy", "sell"):
        raise SeedError(f"{where}.side must be buy or sell")
    status = raw.get("status", "live")
    if status not in BITGET_STATUSES:
        raise SeedError(f"{where}.status must be one of {sorted(BITGET_STATUSES)}")
    qty = _decimal(raw.get("qty"), f"{where}.qty")
    filled = _decimal(raw.get("filledQty", "0"), f"{where}.filledQty", allow_zero=True)
    if filled > qty:
        raise SeedError(f"{where}: filledQty exceeds qty")
    return BitgetOrder(
        uid=uid,
        order_id=_str(raw.get("orderId"), f"{where}.orderId"),
        client_oid=_str(raw.get("clientOid"), f"{where}.clientOid"),
        symbol=symbol,
        category=category,
        side=side,
        price=_decimal(raw.get("price"), f"{where}.price"),
        qty=qty,
        filled_qty=filled,
        status=status,
        reduce_only=_bool(raw.get("reduceOnly", False), f"{where}.reduceOnly"),
        instrument=instrument,
        created_ms=now_ms,
        updated_ms=now_ms,
    )


# --- Hyperliquid --------------------------------------------------------------------------------------
def _hyperliquid(section: dict[str, Any], now_ms: int) -> HlBook:
    network = section.get("network", "mainnet")
    if network not in ("mainnet", "testnet"):
        raise SeedError("hyperliquid.network must be mainnet or testnet")
    book = HlBook(network=network)
    for i, raw in enumerate(_list(section.get("perps", []), "hyperliquid.perps")):
        raw = _obj(raw, f"hyperliquid.perps[{i}]")
        name = _str(raw.get("name"), f"hyperliquid.perps[{i}].name")
        sz_decimals = _int(raw.get("szDecimals"), f"hyperliquid.perps[{i}].szDecimals")
        book.perps.append(
            {"name": name, "szDecimals": sz_decimals, "maxLeverage": raw.get("maxLeverage", 50)}
        )
        _add_asset(book, HlAsset(asset=i, coin=name, sz_decimals=sz_decimals, spot=False))
    spot = _obj(section.get("spot", {}), "hyperliquid.spot")
    tokens: dict[int, dict[str, Any]] = {}
    for i, raw in enumerate(_list(spot.get("tokens", []), "hyperliquid.spot.tokens")):
        where = f"hyperliquid.spot.tokens[{i}]"
        raw = _obj(raw, where)
        index = _int(raw.get("index", i), f"{where}.index")
        token: dict[str, Any] = {
            "name": _str(raw.get("name"), f"{where}.name"),
            "szDecimals": _int(raw.get("szDecimals"), f"{where}.szDecimals"),
            "weiDecimals": _int(raw.get("weiDecimals", 8), f"{where}.weiDecimals"),
            "index": index,
        }
        tokens[index] = token
        book.spot_tokens.append(token)
    for i, raw in enumerate(_list(spot.get("universe", []), "hyperliquid.spot.universe")):
        where = f"hyperliquid.spot.universe[{i}]"
        raw = _obj(raw, where)
        pair = _list(raw.get("tokens"), f"{where}.tokens")
        if len(pair) != 2 or any(t not in tokens for t in pair):
            raise SeedError(f"{where}.tokens must name two known token indices")
        index = _int(raw.get("index", i), f"{where}.index")
        name = _str(raw.get("name"), f"{where}.name")
        book.spot_universe.append({"name": name, "tokens": list(pair), "index": index})
        # A spot pair trades in its base token's size units.
        base = tokens[pair[0]]
        _add_asset(book, HlAsset(asset=10_000 + index, coin=name, sz_decimals=base["szDecimals"], spot=True))
    marks = _obj(section.get("mark_prices", {}), "hyperliquid.mark_prices")
    for coin, price in marks.items():
        if coin not in book.assets_by_coin:
            raise SeedError(f"hyperliquid.mark_prices: unknown coin {coin!r}")
        book.mark_prices[coin] = _decimal(price, f"hyperliquid.mark_prices.{coin}")
    missing = sorted(set(book.assets_by_coin) - set(book.mark_prices))
    if missing:
        raise SeedError(f"hyperliquid.mark_prices: missing {missing}")
    for i, raw in enumerate(_list(section.get("accounts", []), "hyperliquid.accounts")):
        where = f"hyperliquid.accounts[{i}]"
        raw = _obj(raw, where)
        user = _address(raw.get("address"), f"{where}.address")
        book.users.add(user)
        for j, agent in enumerate(_list(raw.get("agents", []), f"{where}.agents")):
            book.agents[_address(agent, f"{where}.agents[{j}]")] = user
        for j, vault in enumerate(_list(raw.get("vaults", []), f"{where}.vaults")):
            book.vaults[_address(vault, f"{where}.vaults[{j}]")] = user
    owners = book.users | set(book.vaults)
    pending: list[tuple[int | None, HlOrder]] = []
    for i, raw in enumerate(_list(section.get("orders", []), "hyperliquid.orders")):
        where = f"hyperliquid.orders[{i}]"
        order = _hl_order(_obj(raw, where), where, book, owners, now_ms)
        explicit = raw.get("oid")
        pending.append((None if explicit is None else _int(explicit, f"{where}.oid"), order))
    for explicit, order in pending:
        if explicit is not None:
            if explicit in book.orders:
                raise SeedError(f"hyperliquid.orders: duplicate oid {explicit}")
            order.oid = explicit
            book.add(order)
    for explicit, order in pending:
        if explicit is None:
            order.oid = book.allocate_oid()
            book.add(order)
    book.orders = dict(sorted(book.orders.items()))
    return book


def _add_asset(book: HlBook, asset: HlAsset) -> None:
    if asset.coin in book.assets_by_coin:
        raise SeedError(f"hyperliquid: duplicate coin {asset.coin!r}")
    book.assets[asset.asset] = asset
    book.assets_by_coin[asset.coin] = asset


def _hl_order(raw: dict[str, Any], where: str, book: HlBook, owners: set[str], now_ms: int) -> HlOrder:
    user = _address(raw.get("user"), f"{where}.user")
    if user not in owners:
        raise SeedError(f"{where}.user is not a seeded account or vault")
    coin = _str(raw.get("coin"), f"{where}.coin")
    asset = book.assets_by_coin.get(coin)
    if asset is None:
        raise SeedError(f"{where}.coin {coin!r} is not in perps or spot")
    side = raw.get("side")
    if side not in ("B", "A"):
        raise SeedError(f"{where}.side must be B or A")
    cloid = raw.get("cloid")
    if cloid is not None:
        cloid = _str(cloid, f"{where}.cloid").lower()
        if not CLOID_PATTERN.match(cloid):
            raise SeedError(f"{where}.cloid must be 0x followed by 32 hex digits")
    sz = _decimal(raw.get("sz"), f"{where}.sz")
    order_type: dict[str, Any]
    if "trigger" in raw:
        trigger = _obj(raw["trigger"], f"{where}.trigger")
        if trigger.get("tpsl") not in ("tp", "sl"):
            raise SeedError(f"{where}.trigger.tpsl must be tp or sl")
        order_type = {
            "trigger": {
                "isMarket": _bool(trigger.get("isMarket", True), f"{where}.trigger.isMarket"),
                "triggerPx": str(_decimal(trigger.get("triggerPx"), f"{where}.trigger.triggerPx")),
                "tpsl": trigger["tpsl"],
            }
        }
    else:
        tif = raw.get("tif", "Gtc")
        if tif not in HL_TIFS:
            raise SeedError(f"{where}.tif must be one of {sorted(HL_TIFS)}")
        order_type = {"limit": {"tif": tif}}
    status = raw.get("status", "open")
    if status not in ("open", "filled", "canceled"):
        raise SeedError(f"{where}.status must be open, filled or canceled")
    return HlOrder(
        user=user,
        oid=0,
        cloid=cloid,
        coin=coin,
        asset=asset.asset,
        side=side,
        limit_px=_decimal(raw.get("px"), f"{where}.px"),
        sz=sz,
        orig_sz=sz,
        reduce_only=_bool(raw.get("reduceOnly", False), f"{where}.reduceOnly"),
        order_type=order_type,
        status=status,
        timestamp=now_ms,
        status_timestamp=now_ms,
    )
