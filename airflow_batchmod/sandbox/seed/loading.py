"""Turn a seed document (see docs/sandbox.md) into fresh order books.

The document's shape is checked by the pydantic models in :mod:`seed_models`; what is left here
are the checks across sections (an order's account, instrument or coin, duplicate ids).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from airflow_batchmod.sandbox.bitget.state import BitgetAccount, BitgetBook, BitgetInstrument, BitgetOrder
from airflow_batchmod.sandbox.config import SandboxConfig
from airflow_batchmod.sandbox.hyperliquid.budget import AddressBudgets
from airflow_batchmod.sandbox.hyperliquid.state import HyperliquidAsset, HyperliquidBook, HyperliquidOrder
from airflow_batchmod.sandbox.seed.models import (
    BITGET_CATEGORIES,
    BitgetInstrumentSeed,
    BitgetOrderSeed,
    BitgetSection,
    HyperliquidOrderSeed,
    HyperliquidSection,
    SeedDocument,
)
from airflow_batchmod.sandbox.validation import describe_errors

DEFAULT_SEED_PATH = Path(__file__).resolve().parent / "default.json"

__all__ = ["BITGET_CATEGORIES", "DEFAULT_SEED_PATH", "Seed", "SeedError", "build_seed", "read_seed_file"]


class SeedError(ValueError):
    """The seed document is malformed; the message names the place."""


@dataclass
class Seed:
    bitget: BitgetBook
    hyperliquid: HyperliquidBook
    config: SandboxConfig


def read_seed_file(path: str | Path) -> dict[str, Any]:
    document = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(document, dict):
        raise SeedError(f"{path}: a seed must be a JSON object")
    return document


def build_seed(document: object, base_config: SandboxConfig, now_ms: int) -> Seed:
    """Parse the whole document; raises :class:`SeedError` naming the first problem's place."""
    if not isinstance(document, dict):
        raise SeedError("a seed must be a JSON object")
    unknown = set(document) - set(SeedDocument.model_fields)
    if unknown:
        raise SeedError(f"unknown top-level seed keys: {sorted(unknown)}")
    try:
        parsed = SeedDocument.model_validate(document)
    except ValidationError as exc:
        raise SeedError(describe_errors(exc)) from None
    try:
        config = base_config.updated(parsed.config)
    except ValueError as exc:
        raise SeedError(f"config.{exc}") from None
    return Seed(
        bitget=_bitget(parsed.bitget, now_ms),
        hyperliquid=_hyperliquid(parsed.hyperliquid, config, now_ms),
        config=config,
    )


# --- Bitget -------------------------------------------------------------------------------------------
def _bitget(section: BitgetSection, now_ms: int) -> BitgetBook:
    book = BitgetBook()
    uids: set[str] = set()
    for i, seed in enumerate(section.accounts):
        if seed.api_key in book.accounts or seed.uid in uids:
            raise SeedError(f"bitget.accounts[{i}]: duplicate uid or api_key")
        book.accounts[seed.api_key] = BitgetAccount(
            seed.uid, seed.api_key, seed.secret, seed.passphrase, seed.demo_trading
        )
        uids.add(seed.uid)
    for i, instrument_seed in enumerate(section.instruments):
        instrument = _bitget_instrument(instrument_seed)
        key = (instrument.category, instrument.symbol)
        if key in book.instruments:
            raise SeedError(f"bitget.instruments[{i}]: duplicate {key}")
        book.instruments[key] = instrument
    for category, prices in section.mark_prices.items():
        for symbol, price in prices.items():
            if (category, symbol) not in book.instruments:
                raise SeedError(f"bitget.mark_prices.{category}.{symbol}: no such instrument")
            book.mark_prices[(category, symbol)] = price
    for i, order_seed in enumerate(section.orders):
        order = _bitget_order(order_seed, f"bitget.orders[{i}]", book, uids, now_ms)
        if (order.uid, order.order_id) in book.by_id or (order.uid, order.client_oid) in book.by_client_oid:
            raise SeedError(f"bitget.orders[{i}]: duplicate orderId or clientOid for uid {order.uid}")
        book.add(order)
    return book


