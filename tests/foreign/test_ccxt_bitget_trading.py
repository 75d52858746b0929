"""ccxt trades on our sandbox through its raw UTA endpoints, with its own signing and serialisation.

``privateUtaPostV3TradeBatchModifyOrder`` modifies seeded orders and
``privateUtaGetV3TradeOrderInfo`` reads one back; the sandbox's state must show the change. A
wrong secret and a stale timestamp must be refused with Bitget's codes and change nothing.
"""

from __future__ import annotations

import time
from typing import Any

import ccxt
import pytest

from airflow_batchmod.testing.dags import SANDBOX_ACCOUNTS
from airflow_batchmod.testing.sandbox import Sandbox
from tests.support.sandbox_state import bitget_orders, modify_requests

ACCOUNT = SANDBOX_ACCOUNTS["bitget_default"]
BTC = {"symbol": "BTCUSDT", "category": "USDT-FUTURES"}


def ccxt_on(
    sandbox: Sandbox, *, api_key: str = str(ACCOUNT["login"]), secret: str = str(ACCOUNT["password"])
) -> Any:
    exchange = ccxt.bitget({"apiKey": api_key, "secret": secret, "password": ACCOUNT["extra"]["passphrase"]})
    exchange.urls["api"]["uta"] = sandbox.url
    return exchange


def test_batch_modify_and_order_info_through_ccxt(fresh_sandbox: Sandbox) -> None:
    exchange = ccxt_on(fresh_sandbox)
    answer = exchange.privateUtaPostV3TradeBatchModifyOrder(
        [
            {"orderId": "1001", **BTC, "price": "59850.0"},
            {"clientOid": "ladder-2", **BTC, "qty": "0.012"},
        ]
    )

    assert answer["code"] == "00000", answer
    assert [(item["orderId"], item["clientOid"]) for item in answer["data"]] == [
        ("1001", "ladder-1"),
        ("1002", "ladder-2"),
    ]
    orders = bitget_orders(fresh_sandbox, uid="1001")
    assert (orders["1001"]["price"], orders["1001"]["qty"], orders["1001"]["modifications"]) == (
        "59850.0",
        "0.010",
        1,
    )
    assert (orders["1002"]["price"], orders["1002"]["qty"], orders["1002"]["modifications"]) == (
        "59800.0",
        "0.012",
        1,
    )
    info = exchange.privateUtaGetV3TradeOrderInfo({"orderId": "1001"})
    assert info["code"] == "00000"
    assert (info["data"]["orderId"], info["data"]["price"]) == ("1001", "59850.0")
    by_client_oid = exchange.privateUtaGetV3TradeOrderInfo({"clientOid": "ladder-2"})
    assert by_client_oid["data"]["qty"] == "0.012"


@pytest.mark.parametrize(
    ("credentials", "code"),
    [({"secret": "not-the-secret"}, "40009"), ({"api_key": "bg_unknown_key"}, "40006")],
    ids=["wrong-secret", "unknown-key"],
)
def test_a_wrong_key_is_refused(fresh_sandbox: Sandbox, credentials: dict[str, str], code: str) -> None:
    before = bitget_orders(fresh_sandbox)
    exchange = ccxt_on(fresh_sandbox, **credentials)
    with pytest.raises(ccxt.AuthenticationError, match=code):
        exchange.privateUtaPostV3TradeBatchModifyOrder([{"orderId": "1001", **BTC, "price": "59850.0"}])
    with pytest.raises(ccxt.AuthenticationError, match=code):
        exchange.privateUtaGetV3TradeOrderInfo({"orderId": "1001"})
    assert bitget_orders(fresh_sandbox) == before
    # The refusal came from the exchange, after the request arrived.
    assert [r["status"] for r in modify_requests(fresh_sandbox, "bitget")] == [400]


def test_a_stale_timestamp_is_refused(fresh_sandbox: Sandbox) -> None:
    before = bitget_orders(fresh_sandbox)
    exchange = ccxt_on(fresh_sandbox)
    stale = int(time.time() * 1000) - 60_000  # Bitget allows 30 s
    exchange.nonce = lambda: stale
    with pytest.raises(ccxt.InvalidNonce, match="40008"):
        exchange.privateUtaPostV3TradeBatchModifyOrder([{"orderId": "1001", **BTC, "price": "59850.0"}])
    assert bitget_orders(fresh_sandbox) == before
