"""Hooks turn connections into clients; test_connection makes a real call to the sandbox."""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import quote, urlsplit

import pytest

from airflow_batchmod.hooks.bitget import BitgetHook
from airflow_batchmod.hooks.hyperliquid import HyperliquidHook
from airflow_batchmod.testing.dags import sandbox_connections
from airflow_batchmod.testing.sandbox import Sandbox
from tests.support.sandbox_state import bitget_orders, hyperliquid_orders

HL_KEY = "0x0123456789012345678901234567890123456789012345678901234567890123"
HL_ACCOUNT = "0x14791697260E4c9A71f18484C9f997B308e59325"


def test_bitget_test_connection_makes_a_signed_call(sandbox_conns: Sandbox) -> None:
    ok, message = BitgetHook("bitget_default").test_connection()
    assert ok, message
    assert "1001" in message
    calls = [r for r in sandbox_conns.requests() if r["path"] == "/api/v3/account/settings"]
    assert len(calls) == 1 and calls[0]["status"] == 200


def test_bitget_test_connection_reports_a_wrong_passphrase(
    sandbox_conns: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = {
        "conn_type": "bitget",
        "host": sandbox_conns.url,
        "login": "bg_demo_key",
        "password": "bg_demo_secret",
        "extra": {"passphrase": "not-the-passphrase"},
    }
    monkeypatch.setenv("AIRFLOW_CONN_BITGET_WRONG", json.dumps(conn))
    ok, message = BitgetHook("bitget_wrong").test_connection()
    assert not ok
    assert "40012" in message
    assert "not-the-passphrase" not in message


def test_bitget_connection_without_passphrase_is_refused(
    sandbox_conns: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = {"conn_type": "bitget", "host": sandbox_conns.url, "login": "k", "password": "s"}
    monkeypatch.setenv("AIRFLOW_CONN_BITGET_BARE", json.dumps(conn))
    with pytest.raises(ValueError, match="passphrase"):
        BitgetHook("bitget_bare").get_client()


ACCOUNT_A = "0x14791697260e4c9a71f18484c9f997b308e59325"


def _signed_calls(sandbox: Sandbox) -> list[tuple[str, int | None]]:
    return [(r["kind"], r["status"]) for r in sandbox.requests() if r["path"] == "/exchange"]


def test_hyperliquid_test_connection_sends_a_signed_noop(sandbox_conns: Sandbox) -> None:
    ok, message = HyperliquidHook("hyperliquid_default").test_connection()
    assert ok, message
    assert "0x14791697260E4c9A71f18484C9f997B308e59325" in message
    assert _signed_calls(sandbox_conns) == [("noop", 200)]
    assert sandbox_conns.requests_where(endpoint="modify") == []


@pytest.mark.parametrize(
    "changes",
    [
        {  # an API wallet approved by account A, acting for it
            "login": "0x14791697260e4c9a71f18484c9f997b308e59325",
            "password": "0x" + "22" * 32,
        },
        {"extra": {"network": "mainnet", "vault_address": "0x1719884eb866cb12b2287399b15f7db5e7d775ea"}},
    ],
    ids=["agent", "vault"],
)
def test_hyperliquid_test_connection_proves_the_account_relation(
    sandbox_conns: Sandbox, monkeypatch: pytest.MonkeyPatch, changes: dict[str, Any]
) -> None:
    conn = {**sandbox_connections(sandbox_conns.url)["hyperliquid_default"], **changes}
    monkeypatch.setenv("AIRFLOW_CONN_HYPERLIQUID_RELATED", json.dumps(conn))
    ok, message = HyperliquidHook("hyperliquid_related").test_connection()
    assert ok, message
    assert _signed_calls(sandbox_conns) == [("noop", 200)]


def test_hyperliquid_test_connection_on_the_wrong_network_names_the_cause(
    sandbox_conns: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = {**sandbox_connections(sandbox_conns.url)["hyperliquid_default"], "extra": {"network": "testnet"}}
    monkeypatch.setenv("AIRFLOW_CONN_HYPERLIQUID_TESTNET", json.dumps(conn))
    ok, message = HyperliquidHook("hyperliquid_testnet").test_connection()
    assert not ok
    assert "does not exist" in message
    assert "check `network` (this connection signs for testnet" in message
    assert conn["password"].removeprefix("0x") not in message


def test_hyperliquid_unknown_signer_fails_test_connection(
    sandbox_conns: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = {"conn_type": "hyperliquid", "host": sandbox_conns.url, "password": "0x" + "42" * 32}
    monkeypatch.setenv("AIRFLOW_CONN_HYPERLIQUID_STRANGER", json.dumps(conn))
    ok, message = HyperliquidHook("hyperliquid_stranger").test_connection()
    assert not ok
    # No login: the venue is asked whose orders the key acts on, and knows the key as nobody.
    assert "neither an account nor the API wallet" in message and "a wrong private key" in message
    assert "42" * 32 not in message
    assert _signed_calls(sandbox_conns) == []


def test_hyperliquid_agent_key_without_login_acts_for_its_account(
    sandbox_conns: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = {"conn_type": "hyperliquid", "host": sandbox_conns.url, "password": "0x" + "22" * 32}
    monkeypatch.setenv("AIRFLOW_CONN_HYPERLIQUID_AGENT", json.dumps(conn))
    ok, message = HyperliquidHook("hyperliquid_agent").test_connection()
    assert ok, message
    assert "may act for 0x14791697260e4c9a71f18484c9f997b308e59325" in message
    assert len(sandbox_conns.requests_where(kind="userRole")) == 1


def test_hyperliquid_key_that_is_not_the_logins_fails_naming_both(
    sandbox_conns: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = {**sandbox_connections(sandbox_conns.url)["hyperliquid_second"], "login": ACCOUNT_A}
    monkeypatch.setenv("AIRFLOW_CONN_HYPERLIQUID_MISMATCH", json.dumps(conn))
    ok, message = HyperliquidHook("hyperliquid_mismatch").test_connection()
    assert not ok
    assert ACCOUNT_A in message and "0x19e7e376e7c213b7e7e7e46cc70a5dd086daff2a" in message
    assert _signed_calls(sandbox_conns) == []


def test_bitget_open_orders_are_listed_in_pages_as_neutral_dicts(sandbox_conns: Sandbox) -> None:
    state = bitget_orders(sandbox_conns, uid="1001")
    expected = {
        id_: o
        for id_, o in state.items()
        if o["status"] in ("live", "partially_filled")
        and (o["symbol"], o["category"]) == ("BTCUSDT", "USDT-FUTURES")
    }
    sandbox_conns.clear_requests()
    listed = BitgetHook("bitget_default").get_open_orders("btcusdt", category="USDT-FUTURES")
    assert {o["order_id"] for o in listed} == set(expected)
    pages = sandbox_conns.requests_where(venue="bitget", kind="unfilled-orders")
    assert len(pages) == -(-len(expected) // 100)  # full pages of 100, never a call per order
    partial = next(o for o in listed if o["order_id"] == "9001")
    assert partial == {
        "order_key": "orderId:9001",
        "order_id": "9001",
        "client_id": "special-partial",
        "symbol": "BTCUSDT",
        "category": "USDT-FUTURES",
        "side": "buy",
        "price": "58000",
        "size": "0.1",
        "filled_size": "0.04",
    }
    everything = BitgetHook("bitget_default").get_open_orders()
    assert len(everything) == sum(o["status"] in ("live", "partially_filled") for o in state.values())


def test_bitget_mid_price_is_the_middle_of_the_best_bid_and_ask(sandbox_conns: Sandbox) -> None:
    sandbox_conns.mark("bitget", "BTCUSDT", "60500.0", category="USDT-FUTURES")
    # The sandbox quotes one tick (0.1) either side of the mark.
    assert BitgetHook("bitget_default").get_mid_price("BTCUSDT") == Decimal("60500.0")
    with pytest.raises(RuntimeError, match="no USDT-FUTURES ticker for NOPEUSDT"):
        BitgetHook("bitget_default").get_mid_price("NOPEUSDT")


def test_hyperliquid_open_orders_are_addressed_by_cloid_when_they_have_one(sandbox_conns: Sandbox) -> None:
    orders = hyperliquid_orders(sandbox_conns)
    user = "0x14791697260e4c9a71f18484c9f997b308e59325"
    open_btc = {
        oid: o
        for oid, o in orders.items()
        if o["user"] == user and o["status"] == "open" and o["coin"] == "BTC"
    }
    listed = HyperliquidHook("hyperliquid_default").get_open_orders("BTC")
    assert {int(o["order_id"]) for o in listed} == set(open_btc)
    for entry in listed:
        order = open_btc[int(entry["order_id"])]
        key = f"cloid:{order['cloid']}" if order["cloid"] else f"oid:{order['oid']}"
        assert (entry["order_key"], entry["client_id"], entry["symbol"]) == (key, order["cloid"], "BTC")
        assert Decimal(entry["price"]) == Decimal(order["limitPx"])
        assert Decimal(entry["size"]) == Decimal(order["sz"])
    assert any(o["order_key"].startswith("cloid:") for o in listed)


def test_hyperliquid_mid_price_reads_all_mids(sandbox_conns: Sandbox) -> None:
    sandbox_conns.mark("hyperliquid", "BTC", "60500")
    assert HyperliquidHook("hyperliquid_default").get_mid_price("BTC") == Decimal("60500")
    with pytest.raises(KeyError, match="NOPE"):
        HyperliquidHook("hyperliquid_default").get_mid_price("NOPE")


def test_hyperliquid_network_must_be_known(sandbox_conns: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    conn = {"conn_type": "hyperliquid", "password": "0x" + "11" * 32, "extra": {"network": "devnet"}}
    monkeypatch.setenv("AIRFLOW_CONN_HYPERLIQUID_DEVNET", json.dumps(conn))
    with pytest.raises(ValueError, match="network"):
        HyperliquidHook("hyperliquid_devnet").get_client()


def test_form_fields_set_by_the_ui_are_read(sandbox_conns: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    conn = {
        "conn_type": "bitget",
        "host": sandbox_conns.url,
        "login": "bg_demo_key",
        "password": "bg_demo_secret",
        "extra": {"extra__bitget__passphrase": "bg_demo_pass"},
    }
    monkeypatch.setenv("AIRFLOW_CONN_BITGET_FORM", json.dumps(conn))
    ok, message = BitgetHook("bitget_form").test_connection()
    assert ok, message


def test_rounding_is_refused_for_bitget_with_a_clear_message(sandbox_conns: Sandbox) -> None:
    with pytest.raises(ValueError, match="Hyperliquid option"):
        BitgetHook("bitget_default").get_client(round_to_rules=True)


# -- connections in the http provider's form -----------------------------------------------------


def _uri(sandbox: Sandbox, conn_type: str, userinfo: str, query: str) -> str:
    """A URI connection to the sandbox with its port and the ``http`` schema."""
    url = urlsplit(sandbox.url)
    return f"{conn_type}://{userinfo}@{url.hostname}:{url.port}/http?{query}"


BITGET_USER, BITGET_QUERY = "bg_demo_key:bg_demo_secret", "passphrase=bg_demo_pass"
HL_USER, HL_QUERY = f"{HL_ACCOUNT}:{HL_KEY}", "network=mainnet"


def test_bitget_uri_connection_with_port_and_http_schema(
    sandbox_conns: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_BITGET_URI", _uri(sandbox_conns, "bitget", BITGET_USER, BITGET_QUERY))
    sandbox_conns.clear_requests()
    ok, message = BitgetHook("bitget_uri").test_connection()
    assert ok, message
    assert [r["path"] for r in sandbox_conns.requests()] == ["/api/v3/account/settings"]


def test_hyperliquid_uri_connection_with_port_and_http_schema(
    sandbox_conns: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_HYPERLIQUID_URI", _uri(sandbox_conns, "hyperliquid", HL_USER, HL_QUERY))
    sandbox_conns.clear_requests()
    ok, message = HyperliquidHook("hyperliquid_uri").test_connection()
    assert ok, message
    with HyperliquidHook("hyperliquid_uri").get_client() as client:
        preparation = client.prepare(
            [{"oid": 1000001, "coin": "BTC", "is_buy": True, "price": "10", "size": "1"}]
        )
    assert preparation.problems == [] and len(preparation.edits) == 1
    assert [r["path"] for r in sandbox_conns.requests()][-1] == "/info"


def test_schema_defaults_to_https_and_a_url_host_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    conn = {"conn_type": "bitget", "host": "bitget.example", "port": 8443, "login": "k", "password": "s"}
    monkeypatch.setenv("AIRFLOW_CONN_BITGET_PLAIN", json.dumps({**conn, "extra": {"passphrase": "p"}}))
    hook = BitgetHook("bitget_plain")
    assert hook.base_url(hook.connection(), "https://default") == "https://bitget.example:8443"
    monkeypatch.setenv("AIRFLOW_CONN_BITGET_URL", json.dumps({**conn, "host": "http://127.0.0.1:9/"}))
    hook = BitgetHook("bitget_url")
    assert hook.base_url(hook.connection(), "https://default") == "http://127.0.0.1:9"
    monkeypatch.setenv("AIRFLOW_CONN_BITGET_FTP", json.dumps({**conn, "schema": "ftp"}))
    hook = BitgetHook("bitget_ftp")
    with pytest.raises(ValueError, match="schema"):
        hook.base_url(hook.connection(), "https://default")


class ForwardProxy:
    """A loopback HTTP forward proxy that records each request it passes on."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _forward(self) -> None:
                target = urlsplit(self.path)  # a forward proxy gets the absolute URL
                proxy.seen.append(f"{self.command} {target.path}")
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                upstream = http.client.HTTPConnection(target.hostname or "", target.port, timeout=10)
                path = target.path + (f"?{target.query}" if target.query else "")
                upstream.request(self.command, path, body=body or None, headers=headers)
                answer = upstream.getresponse()
                data = answer.read()
                upstream.close()
                self.send_response(answer.status)
                for key, value in answer.getheaders():
                    if key.lower() not in HOP_BY_HOP | {"content-length"}:
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _forward

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


HOP_BY_HOP = frozenset({"connection", "proxy-connection", "keep-alive", "transfer-encoding", "te", "upgrade"})


@pytest.fixture
def forward_proxy() -> Iterator[ForwardProxy]:
    proxy = ForwardProxy()
    yield proxy
    proxy.close()


def test_proxy_extra_routes_all_traffic(
    sandbox_conns: Sandbox, monkeypatch: pytest.MonkeyPatch, forward_proxy: ForwardProxy
) -> None:
    proxy = "&proxy=" + quote(forward_proxy.url, safe="")
    for conn_id, conn_type, user, query in (
        ("BITGET_PROXIED", "bitget", BITGET_USER, BITGET_QUERY),
        ("HYPERLIQUID_PROXIED", "hyperliquid", HL_USER, HL_QUERY),
    ):
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id}", _uri(sandbox_conns, conn_type, user, query + proxy))
    sandbox_conns.clear_requests()
    assert BitgetHook("bitget_proxied").test_connection()[0]
    assert HyperliquidHook("hyperliquid_proxied").test_connection()[0]
    with BitgetHook("bitget_proxied").get_client() as bitget:
        edits = bitget.prepare(
            [{"orderId": "1001", "price": "60010", "symbol": "BTCUSDT", "category": "USDT-FUTURES"}]
        )
        bitget.submit(edits.edits)
    venue_saw = [r["path"] for r in sandbox_conns.requests()]
    assert forward_proxy.seen == [
        "GET /api/v3/account/settings",
        "POST /exchange",  # the connection test's signed noop
        "GET /api/v3/market/instruments",
        "GET /api/v3/trade/unfilled-orders",  # the plan reads the book
        "POST /api/v3/trade/batch-modify-order",
    ]
    assert venue_saw == [line.split(" ", 1)[1] for line in forward_proxy.seen]
