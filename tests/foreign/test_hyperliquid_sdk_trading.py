"""The official hyperliquid-python-sdk trades on our sandbox: ``bulk_modify_orders_new`` against seeded orders.

The SDK reads ``meta`` and ``spotMeta`` from the sandbox at construction, then signs and posts
as it would to the exchange. It signs as mainnet only for the mainnet URL, so the sandbox runs
the default seed switched to testnet. The sandbox's state must show each modify as a
cancel-and-replace; a key the exchange does not know, a stale nonce and a past
``expiresAfter`` must change nothing.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from eth_account import Account
from hyperliquid import exchange as sdk_exchange
from hyperliquid.api import API
from hyperliquid.exchange import Exchange
from hyperliquid.utils.constants import MAINNET_API_URL
from hyperliquid.utils.types import Cloid

from airflow_batchmod.testing.dags import SANDBOX_ACCOUNTS
from airflow_batchmod.testing.sandbox import DEFAULT_SEED, Sandbox, load_seed_document
from tests.support.sandbox_state import hyperliquid_orders, modify_requests

KEY = str(SANDBOX_ACCOUNTS["hyperliquid_default"]["password"])
UNKNOWN_KEY = "0x" + "42" * 32
#: Seeded for account A: a BTC buy at 59900 carrying a cloid, and a plain BTC buy at 59800.
BY_CLOID = "0x0000000a000000000000000000000001"
BY_OID = 1000002
TWO_DAYS_MS = 2 * 24 * 3600 * 1000


@pytest.fixture
def testnet_sandbox(sandbox: Sandbox) -> Iterator[Sandbox]:
    seed = load_seed_document(DEFAULT_SEED)
    seed["hyperliquid"]["network"] = "testnet"
    sandbox.reset(seed)
    sandbox.clear_faults()
    sandbox.clear_requests()
    yield sandbox
    sandbox.reset(DEFAULT_SEED)


def sdk_exchange_on(sandbox: Sandbox, key: str = KEY) -> Exchange:
    return Exchange(Account.from_key(key), sandbox.url, timeout=10)


def modifies() -> list[dict[str, Any]]:
    limit_alo = {"limit": {"tif": "Alo"}}
    return [
        {
            "oid": Cloid.from_str(BY_CLOID),
            "order": {
                "coin": "BTC",
                "is_buy": True,
                "sz": 0.003,
                "limit_px": 59850.0,
                "order_type": limit_alo,
                "reduce_only": False,
            },
        },
        {
            "oid": BY_OID,
            "order": {
                "coin": "BTC",
                "is_buy": True,
                "sz": 0.001,
                "limit_px": 59750.0,
                "order_type": limit_alo,
                "reduce_only": False,
            },
        },
    ]


def seeded_oid_of(sandbox: Sandbox, cloid: str) -> int:
    return next(
        oid for oid, o in hyperliquid_orders(sandbox).items() if o["cloid"] == cloid and o["replaces"] is None
    )


def test_bulk_modify_orders_new_replaces_the_seeded_orders(testnet_sandbox: Sandbox) -> None:
    by_cloid_oid = seeded_oid_of(testnet_sandbox, BY_CLOID)
    answer = sdk_exchange_on(testnet_sandbox).bulk_modify_orders_new(modifies())

    assert answer["status"] == "ok", answer
    statuses = answer["response"]["data"]["statuses"]
    new_oids = [status["resting"]["oid"] for status in statuses]
    orders = hyperliquid_orders(testnet_sandbox)
    for old_oid, new_oid, (price, size) in zip(
        [by_cloid_oid, BY_OID], new_oids, [("59850", "0.003"), ("59750", "0.001")], strict=True
    ):
        old, new = orders[old_oid], orders[new_oid]
        assert (old["status"], old["replacedBy"]) == ("canceled", new_oid)
        assert (new["status"], new["replaces"]) == ("open", old_oid)
        assert (new["limitPx"], new["sz"]) == (price, size)
    # A modify by cloid keeps the cloid on the replacement.
    assert orders[new_oids[0]]["cloid"] == BY_CLOID
    assert len(modify_requests(testnet_sandbox, "hyperliquid")) == 1


def assert_nothing_changed(sandbox: Sandbox, before: dict[int, dict[str, Any]]) -> None:
    assert hyperliquid_orders(sandbox) == before


def test_an_unknown_key_is_refused(testnet_sandbox: Sandbox) -> None:
    before = hyperliquid_orders(testnet_sandbox)
    answer = sdk_exchange_on(testnet_sandbox, UNKNOWN_KEY).bulk_modify_orders_new(modifies())
    address = Account.from_key(UNKNOWN_KEY).address.lower()
    assert answer == {"status": "err", "response": f"User or API Wallet {address} does not exist."}
    assert_nothing_changed(testnet_sandbox, before)


def test_a_mainnet_signature_is_refused_by_a_testnet_exchange(testnet_sandbox: Sandbox) -> None:
    """The SDK signs as mainnet for the mainnet URL; pointed elsewhere it must sign as testnet."""
    before = hyperliquid_orders(testnet_sandbox)
    exchange = sdk_exchange_on(testnet_sandbox)
    exchange.base_url = MAINNET_API_URL  # signs as mainnet ...
    exchange.post = API(testnet_sandbox.url, timeout=10).post  # ... and still posts to the sandbox
    answer = exchange.bulk_modify_orders_new(modifies())
    assert answer["status"] == "err"
    assert "does not exist" in answer["response"]  # another signer is recovered
    assert_nothing_changed(testnet_sandbox, before)


def test_a_stale_nonce_is_refused(testnet_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    before = hyperliquid_orders(testnet_sandbox)
    stale = int(time.time() * 1000) - TWO_DAYS_MS - 60_000
    monkeypatch.setattr(sdk_exchange, "get_timestamp_ms", lambda: stale)
    answer = sdk_exchange_on(testnet_sandbox).bulk_modify_orders_new(modifies())
    assert answer == {"status": "err", "response": "Invalid nonce: nonce too far from current time"}
    assert_nothing_changed(testnet_sandbox, before)


def test_a_past_expires_after_is_refused(testnet_sandbox: Sandbox) -> None:
    before = hyperliquid_orders(testnet_sandbox)
    exchange = sdk_exchange_on(testnet_sandbox)
    exchange.set_expires_after(int(time.time() * 1000) - 60_000)
    answer = exchange.bulk_modify_orders_new(modifies())
    assert answer["status"] == "err" and answer["response"].startswith("Action expired"), answer
    assert_nothing_changed(testnet_sandbox, before)
