"""The shipped default seed and seed validation."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from typing import Any

import pytest

from airflow_batchmod.exchanges.hyperliquid.signing import address_of
from airflow_batchmod.sandbox.config import SandboxConfig
from airflow_batchmod.sandbox.seed.loading import SeedError, build_seed
from airflow_batchmod.testing.sandbox import DEFAULT_SEED

NOW = 1_750_000_000_000


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DEFAULT_SEED.read_text())
    return loaded


def test_default_seed_bitget(document: dict[str, Any]) -> None:
    book = build_seed(document, SandboxConfig(), NOW).bitget
    account = book.accounts["bg_demo_key"]
    assert (account.uid, account.secret, account.passphrase, account.demo_trading) == (
        "1001",
        "bg_demo_secret",
        "bg_demo_pass",
        False,
    )
    assert book.accounts["bg_demo_key_2"].uid == "1002"
    assert book.accounts["bg_paper_key"].demo_trading is True
    ladder = [book.by_id[("1001", str(n))] for n in range(1001, 1061)]
    assert [o.client_oid for o in ladder] == [f"ladder-{n}" for n in range(1, 61)]
    assert all(o.status == "live" and not o.reduce_only for o in ladder)
    assert {(o.category, o.symbol) for o in ladder} == {
        ("USDT-FUTURES", "BTCUSDT"),
        ("USDT-FUTURES", "ETHUSDT"),
        ("SPOT", "BTCUSDT"),
    }
    for order in ladder:
        reference = Decimal(60000) if order.symbol == "BTCUSDT" else Decimal(3000)
        assert (order.price < reference) == (order.side == "buy")
        assert order.price % order.instrument.price_step == 0 and order.qty % order.instrument.qty_step == 0
    special = {oid: book.by_id[("1001", oid)] for oid in ("9001", "9002", "9003", "9004")}
    assert special["9001"].status == "partially_filled" and special["9001"].filled_qty == Decimal("0.040")
    assert special["9002"].status == "filled" and special["9002"].filled_qty == special["9002"].qty
    assert special["9003"].status == "cancelled"
    assert special["9004"].reduce_only and special["9004"].status == "live"
    assert sum(1 for o in book.orders if o.uid == "1002" and o.status == "live") == 10
    btc = book.instruments[("USDT-FUTURES", "BTCUSDT")]
    eth = book.instruments[("USDT-FUTURES", "ETHUSDT")]
    assert (btc.price_step, btc.qty_step, eth.price_step, eth.qty_step) == (
        Decimal("0.1"),
        Decimal("0.001"),
        Decimal("0.01"),
        Decimal("0.01"),
    )


def test_default_seed_hyperliquid(document: dict[str, Any]) -> None:
    book = build_seed(document, SandboxConfig(), NOW).hyperliquid
    user_a = address_of("0x0123456789012345678901234567890123456789012345678901234567890123").lower()
    agent = address_of("0x2222222222222222222222222222222222222222222222222222222222222222").lower()
    user_b = address_of("0x1111111111111111111111111111111111111111111111111111111111111111").lower()
    assert user_a == "0x14791697260e4c9a71f18484c9f997b308e59325"
    assert book.users == {user_a, user_b}
    assert book.agents == {agent: user_a}
    assert book.vaults == {"0x1719884eb866cb12b2287399b15f7db5e7d775ea": user_a}
    assert book.network == "mainnet"
    assert {a.coin: (a.asset, a.sz_decimals) for a in book.assets.values()} == {
        "BTC": (0, 5),
        "ETH": (1, 4),
        "SOL": (2, 2),
        "PURR/USDC": (10000, 0),
        "xyz:TSLA": (110_000, 3),
        "xyz:NVDA": (110_001, 2),
    }
    assert book.perp_dexs[0] is None and book.perp_dexs[1] is not None
    assert book.perp_dexs[1]["name"] == "xyz"
    by_user: dict[str, int] = {}
    for order in book.orders.values():
        by_user[order.user] = by_user.get(order.user, 0) + 1
        mark = book.mark_prices[order.coin]
        if order.trigger is None:
            assert (order.limit_px < mark) == (order.side == "B"), order
    assert by_user[user_a] >= 60 and by_user[user_b] == 10
    assert by_user["0x1719884eb866cb12b2287399b15f7db5e7d775ea"] == 5
    coins_of_a = {o.coin for o in book.orders.values() if o.user == user_a}
    assert coins_of_a == {"BTC", "ETH", "SOL", "PURR/USDC", "xyz:TSLA"}
    assert sum(1 for o in book.orders.values() if o.cloid) >= 10
    assert book.next_oid == max(book.orders) + 1


def test_oids_are_assigned_from_1000001_when_absent(document: dict[str, Any]) -> None:
    doc = copy.deepcopy(document)
    for order in doc["hyperliquid"]["orders"]:
        order.pop("oid")
    book = build_seed(doc, SandboxConfig(), NOW).hyperliquid
    assert list(book.orders)[:3] == [1000001, 1000002, 1000003]


def test_config_section_overrides_the_base(document: dict[str, Any]) -> None:
    doc = {**document, "config": {"hyperliquid_weight_per_minute": 5}}
    config = build_seed(doc, SandboxConfig(latency_ms=7), NOW).config
    assert (config.hyperliquid_weight_per_minute, config.latency_ms) == (5, 7)


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("bitget", "orders", 3, "uid"), "9999", "bitget.orders[3].uid '9999' has no account"),
        (("bitget", "orders", 3, "uid"), 1001, "bitget.orders[3].uid: Input should be a valid string"),
        (("bitget", "orders", 0, "symbol"), "DOGEUSDT", "bitget.orders[0]: no instrument DOGEUSDT"),
        (("bitget", "orders", 0, "status"), "open", "bitget.orders[0].status: Input should be 'live'"),
        (("bitget", "orders", 0, "price"), 59900.5, "bitget.orders[0].price: must be a decimal string"),
        (("bitget", "orders", 0, "qty"), "0", "bitget.orders[0].qty: must be positive"),
        (("bitget", "orders", 0, "filledQty"), "1", "bitget.orders[0]: filledQty exceeds qty"),
        (
            ("bitget", "orders", 0, "reduceOnly"),
            "no",
            "bitget.orders[0].reduceOnly: Input should be a valid boolean",
        ),
        (("bitget", "orders", 0, "colour"), "red", "bitget.orders[0].colour: unknown key"),
        (("bitget", "orders", 1, "orderId"), "1001", "bitget.orders[1]: duplicate orderId"),
        (
            ("bitget", "instruments", 0, "pricePrecision"),
            1,
            "bitget.instruments[0].pricePrecision: Input should be a valid string",
        ),
        (
            ("bitget", "instruments", 0, "priceMultiplier"),
            "-0.1",
            "bitget.instruments[0].priceMultiplier: must be positive",
        ),
        (
            ("bitget", "instruments", 0, "status"),
            1,
            "bitget.instruments[0].status: Input should be a valid string",
        ),
        (
            ("bitget", "mark_prices", "SPOT", "ETHUSDT"),
            "3000",
            "bitget.mark_prices.SPOT.ETHUSDT: no such instrument",
        ),
        (
            ("hyperliquid", "orders", 0, "coin"),
            "DOGE",
            "hyperliquid.orders[0].coin 'DOGE' is not in perps or spot",
        ),
        (
            ("hyperliquid", "orders", 0, "cloid"),
            "0x12",
            "hyperliquid.orders[0].cloid: must be 0x followed by 32 hex",
        ),
        (("hyperliquid", "orders", 1, "oid"), 1000001, "hyperliquid.orders: duplicate oid 1000001"),
        (
            ("hyperliquid", "orders", 0, "trigger"),
            {"triggerPx": "1", "tpsl": "x"},
            "hyperliquid.orders[0].trigger.tpsl",
        ),
        (
            ("hyperliquid", "accounts", 0, "address"),
            "0x1234",
            "hyperliquid.accounts[0].address: must be a 0x-prefixed",
        ),
        (
            ("hyperliquid", "accounts", 0, "requests_left"),
            -1,
            "hyperliquid.accounts[0].requests_left: Input should be greater",
        ),
        (
            ("hyperliquid", "spot", "universe", 0, "tokens"),
            [1, 7],
            "hyperliquid.spot.universe[0].tokens must name two known",
        ),
        (("hyperliquid", "network"), "devnet", "hyperliquid.network: Input should be 'mainnet' or 'testnet'"),
        (("config", "latency_ms"), -5, "config.latency_ms: Input should be greater than or equal to 0"),
        (("config", "latency"), 5, "config.latency: unknown key"),
    ],
)
def test_bad_seeds_name_the_place(
    document: dict[str, Any], path: tuple[str | int, ...], value: object, message: str
) -> None:
    doc = copy.deepcopy(document)
    target: Any = doc
    for key in path[:-1]:
        target = target.setdefault(key, {}) if isinstance(target, dict) else target[key]
    target[path[-1]] = value
    with pytest.raises(SeedError) as raised:
        build_seed(doc, SandboxConfig(), NOW)
    assert str(raised.value).startswith(message)


def test_default_seed_prices_every_bitget_instrument(document: dict[str, Any]) -> None:
    book = build_seed(document, SandboxConfig(), NOW).bitget
    assert book.mark_prices == {
        ("USDT-FUTURES", "BTCUSDT"): Decimal("60000.0"),
        ("USDT-FUTURES", "ETHUSDT"): Decimal("3000.00"),
        ("SPOT", "BTCUSDT"): Decimal("60000.00"),
    }
    assert set(book.mark_prices) == set(book.instruments)


def test_instruments_are_served_back_verbatim(document: dict[str, Any]) -> None:
    book = build_seed(document, SandboxConfig(), NOW).bitget
    assert [instrument.raw for instrument in book.instruments.values()] == document["bitget"]["instruments"]


def test_unknown_top_level_key_is_refused() -> None:
    with pytest.raises(SeedError, match="unknown top-level"):
        build_seed({"binance": {}}, SandboxConfig(), NOW)


def test_secrets_stay_out_of_reprs(document: dict[str, Any]) -> None:
    book = build_seed(document, SandboxConfig(), NOW).bitget
    text = repr(book.accounts["bg_demo_key"])
    assert "bg_demo_secret" not in text and "bg_demo_pass" not in text


def test_builder_dexes_are_numbered_without_gaps_or_clashes(document: dict[str, Any]) -> None:
    def with_dexes(*dexes: dict[str, Any]) -> dict[str, Any]:
        changed = copy.deepcopy(document)
        changed["hyperliquid"]["builder_dexes"] = list(dexes)
        changed["hyperliquid"]["orders"] = [
            o for o in changed["hyperliquid"]["orders"] if ":" not in o["coin"]
        ]
        changed["hyperliquid"]["mark_prices"] = {
            coin: price for coin, price in changed["hyperliquid"]["mark_prices"].items() if ":" not in coin
        }
        return changed

    second = {"name": "abc", "fullName": "ABC", "perps": [{"name": "GOLD", "szDecimals": 2}]}
    seeded = with_dexes({"name": "xyz", "fullName": "XYZ"}, second)
    seeded["hyperliquid"]["mark_prices"]["abc:GOLD"] = "2000"
    book = build_seed(seeded, SandboxConfig(), NOW).hyperliquid
    assert book.assets_by_coin["abc:GOLD"].asset == 120_000 and book.dex_perps["abc"][0]["name"] == "abc:GOLD"
    with pytest.raises(SeedError, match="is taken"):
        build_seed(
            with_dexes({"name": "xyz", "fullName": "X"}, {"name": "xyz", "fullName": "Y"}),
            SandboxConfig(),
            NOW,
        )
    with pytest.raises(SeedError, match="without gaps"):
        build_seed(with_dexes({"name": "xyz", "fullName": "X", "index": 2}), SandboxConfig(), NOW)
