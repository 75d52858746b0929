"""HyperliquidClient.submit against a scripted venue: the signed request and how its answer is read."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from airflow_batchmod.exchanges.base import (
    BudgetExhaustedError,
    FailureKind,
    FatalRequestError,
    Outcome,
    OutcomeUnknownError,
    TransientRequestError,
)
from airflow_batchmod.exchanges.hyperliquid.signing import recover_l1_signer
from tests.support.hl_venue import OWN_CLOID, Answer, FakeVenue, _edit, _err, _ok, _open_order, _prepared
from tests.support.hyperliquid_keys import ADDRESS, KEY, VAULT

# --- submit: the request -----------------------------------------------------------------------


def test_submit_body() -> None:
    venue = FakeVenue(
        open_orders=[_open_order(1000001, cloid=OWN_CLOID)], exchange=[_ok({"resting": {"oid": 9}})]
    )
    client, edits = _prepared(venue, _edit(1000001))
    assert [r.outcome for r in client.submit(edits)] == [Outcome.APPLIED]
    (body,) = venue.sent
    assert list(body) == ["action", "nonce", "signature", "vaultAddress", "expiresAfter"]
    assert body["vaultAddress"] is None and body["expiresAfter"] is None
    assert body["action"] == {
        "type": "batchModify",
        "modifies": [
            {
                "oid": 1000001,
                "order": {
                    "a": 0,
                    "b": True,
                    "p": "59500",
                    "s": "0.02",
                    "r": False,
                    "t": {"limit": {"tif": "Gtc"}},
                    "c": OWN_CLOID,
                },
            }
        ],
    }
    signer = recover_l1_signer(body["action"], None, body["nonce"], None, body["signature"], mainnet=True)
    assert signer == ADDRESS


def test_submit_vault_expiry_always_place() -> None:
    venue = FakeVenue(open_orders=[_open_order(1)], exchange=[_ok({"resting": {"oid": 9}})])
    client, edits = _prepared(
        venue, _edit(1), vault_address=VAULT, expires_after_ms=30_000, always_place=True
    )
    client.submit(edits)
    (body,) = venue.sent
    assert body["vaultAddress"] == VAULT
    assert body["expiresAfter"] - body["nonce"] == pytest.approx(30_000, abs=2_000)
    assert body["action"]["a"] is True and list(body["action"]) == ["type", "modifies", "a"]
    assert (
        recover_l1_signer(
            body["action"], VAULT, body["nonce"], body["expiresAfter"], body["signature"], mainnet=True
        )
        == ADDRESS
    )


def test_testnet_signs_with_source_b_whatever_the_url() -> None:
    venue = FakeVenue(open_orders=[_open_order(1)], exchange=[_ok({"resting": {"oid": 9}})])
    client, edits = _prepared(venue, _edit(1), network="testnet", base_url="https://api.hyperliquid.xyz")
    client.submit(edits)
    (body,) = venue.sent
    assert (
        recover_l1_signer(body["action"], None, body["nonce"], None, body["signature"], mainnet=False)
        == ADDRESS
    )
    assert (
        recover_l1_signer(body["action"], None, body["nonce"], None, body["signature"], mainnet=True)
        != ADDRESS
    )


def test_nonces_increase_between_requests() -> None:
    venue = FakeVenue(open_orders=[_open_order(1)], exchange=[_ok({"resting": {"oid": 9}})] * 3)
    client, edits = _prepared(venue, _edit(1))
    for _ in range(3):
        client.submit(edits)
    nonces = [body["nonce"] for body in venue.sent]
    assert nonces == sorted(set(nonces))


def test_mixed_always_place_refused() -> None:
    venue = FakeVenue(open_orders=[_open_order(1), _open_order(2)])
    client, edits = _prepared(
        venue, _edit(1), _edit(2, order_type={"limit": {"tif": "Alo"}}), always_place=True
    )
    with pytest.raises(ValueError, match="always-place"):
        client.submit(edits)
    assert client.submit([]) == []


# --- submit: the answer ------------------------------------------------------------------------


def _submit_two(answer: Answer) -> list[Any]:
    venue = FakeVenue(open_orders=[_open_order(1), _open_order(2)], exchange=[answer])
    client, edits = _prepared(venue, _edit(1), _edit(2))
    return client.submit(edits)


def test_statuses_map_one_to_one() -> None:
    results = _submit_two(
        _ok(
            {"filled": {"totalSz": "0.02", "avgPx": "59500", "oid": 12}}, {"error": "Order has invalid size."}
        )
    )
    assert [(r.index, r.outcome, r.order_id, r.message) for r in results] == [
        (0, Outcome.APPLIED, "12", None),
        (1, Outcome.REJECTED, None, "Order has invalid size."),
    ]


@pytest.mark.parametrize("waiting", ["waitingForFill", "waitingForTrigger"])
def test_waiting_statuses_are_unknown(waiting: str) -> None:
    results = _submit_two(_ok(waiting, {"resting": {"oid": 13, "cloid": OWN_CLOID}}))
    assert [r.outcome for r in results] == [Outcome.UNKNOWN, Outcome.APPLIED]
    assert results[0].order_id is None and waiting in (results[0].message or "")
    assert results[1].order_id == "13"


@pytest.mark.parametrize(
    "status", [{"resting": {}}, {"resting": {"oid": "13"}}, {"resting": {"oid": True}}, 42, None]
)
def test_unreadable_statuses_are_unknown(status: Any) -> None:
    results = _submit_two(_ok(status, {"resting": {"oid": 13}}))
    assert results[0].outcome is Outcome.UNKNOWN


def test_single_batch_error_rejects_every_edit() -> None:
    results = _submit_two(_ok({"error": "Order price cannot be more than 80% away from the reference price"}))
    assert [r.outcome for r in results] == [Outcome.REJECTED, Outcome.REJECTED]
    assert all("80% away" in (r.message or "") for r in results)


@pytest.mark.parametrize(
    "answer",
    [
        _ok({"resting": {"oid": 5}}),
        _ok({"resting": {"oid": 5}}, {"resting": {"oid": 6}}, {"resting": {"oid": 7}}),
        _ok(),
        httpx.Response(200, json={"status": "ok", "response": {"type": "default"}}),
    ],
)
def test_count_mismatch_is_unknown(answer: httpx.Response) -> None:
    assert [r.outcome for r in _submit_two(answer)] == [Outcome.UNKNOWN, Outcome.UNKNOWN]


def test_http_429_is_transient() -> None:
    with pytest.raises(TransientRequestError) as caught:
        _submit_two(httpx.Response(429, content=b"null", headers={"Retry-After": "2"}))
    assert caught.value.code == "429" and caught.value.retry_after == 2.0
    assert caught.value.kind is FailureKind.THROTTLED
    with pytest.raises(TransientRequestError) as caught:
        _submit_two(httpx.Response(429, content=b"null"))
    assert caught.value.retry_after is None


def test_http_5xx_is_an_unknown_outcome_from_the_server() -> None:
    with pytest.raises(OutcomeUnknownError) as caught:
        _submit_two(httpx.Response(502, text="bad gateway"))
    assert caught.value.kind is FailureKind.SERVER_ERROR


@pytest.mark.parametrize("code", [500, 502, 503, 504])
def test_http_5xx_is_outcome_unknown(code: int) -> None:
    with pytest.raises(OutcomeUnknownError):
        _submit_two(httpx.Response(code, text="upstream error"))


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(200, text="<html>"),
        httpx.Response(200, json=None),
        httpx.Response(200, json={"status": "?"}),
    ],
)
def test_unreadable_200_is_outcome_unknown(answer: httpx.Response) -> None:
    with pytest.raises(OutcomeUnknownError):
        _submit_two(answer)


def test_http_4xx_is_fatal() -> None:
    with pytest.raises(FatalRequestError, match="HTTP 422"):
        _submit_two(httpx.Response(422, text="Failed to deserialize the JSON body into the target type"))


@pytest.mark.parametrize(
    ("message", "error", "code"),
    [
        ("Invalid nonce: duplicate nonce 1700000000000", TransientRequestError, "nonce"),
        ("Invalid nonce: nonce too low 5 < 7", TransientRequestError, "nonce"),
        ("Invalid nonce: nonce too far from current time", TransientRequestError, "nonce"),
        (
            "Too many cumulative requests sent (10001 > 10000) for cumulative volume traded $0.",
            BudgetExhaustedError,
            "address_rate_limit",
        ),
        ("Action expired", TransientRequestError, "expired"),
        ("User or API Wallet 0xabc does not exist.", FatalRequestError, "auth"),
        ("L1 error: User or API Wallet 0xabc does not exist.", FatalRequestError, "auth"),
        ("Must deposit before performing actions. User: 0xabc", FatalRequestError, "auth"),
        ("Empty batch", FatalRequestError, "rejected"),
        ({"weird": 1}, FatalRequestError, "rejected"),
    ],
)
def test_whole_action_refusals(message: Any, error: type[Exception], code: str) -> None:
    with pytest.raises(error) as caught:
        _submit_two(_err(message))
    assert type(caught.value) is error
    assert caught.value.code == code  # type: ignore[attr-defined]
    if code == "address_rate_limit":
        assert caught.value.retry_after == 10.0  # type: ignore[attr-defined]


def test_unknown_signer_is_fatal_and_names_network_and_recovered_address() -> None:
    recovered = "0x" + "ab" * 20
    with pytest.raises(FatalRequestError) as caught:
        _submit_two(_err(f"L1 error: User or API Wallet {recovered} does not exist."))
    message = caught.value.message
    assert recovered in message
    assert "check `network`" in message and "testnet signatures are not valid on mainnet" in message
    assert "API wallet not approved" in message


def test_an_echoed_key_is_not_taken_for_the_recovered_address() -> None:
    with pytest.raises(FatalRequestError) as caught:
        _submit_two(_err(f"User or API Wallet {KEY} does not exist."))
    assert "recovered an address from" in caught.value.message
    assert KEY[2:42] not in caught.value.message.split("(venue:")[0]


def test_transport_failures() -> None:
    request = httpx.Request("POST", "http://venue.invalid/exchange")
    with pytest.raises(TransientRequestError) as refused:
        _submit_two(httpx.ConnectError("refused", request=request))
    with pytest.raises(OutcomeUnknownError) as slow:
        _submit_two(httpx.ReadTimeout("slow", request=request))
    with pytest.raises(OutcomeUnknownError) as dropped:
        _submit_two(httpx.RemoteProtocolError("dropped", request=request))
    assert {error.value.kind for error in (refused, slow, dropped)} == {FailureKind.NETWORK}
