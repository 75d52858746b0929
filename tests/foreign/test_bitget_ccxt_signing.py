"""ccxt's Bitget ``sign()`` signs the very requests our Bitget client sends; the signatures must be equal.

ccxt is given the same timestamp (its ``nonce``), path and parameters, serialises them itself
and must arrive at the same URL, the same body bytes and the same ``ACCESS-SIGN``. First on
random GET queries and POST bodies through ``signing.py``, then on every signed request our
client really sent to the sandbox.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

import ccxt
import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airflow_batchmod.exchanges.bitget import signing
from airflow_batchmod.exchanges.bitget.client import BitgetClient
from airflow_batchmod.exchanges.bitget.credentials import BitgetCredentials
from airflow_batchmod.testing.sandbox import Sandbox

API_PREFIX = "/api/"
PASSPHRASE = "pass-phrase"


def ccxt_signed(
    secret: str, timestamp: str, method: str, path: str, params: Any, *, api_key: str = "key"
) -> dict[str, Any]:
    """ccxt's own ``bitget.sign`` for a private UTA call, at our timestamp."""
    assert path.startswith(API_PREFIX)
    exchange = ccxt.bitget({"apiKey": api_key, "secret": secret, "password": PASSPHRASE})
    exchange.nonce = lambda: int(timestamp)
    signed: dict[str, Any] = exchange.sign(path.removeprefix(API_PREFIX), ["private", "uta"], method, params)
    return signed


# Bitget signs the raw query; values stay within what needs no percent-encoding.
safe_text = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.", min_size=1)
queries = st.dictionaries(safe_text, safe_text, min_size=1, max_size=6)
numbers = st.decimals(min_value=0, max_value=10**9, places=4, allow_nan=False).map(str)
items = st.fixed_dictionaries(
    {"orderId": st.integers(1, 10**18).map(str)},
    optional={
        "qty": numbers,
        "price": numbers,
        "autoCancel": st.sampled_from(["yes", "no"]),
        "symbol": st.sampled_from(["BTCUSDT", "ETHUSDT", "ÄÖÜUSDT"]),
        "category": st.sampled_from(["USDT-FUTURES", "SPOT"]),
    },
)
secrets = st.text(min_size=1, max_size=40).filter(lambda text: "\x00" not in text)
timestamps = st.integers(10**12, 10**13).map(str)


@settings(max_examples=60, derandomize=True, deadline=None)
@given(secret=secrets, timestamp=timestamps, query=queries)
def test_ccxt_signs_a_get_query_as_we_do(secret: str, timestamp: str, query: dict[str, str]) -> None:
    path = "/api/v3/trade/order-info"
    ours = signing.sign(secret, timestamp, "GET", path, signing.sorted_query(query))
    theirs = ccxt_signed(secret, timestamp, "GET", path, query)
    assert theirs["headers"]["ACCESS-SIGN"] == ours
    assert theirs["url"].endswith(f"{path}?{signing.sorted_query(query)}")


@settings(max_examples=60, derandomize=True, deadline=None)
@given(secret=secrets, timestamp=timestamps, body=st.lists(items, min_size=1, max_size=20))
def test_ccxt_signs_a_post_body_as_we_do(secret: str, timestamp: str, body: list[dict[str, str]]) -> None:
    path = "/api/v3/trade/batch-modify-order"
    text = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    theirs = ccxt_signed(secret, timestamp, "POST", path, body)
    # ccxt escapes non-ASCII, we send UTF-8: different bytes, so each signature covers its own.
    assert json.loads(theirs["body"]) == body
    assert theirs["headers"]["ACCESS-SIGN"] == signing.sign(
        secret, timestamp, "POST", path, "", theirs["body"]
    )
    if text.isascii():
        assert theirs["body"] == text


# -- what our client really sends ------------------------------------------------------------------


class RecordingTransport(httpx.HTTPTransport):
    """Forwards to the sandbox and keeps every request as sent."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.sent.append(request)
        return super().handle_request(request)


@pytest.fixture
def recorded(fresh_sandbox: Sandbox) -> Iterator[list[httpx.Request]]:
    """Our client's signed requests: the book read (a GET with a query), one modify, its
    reconciliation and an account read."""
    transport = RecordingTransport()
    credentials = BitgetCredentials("bg_demo_key", "bg_demo_secret", "bg_demo_pass")
    with BitgetClient(credentials, base_url=fresh_sandbox.url, transport=transport) as client:
        edits = [
            {"orderId": "1001", "symbol": "BTCUSDT", "category": "USDT-FUTURES", "price": "59850.0"},
            {"clientOid": "ladder-2", "symbol": "BTCUSDT", "category": "USDT-FUTURES", "qty": "0.012"},
        ]
        preparation = client.prepare(edits)
        assert preparation.problems == []
        client.submit(preparation.edits)
        client.reconcile(preparation.edits)
        client.account_settings()
    yield [request for request in transport.sent if "ACCESS-SIGN" in request.headers]


def test_ccxt_signs_every_request_our_client_sent(
    recorded: list[httpx.Request], fresh_sandbox: Sandbox
) -> None:
    assert {(r.method, r.url.path) for r in recorded} == {
        ("POST", "/api/v3/trade/batch-modify-order"),
        ("GET", "/api/v3/trade/unfilled-orders"),
        ("GET", "/api/v3/account/settings"),
    }
    assert any(r.url.query for r in recorded)  # a GET with a query string is among them
    for request in recorded:
        timestamp = request.headers["ACCESS-TIMESTAMP"]
        if request.method == "POST":
            params: Any = json.loads(request.content)
        else:
            params = dict(parse_qsl(request.url.query.decode(), keep_blank_values=True))
        theirs = ccxt_signed("bg_demo_secret", timestamp, request.method, request.url.path, params)
        assert theirs["headers"]["ACCESS-SIGN"] == request.headers["ACCESS-SIGN"], request.url
        assert theirs["url"].removeprefix("https://api.bitget.com") == request.url.raw_path.decode()
        if request.method == "POST":
            assert theirs["body"].encode() == request.content
    # The modify really landed: the signature the sandbox accepted is the one ccxt computed.
    order = next(o for o in fresh_sandbox.state()["bitget"]["orders"] if o["orderId"] == "1001")
    assert order["price"] == "59850.0" and order["modifications"] == 1
