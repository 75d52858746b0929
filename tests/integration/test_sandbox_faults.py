"""Fault injection, latency, the request log and atomicity, over real sockets."""

from __future__ import annotations

import socket
import threading
import time

import httpx
import pytest

from airflow_batchmod.testing.sandbox import Sandbox
from tests.support.sandbox_state import bitget_orders, hyperliquid_orders
from tests.support.signed_requests import (
    BTC,
    HL_KEY_A,
    HL_USER_A,
    bitget_modify,
    bitget_order_info,
    hl_info,
    hl_modify,
    hl_order,
    item_codes,
    statuses,
)

BITGET_ITEM = [{"orderId": "1001", "price": "59850.0"}]


def _hl_btc_modify(client: httpx.Client) -> httpx.Response:
    return hl_modify(
        client, HL_KEY_A, [{"oid": 1000002, "order": hl_order(BTC, True, "59790", "0.001", "Alo")}]
    )


def _modifications(sandbox: Sandbox, order_id: str = "1001") -> int:
    count: int = bitget_orders(sandbox.state())[order_id]["modifications"]
    return count


def test_drop_before_sends_no_bytes_and_applies_nothing(client: httpx.Client, fresh_sandbox: Sandbox) -> None:
    fresh_sandbox.set_faults([{"venue": "bitget", "fault": "drop_before"}])
    assert bitget_order_info(client, {"orderId": "1001"}).status_code == 200  # a pooled keep-alive connection
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        bitget_modify(client, BITGET_ITEM)
    assert _modifications(fresh_sandbox) == 0
    [_, entry] = fresh_sandbox.requests()
    assert (entry["status"], entry["fault"], entry["order_keys"], entry["items"]) == (
        None,
        "drop_before",
        ["1001"],
        1,
    )
    # The same client recovers on a new connection; the rule fired only once.
    assert item_codes(bitget_modify(client, BITGET_ITEM)) == [None]
    assert _modifications(fresh_sandbox) == 1


def test_drop_after_applies_then_drops(client: httpx.Client, fresh_sandbox: Sandbox) -> None:
    fresh_sandbox.set_faults([{"venue": "bitget", "endpoint": "modify", "fault": "drop_after"}])
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        bitget_modify(client, BITGET_ITEM)
    assert _modifications(fresh_sandbox) == 1
    assert bitget_order_info(client, {"orderId": "1001"}).json()["data"]["price"] == "59850.0"
    log = fresh_sandbox.requests()
    assert [(e["endpoint"], e["status"], e["fault"]) for e in log] == [
        ("modify", None, "drop_after"),
        ("query", 200, None),
    ]


def test_http_500_before_and_after(client: httpx.Client, fresh_sandbox: Sandbox) -> None:
    fresh_sandbox.set_faults(
        [{"venue": "bitget", "fault": "http_500"}, {"venue": "bitget", "fault": "http_500_after"}]
    )
    assert bitget_modify(client, BITGET_ITEM).status_code == 500
    assert _modifications(fresh_sandbox) == 0
    assert bitget_modify(client, BITGET_ITEM).status_code == 500
    assert _modifications(fresh_sandbox) == 1
    stats = fresh_sandbox.fault_stats()
    assert stats["injected"] == {"http_500": 1, "http_500_after": 1}
    assert [r["remaining"] for r in stats["rules"]] == [0, 0]


def test_http_429_bodies(client: httpx.Client, fresh_sandbox: Sandbox) -> None:
    fresh_sandbox.set_faults([{"venue": "any", "fault": "http_429", "times": 2}])
    bitget = bitget_modify(client, BITGET_ITEM)
    assert (bitget.status_code, bitget.json()["code"], bitget.json()["data"]) == (429, "429", None)
    hyperliquid = _hl_btc_modify(client)
    assert (hyperliquid.status_code, hyperliquid.content) == (429, b"null")
    assert _modifications(fresh_sandbox) == 0
    assert hyperliquid_orders(fresh_sandbox.state())[1000002]["status"] == "open"


