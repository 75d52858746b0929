"""BitgetClient before a modify (httpx.MockTransport): credentials, limiters, retarget, prepare, account."""

from __future__ import annotations

import json

import httpx
import pytest

from airflow_batchmod.exchanges.base import FailureKind, FatalRequestError, MetadataError, Outcome, Quote
from airflow_batchmod.exchanges.bitget.client import BitgetClient, BitgetCredentials
from airflow_batchmod.exchanges.bitget.models import BatchModifyItem
from airflow_batchmod.exchanges.retry import ReadRetry
from tests.support.bitget_venue import CREDENTIALS, PASSPHRASE, SECRET, THREE, Venue, ok, order, reply
from tests.support.timing import RecordingLimiter

# -- interface ---------------------------------------------------------------------------------


def test_a_later_edit_follows_a_new_order_id(client: BitgetClient) -> None:
    # No UTA page says a modify keeps the orderId: a later edit of the same order names the id
    # the last modify answered with.
    assert client.retarget(THREE[0], "1") is THREE[0]
    moved = client.retarget(THREE[0], "999")
    assert (moved.payload.orderId, moved.payload.price, moved.index) == ("999", "60010", 0)
    by_client_oid = client.retarget(THREE[2], "999")
    assert by_client_oid is THREE[2]  # named by clientOid, which a modify keeps


def test_modifies_and_reads_take_from_their_own_limiters(venue: Venue) -> None:
    modifies, reads = RecordingLimiter(), RecordingLimiter()
    client = BitgetClient(
        CREDENTIALS,
        transport=httpx.MockTransport(venue),
        modify_limiter=modifies,
        read_limiter=reads,
    )
    venue.modify.append(reply(200, ok([{"orderId": "1"}, {"orderId": "2"}, {"clientOid": "ladder-3"}])))
    venue.order_info_for = {"1": [order(), order()], "2": [order(order_id="2")]}
    client.prepare([{"orderId": "1", "price": "1", "symbol": "BTCUSDT", "category": "USDT-FUTURES"}])
    client.submit(THREE)
    client.reconcile(THREE[:2])
    client.account_settings()
    assert modifies.weights == [1]
    # prepare: instruments, the open-orders page, order-info of the order it does not list;
    # reconcile: the open-orders page, two order-info queries; account settings
    assert reads.weights == [1] * 7
    assert len(venue.seen) == 8


def test_reprs_hide_secrets(client: BitgetClient) -> None:
    for text in (repr(CREDENTIALS), str(CREDENTIALS), repr(client)):
        assert SECRET not in text
        assert PASSPHRASE not in text
        assert "key-abcdefgh" not in text
    assert "key-***" in repr(CREDENTIALS)
    assert CREDENTIALS.secrets() == [SECRET, PASSPHRASE, "key-abcdefgh"]


def test_credentials_must_be_non_empty() -> None:
    with pytest.raises(ValueError, match="passphrase"):
        BitgetCredentials(api_key="k", secret="s", passphrase="")


# -- prepare -----------------------------------------------------------------------------------


