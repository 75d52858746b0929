"""How BitgetClient reads answers the sandbox will not produce (httpx.MockTransport only here)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from airflow_batchmod.exchanges.base import (
    ExchangeError,
    FailureKind,
    FatalRequestError,
    ItemResult,
    MetadataError,
    Outcome,
    OutcomeUnknownError,
    PreparedEdit,
    Quote,
    TransientRequestError,
)
from airflow_batchmod.exchanges.bitget.client import BitgetClient, BitgetCredentials
from airflow_batchmod.exchanges.bitget.models import BatchModifyItem
from airflow_batchmod.exchanges.retry import ReadRetry
from tests.support.seed import BTC_FUTURES
from tests.support.timing import RecordingLimiter

SECRET = "very-secret-value"
PASSPHRASE = "my-passphrase-123"
CREDENTIALS = BitgetCredentials(api_key="key-abcdefgh", secret=SECRET, passphrase=PASSPHRASE)

INSTRUMENTS = [
    BTC_FUTURES,
    {"symbol": "ETHUSDT", "pricePrecision": "2", "quantityPrecision": "2", "status": "offline"},
]

Responder = Callable[[httpx.Request], httpx.Response]


def ok(data: object, code: str = "00000", msg: str = "success") -> dict[str, Any]:
    return {"code": code, "msg": msg, "requestTime": 1700000000000, "data": data}


class Venue:
    """A scripted Bitget: instruments always answer; modify, open-orders and order-info answers
    are queued (an open-orders read with nothing queued lists no order)."""

    def __init__(self) -> None:
        self.modify: list[Responder] = []
        self.unfilled: list[Responder] = []
        self.order_info: list[Responder] = []
        #: order-info answers by the orderId or clientOid asked about (lookups run concurrently).
        self.order_info_for: dict[str, list[Responder]] = {}
        self.instruments: Responder = lambda _r: httpx.Response(200, json=ok(INSTRUMENTS))
        self.seen: list[httpx.Request] = []
        self.sleeps: list[float] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.seen.append(request)
        if request.url.path == "/api/v3/market/instruments":
            return self.instruments(request)
        if request.url.path == "/api/v3/trade/batch-modify-order":
            return self.modify.pop(0)(request)
        if request.url.path == "/api/v3/trade/order-info":
            asked = request.url.params.get("orderId") or request.url.params.get("clientOid") or ""
            queued = self.order_info_for.get(asked)
            return (queued or self.order_info).pop(0)(request)
        if request.url.path == "/api/v3/trade/unfilled-orders":
            if self.unfilled:
                return self.unfilled.pop(0)(request)
            return httpx.Response(200, json=ok({"list": [], "cursor": ""}))
        if request.url.path == "/api/v3/account/settings":
            return httpx.Response(200, json=ok({"uid": "1001", "assetMode": "union"}))
        return httpx.Response(404, text="not found")

    def paths(self) -> list[str]:
        return [request.url.path for request in self.seen]


def reply(
    status: int, body: object = None, *, text: str | None = None, headers: dict[str, str] | None = None
) -> Responder:
    def respond(_request: httpx.Request) -> httpx.Response:
        if text is not None:
            return httpx.Response(status, text=text, headers=headers)
        return httpx.Response(status, json=body, headers=headers)

    return respond


def fail(exc_type: type[httpx.TransportError]) -> Responder:
    def respond(request: httpx.Request) -> httpx.Response:
        raise exc_type("boom", request=request)

    return respond


@pytest.fixture
def venue() -> Venue:
    return Venue()


@pytest.fixture
def client(venue: Venue) -> BitgetClient:
    return BitgetClient(
        CREDENTIALS,
        base_url="https://bitget.test",
        transport=httpx.MockTransport(venue),
        read_retry=ReadRetry(sleep=venue.sleeps.append),
    )


def edit(index: int, **fields: str) -> PreparedEdit:
    item = BatchModifyItem(symbol="BTCUSDT", category="USDT-FUTURES", **fields)
    key = f"orderId:{item.orderId}" if item.orderId else f"clientOid:{item.clientOid}"
    return PreparedEdit(index, key, "USDT-FUTURES", f"edit {index}", item)


THREE = [
    edit(0, orderId="1", price="60010"),
    edit(1, orderId="2", qty="0.02"),
    edit(2, clientOid="ladder-3", price="59990"),
]


def outcomes(results: list[ItemResult]) -> list[tuple[int, Outcome, str | None, str | None]]:
    return [(r.index, r.outcome, r.order_id, r.code) for r in results]


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


# -- per-item results --------------------------------------------------------------------------


def test_items_matched_by_id_not_position(client: BitgetClient, venue: Venue) -> None:
    venue.modify.append(
        reply(
            200,
            ok(
                [
                    {"orderId": "3", "clientOid": "ladder-3"},
                    {"orderId": "2", "clientOid": "b", "code": "25204", "msg": "Order does not exist"},
                    {"orderId": "1", "clientOid": None},
                ]
            ),
        )
    )
    results = client.submit(THREE)
    assert outcomes(results) == [
        (0, Outcome.APPLIED, "1", None),
        (1, Outcome.REJECTED, "2", "25204"),
        (2, Outcome.APPLIED, "3", None),
    ]
    assert results[1].message == "Order does not exist"


def test_missing_items_are_unknown(client: BitgetClient, venue: Venue) -> None:
    venue.modify.append(reply(200, ok([{"orderId": "2"}])))
    results = client.submit(THREE)
    assert [r.outcome for r in results] == [Outcome.UNKNOWN, Outcome.APPLIED, Outcome.UNKNOWN]
    assert results[0].message == "no result for this order in the answer"


def test_item_with_null_order_id_is_matched_by_client_oid(client: BitgetClient, venue: Venue) -> None:
    venue.modify.append(reply(200, ok([{"orderId": None, "clientOid": "ladder-3"}])))
    results = client.submit([THREE[2]])
    assert outcomes(results) == [(2, Outcome.APPLIED, None, None)]


def test_duplicate_items_for_one_order_are_unknown(client: BitgetClient, venue: Venue) -> None:
    venue.modify.append(reply(200, ok([{"orderId": "1"}, {"orderId": "1", "code": "25204", "msg": "x"}])))
    (result,) = client.submit([THREE[0]])
    assert result.outcome is Outcome.UNKNOWN
    assert "2 times" in (result.message or "")


@pytest.mark.parametrize(
    ("code", "outcome"),
    [
        ("25114", Outcome.RETRY),
        ("25572", Outcome.RETRY),
        ("25653", Outcome.RETRY),
        ("25003", Outcome.RETRY),
        ("25004", Outcome.RETRY),
        ("40010", Outcome.UNKNOWN),
        ("40725", Outcome.UNKNOWN),
        ("45001", Outcome.UNKNOWN),
        ("25571", Outcome.REJECTED),
        ("25568", Outcome.REJECTED),
        ("25574", Outcome.REJECTED),
        ("25244", Outcome.REJECTED),
        ("77777", Outcome.UNKNOWN),  # not known to be harmless: reconciled
        ("25000", Outcome.UNKNOWN),
        ("25001", Outcome.UNKNOWN),
        ("0", Outcome.APPLIED),
        ("00000", Outcome.APPLIED),
    ],
)
def test_per_item_codes(client: BitgetClient, venue: Venue, code: str, outcome: Outcome) -> None:
    venue.modify.append(reply(200, ok([{"orderId": "1", "code": code, "msg": "m"}])))
    (result,) = client.submit([THREE[0]])
    assert result.outcome is outcome
    if outcome is not Outcome.APPLIED:
        assert result.code == code
        assert result.message == "m"


def test_item_message_defaults_to_known_meaning_and_is_redacted(client: BitgetClient, venue: Venue) -> None:
    venue.modify.append(
        reply(
            200,
            ok([{"orderId": "1", "code": "25204"}, {"orderId": "2", "code": "1", "msg": f"bad {SECRET}"}]),
        )
    )
    first, second = client.submit(THREE[:2])
    assert first.message == "Order does not exist"
    assert second.message == "bad ***"


def test_data_null_with_success_code_leaves_everything_unknown(client: BitgetClient, venue: Venue) -> None:
    venue.modify.append(reply(200, ok(None)))
    assert [r.outcome for r in client.submit(THREE)] == [Outcome.UNKNOWN] * 3


def test_unreadable_items_are_unknown(client: BitgetClient, venue: Venue) -> None:
    venue.modify.append(reply(200, ok(["junk", {"orderId": ["x"]}, {"orderId": "2"}])))
    assert [r.outcome for r in client.submit(THREE)] == [Outcome.UNKNOWN, Outcome.APPLIED, Outcome.UNKNOWN]


# -- request-level answers ---------------------------------------------------------------------


_T, _U, _F = TransientRequestError, OutcomeUnknownError, FatalRequestError
_THROTTLED, _SERVER, _OTHER = FailureKind.THROTTLED, FailureKind.SERVER_ERROR, FailureKind.OTHER


@pytest.mark.parametrize(
    ("status", "body", "error", "code", "kind"),
    [
        (200, ok(None, "429", "Too Many Requests"), _T, "429", _THROTTLED),
        (200, ok(None, "25004", "Operation too frequent"), _T, "25004", _THROTTLED),
        (200, ok(None, "25003", "Concurrent operation"), _T, "25003", _THROTTLED),
        (200, ok(None, "40010", "Request timed out"), _U, "40010", _OTHER),
        (200, ok(None, "40725", "service return an error"), _U, "40725", _OTHER),
        (200, ok(None, "45001", "Unknown error"), _U, "45001", _OTHER),
        (400, ok(None, "40012", "apikey/password is incorrect"), _F, "40012", _OTHER),
        (400, ok(None, "40009", "sign signature error"), _F, "40009", _OTHER),
        (400, ok(None, "40099", "exchange environment is incorrect"), _F, "40099", _OTHER),
        (400, ok(None, "30007", "Invalid Content-Type"), _F, "30007", _OTHER),
        (400, ok(None, "40010", "Request timed out"), _U, "40010", _OTHER),
        (200, ok(None, "31999", "never heard of it"), _U, "31999", _OTHER),
        (200, ok(None, "25000", "System error, please try again later"), _U, "25000", _OTHER),
        (200, ok(None, "25001", "Operation timed out"), _U, "25001", _OTHER),
        (429, ok(None, "429", "Too Many Requests"), _T, "429", _THROTTLED),
        (500, None, _U, "500", _SERVER),
        (502, None, _U, "502", _SERVER),
        (503, ok(None, "50000", "Internal Server Error"), _U, "50000", _SERVER),
        (503, ok(None, "25004", "Operation too frequent"), _T, "25004", _THROTTLED),
        (503, ok(None, "40010", "Request timed out"), _U, "40010", _SERVER),
        (504, None, _U, "504", _SERVER),
        (403, None, _U, "403", _OTHER),
    ],
)
def test_envelope_and_status_groups(
    client: BitgetClient,
    venue: Venue,
    status: int,
    body: object,
    error: type[ExchangeError],
    code: str,
    kind: FailureKind,
) -> None:
    venue.modify.append(reply(status, body))
    with pytest.raises(error) as caught:
        client.submit(THREE)
    assert (caught.value.code, caught.value.kind) == (code, kind)


def test_transport_failures_are_network_failures(client: BitgetClient, venue: Venue) -> None:
    venue.modify += [fail(httpx.ConnectError), fail(httpx.ReadTimeout)]
    with pytest.raises(TransientRequestError) as refused:
        client.submit(THREE)
    with pytest.raises(OutcomeUnknownError) as lost:
        client.submit(THREE)
    assert refused.value.kind is lost.value.kind is FailureKind.NETWORK


def test_429_carries_retry_after(client: BitgetClient, venue: Venue) -> None:
    venue.modify.append(reply(429, ok(None, "429", "Too Many Requests"), headers={"Retry-After": "2"}))
    with pytest.raises(TransientRequestError) as caught:
        client.submit(THREE)
    assert caught.value.retry_after == 2.0


def test_5xx_html_is_reconciled_not_resent(client: BitgetClient, venue: Venue) -> None:
    # The gateway may have passed the batch on before failing: only the book can tell.
    venue.modify.append(reply(502, text="<html>Bad Gateway</html>"))
    with pytest.raises(OutcomeUnknownError, match="HTTP 502"):
        client.submit(THREE)


@pytest.mark.parametrize("text", ["<html>ok</html>", "[1,2]", '{"msg": "no code"}', '{"code": "00000"'])
def test_unreadable_200_is_outcome_unknown(client: BitgetClient, venue: Venue, text: str) -> None:
    venue.modify.append(reply(200, text=text))
    with pytest.raises(OutcomeUnknownError):
        client.submit(THREE)


def test_fatal_message_names_code_and_hides_secrets(client: BitgetClient, venue: Venue) -> None:
    venue.modify.append(reply(400, ok(None, "40012", f"passphrase {PASSPHRASE} is incorrect")))
    with pytest.raises(FatalRequestError) as caught:
        client.submit(THREE)
    text = str(caught.value)
    assert "40012" in text
    assert PASSPHRASE not in text
    assert "passphrase *** is incorrect" in text


def test_transport_failures(client: BitgetClient, venue: Venue) -> None:
    venue.modify.append(fail(httpx.ConnectError))
    with pytest.raises(TransientRequestError):
        client.submit(THREE)
    venue.modify.append(fail(httpx.ReadTimeout))
    with pytest.raises(OutcomeUnknownError):
        client.submit(THREE)
    venue.modify.append(fail(httpx.RemoteProtocolError))
    with pytest.raises(OutcomeUnknownError):
        client.submit(THREE)


def test_guards_spend_no_request(client: BitgetClient, venue: Venue) -> None:
    mixed = [
        THREE[0],
        PreparedEdit(1, "orderId:9", "SPOT", "x", BatchModifyItem(orderId="9", price="1", category="SPOT")),
    ]
    with pytest.raises(FatalRequestError, match="categories"):
        client.submit(mixed)
    too_many = [edit(i, orderId=str(i + 1), price="1") for i in range(21)]
    with pytest.raises(FatalRequestError, match="21 edits"):
        client.submit(too_many)
    with pytest.raises(TypeError):
        client.submit([PreparedEdit(0, "k", "g", "x", {"orderId": "1"})])
    assert client.submit([]) == []
    assert venue.seen == []


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


# -- reconcile ---------------------------------------------------------------------------------


def order(price: str = "60000.0", qty: str = "0.010", status: str = "live", order_id: str = "1") -> Responder:
    data = {
        "orderId": order_id,
        "clientOid": "c",
        "price": price,
        "qty": qty,
        "cumExecQty": "0",
        "orderStatus": status,
    }
    return reply(200, ok(data))


def test_reconcile_decisions(client: BitgetClient, venue: Venue) -> None:
    venue.order_info_for = {
        "1": [order(price="60010.0")],  # target in place (compared as decimals)
        "2": [order(qty="0.010", status="partially_filled")],  # live, not changed
        "ladder-3": [order(price="59990", status="filled", order_id="3")],  # target in place though filled
    }
    results = client.reconcile(THREE)
    assert outcomes(results) == [
        (0, Outcome.APPLIED, "1", None),
        (1, Outcome.RETRY, "1", None),
        (2, Outcome.APPLIED, "3", None),
    ]
    queries = [request.url.raw_path.decode() for request in venue.seen]
    assert queries[0] == "/api/v3/trade/unfilled-orders?category=USDT-FUTURES&limit=100&symbol=BTCUSDT"
    assert sorted(queries[1:]) == [
        "/api/v3/trade/order-info?clientOid=ladder-3",
        "/api/v3/trade/order-info?orderId=1",
        "/api/v3/trade/order-info?orderId=2",
    ]


def test_reconcile_settles_from_the_open_orders_list_first(
    client: BitgetClient, venue: Venue, caplog: pytest.LogCaptureFixture
) -> None:
    listed = [{"orderId": "1", "price": "60010", "qty": "0.01", "orderStatus": "live"}]
    listed.append({"orderId": "2", "price": "60000", "qty": "0.01", "orderStatus": "live"})
    venue.unfilled.append(reply(200, ok({"list": listed, "cursor": ""})))
    venue.order_info_for = {"ladder-3": [order(price="59990", status="filled", order_id="3")]}
    with caplog.at_level("INFO", logger="airflow_batchmod.exchanges.bitget.reconciliation"):
        results = client.reconcile(THREE)
    assert [r.outcome for r in results] == [Outcome.APPLIED, Outcome.RETRY, Outcome.APPLIED]
    assert [request.url.path.rsplit("/", 1)[-1] for request in venue.seen] == [
        "unfilled-orders",
        "order-info",
    ]
    assert (
        "reconciling 3 in-doubt edits: 2 settled from the open-orders list, 1 by order status" in caplog.text
    )


def test_reconcile_closed_and_unknown_orders(client: BitgetClient, venue: Venue) -> None:
    venue.order_info_for = {
        "1": [order(status="cancelled")],
        "2": [reply(400, ok(None, "25204", "Order does not exist"))],
        "ladder-3": [order(status="weird_state")],
    }
    first, second, third = client.reconcile(THREE)
    assert first.outcome is Outcome.REJECTED
    assert first.message == "order is cancelled with price 60000 qty 0.01; the edit was not applied"
    assert (second.outcome, second.code) == (Outcome.REJECTED, "25204")
    assert third.outcome is Outcome.UNKNOWN


def test_reconcile_retries_transient_reads_then_gives_up(client: BitgetClient, venue: Venue) -> None:
    venue.order_info_for = {
        "1": [
            reply(429, ok(None, "429", "Too Many Requests")),
            fail(httpx.ConnectError),
            order(price="60010"),
        ],
        "2": [reply(500, None), reply(502, text="bad gateway"), fail(httpx.ReadTimeout)],
    }
    first, second = client.reconcile(THREE[:2])
    assert first.outcome is Outcome.APPLIED
    assert second.outcome is Outcome.UNKNOWN
    assert "ReadTimeout" in (second.message or "")
    assert venue.order_info_for == {"1": [], "2": []}


def test_reconcile_stops_querying_after_auth_failure(client: BitgetClient, venue: Venue) -> None:
    venue.unfilled.append(reply(400, ok(None, "40012", "apikey/password is incorrect")))
    results = client.reconcile(THREE)
    assert [r.outcome for r in results] == [Outcome.UNKNOWN] * 3
    assert "40012" in (results[2].message or "")
    assert len(venue.seen) == 1  # the open-orders read; no order is asked about after it


def test_reconcile_unreadable_order_is_unknown(client: BitgetClient, venue: Venue) -> None:
    venue.order_info.append(reply(200, ok({"orderId": "1"})))
    (result,) = client.reconcile(THREE[:1])
    assert result.outcome is Outcome.UNKNOWN


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