def _bitget_instrument(seed: BitgetInstrumentSeed) -> BitgetInstrument:
    price_places = int(seed.pricePrecision)
    qty_places = int(seed.quantityPrecision)
    return BitgetInstrument(
        symbol=seed.symbol,
        category=seed.category,
        raw=seed.raw(),
        price_places=price_places,
        qty_places=qty_places,
        price_step=Decimal(seed.priceMultiplier or Decimal(1).scaleb(-price_places)),
        qty_step=Decimal(seed.quantityMultiplier or Decimal(1).scaleb(-qty_places)),
        min_qty=None if seed.minOrderQty is None else Decimal(seed.minOrderQty),
        max_qty=None if seed.maxOrderQty is None else Decimal(seed.maxOrderQty),
        buy_ratio=None if seed.buyLimitPriceRatio is None else Decimal(seed.buyLimitPriceRatio),
        sell_ratio=None if seed.sellLimitPriceRatio is None else Decimal(seed.sellLimitPriceRatio),
    )


def _bitget_order(
    seed: BitgetOrderSeed, where: str, book: BitgetBook, uids: set[str], now_ms: int
) -> BitgetOrder:
    if seed.uid not in uids:
        raise SeedError(f"{where}.uid {seed.uid!r} has no account")
    instrument = book.instruments.get((seed.category, seed.symbol))
    if instrument is None:
        raise SeedError(f"{where}: no instrument {seed.symbol} in {seed.category}")
    return BitgetOrder(
        uid=seed.uid,
        order_id=seed.orderId,
        client_oid=seed.clientOid,
        symbol=seed.symbol,
        category=seed.category,
        side=seed.side,
        price=seed.price,
        qty=seed.qty,
        filled_qty=seed.filledQty,
        status=seed.status,
        reduce_only=seed.reduceOnly,
        time_in_force=seed.timeInForce,
        instrument=instrument,
        created_ms=now_ms,
        updated_ms=now_ms,
    )


# --- Hyperliquid --------------------------------------------------------------------------------------
def _hyperliquid(section: HyperliquidSection, config: SandboxConfig, now_ms: int) -> HyperliquidBook:
    book = HyperliquidBook(network=section.network)
    _add_hyperliquid_assets(book, section)
    for coin, price in section.mark_prices.items():
        if coin not in book.assets_by_coin:
            raise SeedError(f"hyperliquid.mark_prices: unknown coin {coin!r}")
        book.mark_prices[coin] = price
    missing = sorted(set(book.assets_by_coin) - set(book.mark_prices))
    if missing:
        raise SeedError(f"hyperliquid.mark_prices: missing {missing}")
    _add_hyperliquid_accounts(book, section, config)
    _add_hyperliquid_orders(book, section, now_ms)
    return book


def _add_hyperliquid_assets(book: HyperliquidBook, section: HyperliquidSection) -> None:
    """Perps (asset = index), spot tokens and spot pairs (asset = 10000 + pair index)."""
    for i, perp in enumerate(section.perps):
        book.perps.append({"name": perp.name, "szDecimals": perp.szDecimals, "maxLeverage": perp.maxLeverage})
        _add_asset(book, HyperliquidAsset(asset=i, coin=perp.name, sz_decimals=perp.szDecimals, spot=False))
    _add_builder_dexes(book, section)
    tokens: dict[int, dict[str, Any]] = {}
    for i, token_seed in enumerate(section.spot.tokens):
        index = i if token_seed.index is None else token_seed.index
        token = {
            "name": token_seed.name,
            "szDecimals": token_seed.szDecimals,
            "weiDecimals": token_seed.weiDecimals,
            "index": index,
        }
        tokens[index] = token
        book.spot_tokens.append(token)
    for i, pair in enumerate(section.spot.universe):
        if any(t not in tokens for t in pair.tokens):
            raise SeedError(f"hyperliquid.spot.universe[{i}].tokens must name two known token indices")
        index = i if pair.index is None else pair.index
        book.spot_universe.append({"name": pair.name, "tokens": list(pair.tokens), "index": index})
        # A spot pair trades in its base token's size units.
        base = tokens[pair.tokens[0]]
        _add_asset(
            book,
            HyperliquidAsset(asset=10_000 + index, coin=pair.name, sz_decimals=base["szDecimals"], spot=True),
        )