def test_prepare_sorts_good_from_bad_and_fetches_instruments_once(client: BitgetClient, venue: Venue) -> None:
    raw: list[object] = [
        {"orderId": 1001, "price": "60010", "qty": "0.02", "symbol": "BTCUSDT", "category": "USDT-FUTURES"},
        {"clientOid": "ladder-1", "price": "60000.05", "symbol": "BTCUSDT", "category": "USDT-FUTURES"},
        {"orderId": "7", "price": "1", "symbol": "DOGEUSDT", "category": "USDT-FUTURES"},
        {"orderId": "8", "price": "1", "symbol": "ETHUSDT", "category": "USDT-FUTURES"},
        "not an edit",
        {"orderId": "9", "price": "1"},
    ]
    listed = {"orderId": "1001", "price": "60000.0", "qty": "0.010", "cumExecQty": "0", "orderStatus": "live"}
    venue.unfilled += [reply(200, ok({"list": [listed], "cursor": ""}))] * 2
    preparation = client.prepare(raw)
    (good,) = preparation.edits
    assert (good.before, good.wanted) == (Quote("60000", "0.01"), Quote("60010", "0.02"))
    assert good.index == 0
    assert good.order_key == "orderId:1001"
    assert good.batch_group == "USDT-FUTURES"
    assert good.label == "orderId=1001 BTCUSDT price=60010 qty=0.02"
    assert good.payload == BatchModifyItem(
        orderId="1001", price="60010", qty="0.02", symbol="BTCUSDT", category="USDT-FUTURES"
    )
    problems = {p.index: p for p in preparation.problems}
    assert sorted(problems) == [1, 2, 3, 4, 5]
    assert problems[1].problems == ("price 60000.05 is not a multiple of the tick 0.1 for BTCUSDT",)
    assert problems[1].label == "clientOid=ladder-1 BTCUSDT price=60000.05"
    assert problems[2].problems == ("symbol DOGEUSDT is not a USDT-FUTURES instrument on Bitget",)
    assert problems[3].problems == ("ETHUSDT is not open for trading (status 'offline')",)
    assert problems[4].label == "<str>"
    assert set(problems[5].problems) == {"symbol is required", "category is required"}

    client.prepare(raw)
    assert venue.paths() == ["/api/v3/market/instruments"] + ["/api/v3/trade/unfilled-orders"] * 2
    assert venue.seen[0].url.params["category"] == "USDT-FUTURES"


def test_prepare_without_valid_edits_makes_no_request(client: BitgetClient, venue: Venue) -> None:
    preparation = client.prepare([{}, 5])
    assert preparation.edits == []
    assert len(preparation.problems) == 2
    assert venue.seen == []


def test_prepare_instrument_failures_raise_metadata_error(client: BitgetClient, venue: Venue) -> None:
    raw = [{"orderId": "1", "price": "1", "symbol": "BTCUSDT", "category": "SPOT"}]
    venue.instruments = reply(500, None)
    with pytest.raises(MetadataError, match="SPOT instruments") as caught:
        client.prepare(raw)
    assert caught.value.kind is FailureKind.SERVER_ERROR
    assert venue.paths() == ["/api/v3/market/instruments"] * 3  # bounded retries
    assert venue.sleeps == [0.25, 0.5]
    venue.instruments = reply(400, ok(None, "40034", "Parameter category does not exist"))
    with pytest.raises(MetadataError, match="40034"):
        client.prepare(raw)


def test_reads_wait_retry_after_instead_of_the_backoff(client: BitgetClient, venue: Venue) -> None:
    venue.order_info += [
        reply(429, ok(None, "429", "Too Many Requests"), headers={"Retry-After": "3"}),
        reply(503, None),
        order(price="60010"),
    ]
    (result,) = client.reconcile(THREE[:1])
    assert result.outcome is Outcome.APPLIED
    # Retry-After alone (not 3 s plus a backoff), then the backoff of the second failure.
    assert venue.sleeps == [3.0, 0.5]


# -- account -----------------------------------------------------------------------------------


def test_account_settings(client: BitgetClient, venue: Venue) -> None:
    assert client.account_settings() == {"uid": "1001", "assetMode": "union"}
    request = venue.seen[0]
    assert request.headers["ACCESS-KEY"] == "key-abcdefgh"
    assert "ACCESS-SIGN" in request.headers


def test_account_settings_auth_failure() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, content=json.dumps(ok(None, "40006", "Invalid ACCESS_KEY")).encode())

    client = BitgetClient(
        CREDENTIALS, transport=httpx.MockTransport(handler), read_retry=ReadRetry(sleep=lambda _s: None)
    )
    with pytest.raises(FatalRequestError) as caught:
        client.account_settings()
    assert caught.value.code == "40006"
    client.close()
