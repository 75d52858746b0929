"""Bitget signatures: the documented vector, sorted GET queries, and what the client really sends."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import httpx

from airflow_batchmod.exchanges.base import PreparedEdit
from airflow_batchmod.exchanges.bitget import signing
from airflow_batchmod.exchanges.bitget.client import BitgetClient
from airflow_batchmod.exchanges.bitget.credentials import BitgetCredentials
from airflow_batchmod.exchanges.bitget.models import BatchModifyItem
from airflow_batchmod.exchanges.retry import ReadRetry
from tests.support.seed import BTC_FUTURES

VECTOR_SECRET = "test-secret"
VECTOR_TS = "1659076670000"
VECTOR_PATH = "/api/v3/trade/batch-modify-order"
VECTOR_BODY = (
    '[{"orderId":"1","qty":"123","price":"123","autoCancel":"no"},'
    '{"orderId":"2","qty":"123","price":"123","autoCancel":"no"}]'
)
VECTOR_SIGN = "RuIMcZMILGWE39mZZdLbmsJZypu4em77HYiCAdWHdr4="

INSTRUMENT = BTC_FUTURES


def reference_sign(secret: str, prehash_text: str) -> str:
    """Written from Bitget's docs, independently of signing.py."""
    mac = hmac.new(secret.encode("utf-8"), prehash_text.encode("utf-8"), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode("ascii")


def envelope(data: object, code: str = "00000") -> dict[str, object]:
    return {"code": code, "msg": "success", "requestTime": 1, "data": data}


class Recorder:
    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        path = request.url.path
        if path == "/api/v3/market/instruments":
            return httpx.Response(200, json=envelope([INSTRUMENT]))
        if path == "/api/v3/trade/batch-modify-order":
            items = json.loads(request.content)
            return httpx.Response(200, json=envelope([{"orderId": i.get("orderId")} for i in items]))
        if path == "/api/v3/trade/order-info":
            order = {"orderId": "1001", "price": "60010", "qty": "0.02", "orderStatus": "live"}
            return httpx.Response(200, json=envelope(order))
        if path == "/api/v3/trade/unfilled-orders":
            order = {"orderId": "1001", "price": "60000", "qty": "0.01", "orderStatus": "live"}
            return httpx.Response(200, json=envelope({"list": [order], "cursor": ""}))
        return httpx.Response(404)


def make_client(recorder: Recorder, *, secret: str = "s3cret-value", demo: bool = False) -> BitgetClient:
    credentials = BitgetCredentials(api_key="key-abcdefgh", secret=secret, passphrase="pass-phrase")
    return BitgetClient(
        credentials,
        base_url="https://bitget.test",
        demo_trading=demo,
        transport=httpx.MockTransport(recorder),
        clock=lambda: 1659076670.0,
        read_retry=ReadRetry(sleep=lambda _s: None),
    )


def test_documented_vector() -> None:
    assert signing.sign(VECTOR_SECRET, VECTOR_TS, "POST", VECTOR_PATH, "", VECTOR_BODY) == VECTOR_SIGN


def test_reference_implementation_agrees_with_vector() -> None:
    assert reference_sign(VECTOR_SECRET, VECTOR_TS + "POST" + VECTOR_PATH + VECTOR_BODY) == VECTOR_SIGN


def test_get_with_sorted_query() -> None:
    query = signing.sorted_query({"symbol": "BTCUSDT", "orderId": "1001", "category": "USDT-FUTURES"})
    assert query == "category=USDT-FUTURES&orderId=1001&symbol=BTCUSDT"
    text = "1700000000000GET/api/v3/trade/order-info?category=USDT-FUTURES&orderId=1001&symbol=BTCUSDT"
    expected = reference_sign("abc", text)
    assert signing.sign("abc", "1700000000000", "get", "/api/v3/trade/order-info", query) == expected
    # a different key order would be a different signature
    unsorted = "1700000000000GET/api/v3/trade/order-info?symbol=BTCUSDT&orderId=1001&category=USDT-FUTURES"
    assert reference_sign("abc", unsorted) != expected


def test_client_signs_the_vector_body_exactly() -> None:
    recorder = Recorder()
    client = make_client(recorder, secret=VECTOR_SECRET)
    edits = [
        PreparedEdit(
            i,
            f"orderId:{i + 1}",
            "",
            "x",
            BatchModifyItem(orderId=str(i + 1), qty="123", price="123", autoCancel="no"),
        )
        for i in range(2)
    ]
    client.submit(edits)
    (request,) = recorder.requests
    assert request.content == VECTOR_BODY.encode()
    assert request.headers["ACCESS-TIMESTAMP"] == VECTOR_TS
    assert request.headers["ACCESS-SIGN"] == VECTOR_SIGN


def test_submit_sends_the_bytes_it_signed() -> None:
    recorder = Recorder()
    client = make_client(recorder)
    preparation = client.prepare(
        [{"orderId": 1001, "price": "60010", "qty": 0.02, "symbol": "BTCUSDT", "category": "USDT-FUTURES"}]
    )
    assert preparation.problems == []
    # The plan's book read is a signed GET: the query string is part of what is signed.
    listing = next(r for r in recorder.requests if r.url.path == "/api/v3/trade/unfilled-orders")
    query = listing.url.query.decode()
    assert query == "category=USDT-FUTURES&limit=100&symbol=BTCUSDT"
    prehash_get = listing.headers["ACCESS-TIMESTAMP"] + "GET" + listing.url.path + "?" + query
    assert listing.headers["ACCESS-SIGN"] == reference_sign("s3cret-value", prehash_get)
    client.submit(preparation.edits)
    post = recorder.requests[-1]
    assert post.method == "POST"
    assert post.url.path == "/api/v3/trade/batch-modify-order"
    assert post.content == (
        b'[{"orderId":"1001","qty":"0.02","price":"60010","symbol":"BTCUSDT","category":"USDT-FUTURES"}]'
    )
    timestamp = post.headers["ACCESS-TIMESTAMP"]
    assert timestamp == "1659076670000"
    prehash_text = timestamp + "POST" + post.url.path + post.content.decode()
    assert post.headers["ACCESS-SIGN"] == reference_sign("s3cret-value", prehash_text)
    assert post.headers["ACCESS-KEY"] == "key-abcdefgh"
    assert post.headers["ACCESS-PASSPHRASE"] == "pass-phrase"
    assert post.headers["Content-Type"] == "application/json"
    assert post.headers["locale"] == "en-US"
    assert "paptrading" not in post.headers


def test_demo_trading_adds_paptrading_header() -> None:
    recorder = Recorder()
    client = make_client(recorder, demo=True)
    client.submit([PreparedEdit(0, "orderId:1", "", "x", BatchModifyItem(orderId="1", price="5"))])
    assert recorder.requests[-1].headers["paptrading"] == "1"


def test_signed_get_uses_the_query_it_sends() -> None:
    recorder = Recorder()
    client = make_client(recorder)
    client.reconcile(
        [PreparedEdit(0, "clientOid:a.b:c/d", "", "x", BatchModifyItem(clientOid="a.b:c/d", price="1"))]
    )
    # The open-orders page first (it does not list the order), then the order's own status.
    listing, get = recorder.requests
    assert listing.url.path == "/api/v3/trade/unfilled-orders"
    assert get.method == "GET"
    raw_target = get.url.raw_path.decode()
    assert raw_target == "/api/v3/trade/order-info?clientOid=a.b:c/d"
    prehash_text = get.headers["ACCESS-TIMESTAMP"] + "GET" + raw_target
    assert get.headers["ACCESS-SIGN"] == reference_sign("s3cret-value", prehash_text)
    assert get.content == b""
