"""Hooks turn connections into clients; test_connection makes a real call to the sandbox."""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import quote, urlsplit

import pytest

from airflow_batchmod.hooks.bitget import BitgetHook
from airflow_batchmod.hooks.hyperliquid import HyperliquidHook
from airflow_batchmod.sandbox.testing import Sandbox

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


def test_hyperliquid_test_connection_checks_the_derived_signer(sandbox_conns: Sandbox) -> None:
    ok, message = HyperliquidHook("hyperliquid_default").test_connection()
    assert ok, message
    assert "0x14791697260E4c9A71f18484C9f997B308e59325" in message


def test_hyperliquid_unknown_signer_fails_test_connection(
    sandbox_conns: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = {"conn_type": "hyperliquid", "host": sandbox_conns.url, "password": "0x" + "42" * 32}
    monkeypatch.setenv("AIRFLOW_CONN_HYPERLIQUID_STRANGER", json.dumps(conn))
    ok, message = HyperliquidHook("hyperliquid_stranger").test_connection()
    assert not ok
    assert "42" * 32 not in message


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
            [{"oid": 1000001, "coin": "BTC", "is_buy": True, "price": "1", "size": "1"}]
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
        "POST /info",
        "GET /api/v3/market/instruments",
        "POST /api/v3/trade/batch-modify-order",
    ]
    assert venue_saw == [line.split(" ", 1)[1] for line in forward_proxy.seen]
