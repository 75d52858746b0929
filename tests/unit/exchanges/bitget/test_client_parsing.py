"""How BitgetClient reads batch-modify answers the sandbox will not produce (httpx.MockTransport only)."""

from __future__ import annotations

import httpx
import pytest

from airflow_batchmod.exchanges.base import (
    ExchangeError,
    FailureKind,
    FatalRequestError,
    Outcome,
    OutcomeUnknownError,
    PreparedEdit,
    TransientRequestError,
)
from airflow_batchmod.exchanges.bitget.client import BitgetClient
from airflow_batchmod.exchanges.bitget.models import BatchModifyItem
from tests.support.bitget_venue import PASSPHRASE, SECRET, THREE, Venue, edit, fail, ok, outcomes, reply

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