@pytest.mark.parametrize(("after_apply", "applied"), [(False, 0), (True, 1)])
def test_bitget_code_with_and_without_apply(
    client: httpx.Client, fresh_sandbox: Sandbox, after_apply: bool, applied: int
) -> None:
    fresh_sandbox.set_faults(
        [{"venue": "bitget", "fault": "bitget_code", "code": "40010", "after_apply": after_apply}]
    )
    response = bitget_modify(client, BITGET_ITEM)
    assert response.status_code == 200
    assert (response.json()["code"], response.json()["msg"], response.json()["data"]) == (
        "40010",
        "Request timed out",
        None,
    )
    assert _modifications(fresh_sandbox) == applied


def test_latency_fault_and_config_latency(client: httpx.Client, fresh_sandbox: Sandbox) -> None:
    fresh_sandbox.set_faults(
        [{"venue": "hyperliquid", "endpoint": "query", "fault": "latency", "latency_ms": 300}]
    )
    start = time.monotonic()
    hl_info(client, {"type": "openOrders", "user": HL_USER_A})
    assert time.monotonic() - start >= 0.3
    start = time.monotonic()
    hl_info(client, {"type": "openOrders", "user": HL_USER_A})
    assert time.monotonic() - start < 0.3
    fresh_sandbox.configure(latency_ms=150)
    start = time.monotonic()
    hl_info(client, {"type": "meta"})
    assert time.monotonic() - start >= 0.15
    start = time.monotonic()
    fresh_sandbox.state()  # admin calls are never delayed
    assert time.monotonic() - start < 0.15


def test_read_timeout_on_latency(client: httpx.Client, fresh_sandbox: Sandbox) -> None:
    fresh_sandbox.set_faults([{"venue": "bitget", "fault": "latency", "latency_ms": 600}])
    with httpx.Client(base_url=fresh_sandbox.url, timeout=0.2) as impatient, pytest.raises(httpx.ReadTimeout):
        bitget_modify(impatient, BITGET_ITEM)
    time.sleep(0.5)
    assert _modifications(fresh_sandbox) == 1  # the request still went through after the delay


def test_hyperliquid_drop_before_drop_after_and_500_after(
    client: httpx.Client, fresh_sandbox: Sandbox
) -> None:
    fresh_sandbox.set_faults([{"venue": "hyperliquid", "fault": "drop_before"}])
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        _hl_btc_modify(client)
    assert hyperliquid_orders(fresh_sandbox.state())[1000002]["status"] == "open"

    fresh_sandbox.set_faults([{"venue": "hyperliquid", "fault": "drop_after"}])
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        _hl_btc_modify(client)
    orders = hyperliquid_orders(fresh_sandbox.state())
    replacement = orders[1000002]["replacedBy"]
    assert orders[1000002]["status"] == "canceled" and orders[replacement]["status"] == "open"

    fresh_sandbox.set_faults([{"venue": "hyperliquid", "fault": "http_500_after"}])
    response = hl_modify(
        client, HL_KEY_A, [{"oid": 1000003, "order": hl_order(BTC, True, "59690", "0.002", "Alo")}]
    )
    assert response.status_code == 500
    assert hyperliquid_orders(fresh_sandbox.state())[1000003]["status"] == "canceled"
    assert [e["fault"] for e in fresh_sandbox.requests()] == ["drop_before", "drop_after", "http_500_after"]


def test_rules_match_venue_and_endpoint_in_order(client: httpx.Client, fresh_sandbox: Sandbox) -> None:
    fresh_sandbox.set_faults(
        [
            {"venue": "bitget", "endpoint": "query", "fault": "http_500", "times": None},
            {"venue": "hyperliquid", "fault": "http_500"},
            {"venue": "any", "endpoint": "any", "fault": "http_429", "times": 1},
        ]
    )
    assert bitget_order_info(client, {"orderId": "1001"}).status_code == 500
    assert bitget_order_info(client, {"orderId": "1001"}).status_code == 500
    assert bitget_modify(client, BITGET_ITEM).status_code == 429  # the modify skips the query rule
    assert bitget_modify(client, BITGET_ITEM).status_code == 200
    assert _hl_btc_modify(client).status_code == 500
    assert "resting" in statuses(_hl_btc_modify(client))[0]
    stats = fresh_sandbox.fault_stats()
    assert stats["injected"] == {"http_500": 3, "http_429": 1}
    assert [r["remaining"] for r in stats["rules"]] == [None, 0, 0]