def _add_builder_dexes(book: HyperliquidBook, section: HyperliquidSection) -> None:
    """HIP-3 dexes: ``perpDexs`` entries, and each dex's perps (asset = 100000 + index * 10000 + position)."""
    for i, dex in enumerate(section.builder_dexes):
        index = len(book.perp_dexs) if dex.index is None else dex.index
        while len(book.perp_dexs) <= index:
            book.perp_dexs.append(None)
        if book.perp_dexs[index] is not None or dex.name in book.dex_perps:
            raise SeedError(f"hyperliquid.builder_dexes[{i}]: index {index} or name {dex.name!r} is taken")
        bare = [perp.name.removeprefix(f"{dex.name}:") for perp in dex.perps]
        # The documented perpDexs entry; caps and multipliers name the dex's coins bare.
        book.perp_dexs[index] = {
            "name": dex.name,
            "fullName": dex.fullName,
            "deployer": dex.deployer,
            "oracleUpdater": None,
            "feeRecipient": None,
            "assetToStreamingOiCap": [[name, "1000000.0"] for name in bare],
            "assetToFundingMultiplier": [[name, "1.0"] for name in bare],
        }
        book.dex_perps[dex.name] = []
        for position, (perp, name) in enumerate(zip(dex.perps, bare, strict=True)):
            coin = f"{dex.name}:{name}"
            entry = {"name": coin, "szDecimals": perp.szDecimals, "maxLeverage": perp.maxLeverage}
            book.dex_perps[dex.name].append(entry)
            asset = 100_000 + index * 10_000 + position
            _add_asset(
                book, HyperliquidAsset(asset=asset, coin=coin, sz_decimals=perp.szDecimals, spot=False)
            )
    if None in book.perp_dexs[1:]:
        raise SeedError("hyperliquid.builder_dexes: perp dex indices must run 1, 2, … without gaps")


def _add_hyperliquid_accounts(
    book: HyperliquidBook, section: HyperliquidSection, config: SandboxConfig
) -> None:
    """Users, their agents and vaults, and each address's request budget."""
    budgets: dict[str, int] = {}
    for account in section.accounts:
        book.users.add(account.address)
        budgets[account.address] = _left(account.requests_left, config)
        for agent in account.agents:
            book.agents[agent] = account.address
        for vault in account.vaults:
            book.vaults[vault] = account.address
            budgets[vault] = _left(account.requests_left, config)
    book.budgets = AddressBudgets(budgets, default_left=config.hyperliquid_address_budget)


def _add_hyperliquid_orders(book: HyperliquidBook, section: HyperliquidSection, now_ms: int) -> None:
    """Orders with a seeded oid keep it; the others get fresh oids after them, in seed order."""
    owners = book.users | set(book.vaults)
    orders = [
        _hyperliquid_order(seed, f"hyperliquid.orders[{i}]", book, owners, now_ms)
        for i, seed in enumerate(section.orders)
    ]
    for seed, order in zip(section.orders, orders, strict=True):
        if seed.oid is not None:
            if seed.oid in book.orders:
                raise SeedError(f"hyperliquid.orders: duplicate oid {seed.oid}")
            order.oid = seed.oid
            book.add(order)
    for seed, order in zip(section.orders, orders, strict=True):
        if seed.oid is None:
            order.oid = book.allocate_oid()
            book.add(order)
    book.orders = dict(sorted(book.orders.items()))


def _left(requests_left: int | None, config: SandboxConfig) -> int:
    return config.hyperliquid_address_budget if requests_left is None else requests_left


def _add_asset(book: HyperliquidBook, asset: HyperliquidAsset) -> None:
    if asset.coin in book.assets_by_coin:
        raise SeedError(f"hyperliquid: duplicate coin {asset.coin!r}")
    book.assets[asset.asset] = asset
    book.assets_by_coin[asset.coin] = asset


def _hyperliquid_order(
    seed: HyperliquidOrderSeed, where: str, book: HyperliquidBook, owners: set[str], now_ms: int
) -> HyperliquidOrder:
    if seed.user not in owners:
        raise SeedError(f"{where}.user is not a seeded account or vault")
    asset = book.assets_by_coin.get(seed.coin)
    if asset is None:
        raise SeedError(f"{where}.coin {seed.coin!r} is not in perps or spot")
    order_type: dict[str, Any]
    if seed.trigger is not None:
        trigger = seed.trigger
        order_type = {
            "trigger": {
                "isMarket": trigger.isMarket,
                "triggerPx": str(trigger.triggerPx),
                "tpsl": trigger.tpsl,
            }
        }
    else:
        order_type = {"limit": {"tif": seed.tif}}
    return HyperliquidOrder(
        user=seed.user,
        oid=0,
        cloid=seed.cloid,
        coin=seed.coin,
        asset=asset.asset,
        side=seed.side,
        limit_px=seed.px,
        sz=seed.sz,
        orig_sz=seed.sz,
        reduce_only=seed.reduceOnly,
        order_type=order_type,
        status=seed.status,
        timestamp=now_ms,
        status_timestamp=now_ms,
    )
