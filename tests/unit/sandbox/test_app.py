"""The sandbox application in-process, with a fake clock (no sockets)."""

from __future__ import annotations

import json

from airflow_batchmod.exchanges.bitget.signing import sign
from airflow_batchmod.exchanges.hyperliquid.signing import sign_l1_action
from airflow_batchmod.sandbox.__main__ import is_loopback, main
from airflow_batchmod.sandbox.wire import Request, Response
from tests.support.sandbox_app import (
    HL_KEY_B,
    NOW,
    bitget_call,
    bitget_request,
    make_app,
    payload,
)
from tests.support.timing import FakeClock


def test_bitget_timestamp_window_is_thirty_seconds() -> None:
    clock = FakeClock(NOW)
    app = make_app(clock)
    now_ms = int(clock.now * 1000)
    assert (
        payload(bitget_call(app, [{"orderId": "1001", "price": "59800.0"}], now_ms - 30_000))["code"]
        == "00000"
    )
    late = bitget_call(app, [{"orderId": "1001", "price": "59700.0"}], now_ms - 30_001)
    assert (late.status, payload(late)["code"]) == (400, "40008")
    early = bitget_call(app, [{"orderId": "1001", "price": "59700.0"}], now_ms + 30_001)
    assert payload(early)["code"] == "40008"


def test_bitget_rate_window_slides_with_the_clock() -> None:
    clock = FakeClock(NOW)
    app = make_app(clock)
    results = []
    for i in range(12):
        clock.now += 0.05
        response = bitget_call(app, [{"orderId": "1001", "price": f"{59000 + i}.0"}], int(clock.now * 1000))
        results.append(response.status)
    assert results == [200] * 10 + [429, 429]
    clock.now += 0.5  # the first two calls have left the window
    assert bitget_call(app, [{"orderId": "1001", "price": "58000.0"}], int(clock.now * 1000)).status == 200
    app.configure({"rate_limits": False})
    assert all(
        bitget_call(app, [{"orderId": "1002", "price": f"{58000 + i}.0"}], int(clock.now * 1000)).status
        == 200
        for i in range(15)
    )


def test_hyperliquid_weight_window_is_sixty_seconds() -> None:
    clock = FakeClock(NOW)
    app = make_app(clock)
    app.configure({"hyperliquid_weight_per_minute": 2})

    def call(nonce: int) -> Response:
        action = {
            "type": "batchModify",
            "modifies": [
                {
                    "oid": 1,
                    "order": {
                        "a": 0,
                        "b": True,
                        "p": "59000",
                        "s": "0.001",
                        "r": False,
                        "t": {"limit": {"tif": "Alo"}},
                    },
                }
            ],
        }
        body = {
            "action": action,
            "nonce": nonce,
            "signature": sign_l1_action(HL_KEY_B, action, None, nonce, None, mainnet=True),
            "vaultAddress": None,
        }
        return app.handle(Request.from_target("POST", "/exchange", {}, json.dumps(body).encode()))

    base = int(clock.now * 1000)
    assert [call(base + i).status for i in range(3)] == [200, 200, 429]
    clock.now += 60.0
    assert call(base + 10).status == 200


def test_request_log_covers_venue_calls_only() -> None:
    clock = FakeClock(NOW)
    app = make_app(clock)
    app.handle(Request.from_target("POST", "/info", {}, b'{"type":"meta"}'))
    app.handle(Request.from_target("GET", "/sandbox/state", {}, b""))
    app.handle(Request.from_target("GET", "/nowhere", {}, b""))
    bitget_call(
        app, [{"orderId": "1001", "price": "1"}, {"clientOid": "ladder-2", "qty": "1"}], int(clock.now * 1000)
    )
    entries = app.log.entries()
    assert [(e["venue"], e["endpoint"], e["status"], e["items"], e["order_keys"]) for e in entries] == [
        ("hyperliquid", "info", 200, 0, []),
        ("bitget", "modify", 200, 2, ["1001", "ladder-2"]),
    ]


def test_cli_refuses_non_loopback_hosts() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5") and not is_loopback("example.com")
    assert main(["--host", "0.0.0.0", "--port", "0"]) == 2


def test_bitget_order_info_allows_twenty_per_second() -> None:
    clock = FakeClock(NOW)
    app = make_app(clock)
    path = "/api/v3/trade/order-info"

    def query() -> int:
        ts = str(int(clock.now * 1000))
        headers = {
            "ACCESS-KEY": "bg_demo_key",
            "ACCESS-SIGN": sign("bg_demo_secret", ts, "GET", path, "orderId=1001"),
            "ACCESS-TIMESTAMP": ts,
            "ACCESS-PASSPHRASE": "bg_demo_pass",
        }
        return app.handle(Request.from_target("GET", f"{path}?orderId=1001", headers, b"")).status

    assert [query() for _ in range(21)] == [200] * 20 + [429]
    clock.now += 1.0
    assert query() == 200


def test_bitget_book_reads_have_their_own_windows() -> None:
    clock = FakeClock(NOW)
    app = make_app(clock)

    def unfilled() -> int:
        return bitget_request(
            app, "GET", "/api/v3/trade/unfilled-orders", clock.ms, params={"limit": "1"}
        ).status

    def tickers() -> int:
        target = "/api/v3/market/tickers?category=SPOT"
        return app.handle(Request.from_target("GET", target, {}, b"")).status

    # 20 per second per UID for the open-orders list, 20 per second per IP for public market data,
    # and neither spends the other's (or order-info's) allowance.
    assert [unfilled() for _ in range(21)] == [200] * 20 + [429]
    assert [tickers() for _ in range(21)] == [200] * 20 + [429]
    assert (
        bitget_request(app, "GET", "/api/v3/trade/order-info", clock.ms, params={"orderId": "1001"}).status
        == 200
    )
    clock.now += 1.0
    assert (unfilled(), tickers()) == (200, 200)