def test_probability_is_reproducible_with_a_seed(client: httpx.Client, fresh_sandbox: Sandbox) -> None:
    def run() -> list[int]:
        fresh_sandbox.set_faults(
            [
                {
                    "venue": "bitget",
                    "endpoint": "query",
                    "fault": "http_500",
                    "times": None,
                    "probability": 0.5,
                }
            ],
            seed=7,
        )
        return [bitget_order_info(client, {"orderId": "1001"}).status_code for _ in range(16)]

    first = run()
    assert first == run()
    assert 500 in first and 200 in first


def test_bad_admin_input_is_400(fresh_sandbox: Sandbox) -> None:
    with pytest.raises(RuntimeError, match="400"):
        fresh_sandbox.set_faults([{"fault": "explode"}])
    with pytest.raises(RuntimeError, match="400"):
        fresh_sandbox.reset({"bitget": {"orders": [{"uid": "nobody"}]}})
    with pytest.raises(RuntimeError, match="400"):
        fresh_sandbox.configure(no_such_setting=1)
    assert len(fresh_sandbox.state()["bitget"]["orders"]) == 76  # the failed reset left the state alone


def test_reset_restores_orders_faults_and_config(client: httpx.Client, fresh_sandbox: Sandbox) -> None:
    bitget_modify(client, BITGET_ITEM)
    fresh_sandbox.set_faults([{"fault": "http_500", "times": None}])
    fresh_sandbox.configure(latency_ms=500)
    fresh_sandbox.reset()
    assert _modifications(fresh_sandbox) == 0
    assert fresh_sandbox.fault_stats()["rules"] == []
    start = time.monotonic()
    assert bitget_modify(client, BITGET_ITEM).status_code == 200
    assert time.monotonic() - start < 0.5


def test_concurrent_batches_apply_each_order_once(fresh_sandbox: Sandbox) -> None:
    fresh_sandbox.configure(rate_limits=False)
    batches = [[{"orderId": str(1001 + 5 * b + i), "qty": "0.050"} for i in range(5)] for b in range(12)]
    errors: list[BaseException] = []

    def send(batch: list[dict[str, str]]) -> None:
        try:
            with httpx.Client(base_url=fresh_sandbox.url, timeout=5.0) as http:
                assert item_codes(bitget_modify(http, batch)) == [None] * 5
                # The same batch again: every item is now a no-op.
                assert item_codes(bitget_modify(http, batch)) == ["25571"] * 5
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(batch,)) for batch in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    orders = bitget_orders(fresh_sandbox.state())
    assert [orders[str(1001 + n)]["modifications"] for n in range(60)] == [1] * 60
    assert len(fresh_sandbox.requests()) == 24


def _raw_exchange(sock: socket.socket, body: bytes) -> bytes:
    """Send one HTTP/1.1 request on ``sock`` and read exactly one response (or b"" on EOF)."""
    sock.sendall(
        b"POST /info HTTP/1.1\r\nHost: sandbox\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    length = int(
        next(line for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")).split(b":")[
            1
        ]
    )
    while len(rest) < length:
        rest += sock.recv(65536)
    return head + b"\r\n\r\n" + rest


def test_keep_alive_serves_many_requests_on_one_socket(fresh_sandbox: Sandbox) -> None:
    host, port = fresh_sandbox.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        for _ in range(3):
            response = _raw_exchange(sock, b'{"type":"meta"}')
            assert response.startswith(b"HTTP/1.1 200")
            assert response.endswith(b"]}")


def test_dropped_connection_carries_zero_response_bytes(fresh_sandbox: Sandbox) -> None:
    fresh_sandbox.set_faults([{"venue": "hyperliquid", "endpoint": "query", "fault": "drop_before"}])
    host, port = fresh_sandbox.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        assert _raw_exchange(sock, b'{"type":"meta"}').startswith(b"HTTP/1.1 200")  # "info" is not "query"
        body = f'{{"type":"openOrders","user":"{HL_USER_A}"}}'.encode()
        assert _raw_exchange(sock, body) == b""
