"""BitgetClient on the sandbox: bad credentials, demo trading, account settings, the per-UID modify limit."""

from __future__ import annotations

import pytest

from airflow_batchmod.exchanges.base import FatalRequestError, MetadataError, Outcome, TransientRequestError
from airflow_batchmod.exchanges.bitget.client import BitgetClient, BitgetCredentials
from airflow_batchmod.testing.sandbox import Sandbox
from tests.support.bitget_on_sandbox import BTC_LINE, GOOD, PAPER, as_given, prepared
from tests.support.sandbox_state import bitget_orders, modify_requests
from tests.support.timing import RecordingLimiter


@pytest.mark.parametrize(
    ("credentials", "code"),
    [
        (BitgetCredentials("bg_demo_key", "bg_demo_secret", "wrong_pass"), "40012"),
        (BitgetCredentials("bg_demo_key", "wrong_secret", "bg_demo_pass"), "40009"),
        (BitgetCredentials("no_such_key", "bg_demo_secret", "bg_demo_pass"), "40006"),
    ],
)
def test_bad_credentials_are_fatal(venue: Sandbox, credentials: BitgetCredentials, code: str) -> None:
    with BitgetClient(credentials, base_url=venue.url) as client:
        with pytest.raises(MetadataError):  # instruments are public, the book is not
            client.prepare([{"orderId": "1001", "price": "60010", **BTC_LINE}])
        edits = as_given({"orderId": "1001", "price": "60010"})
        with pytest.raises(FatalRequestError) as caught:
            client.submit(edits)
        with pytest.raises(FatalRequestError):
            client.account_settings()
    assert caught.value.code == code
    assert credentials.secret not in str(caught.value)
    assert credentials.passphrase not in str(caught.value)
    assert bitget_orders(venue)["1001"]["modifications"] == 0


def test_demo_trading_header(venue: Sandbox) -> None:
    with BitgetClient(PAPER, base_url=venue.url, demo_trading=True) as client:
        assert client.account_settings()["uid"] == "1003"
        (result,) = client.submit(prepared(client, {"orderId": "3001", "price": "60010"}))
        assert result.outcome is Outcome.APPLIED
    with BitgetClient(PAPER, base_url=venue.url) as client, pytest.raises(FatalRequestError) as caught:
        client.submit(as_given({"orderId": "3001", "price": "60020"}))
    assert caught.value.code == "40099"
    with (
        BitgetClient(GOOD, base_url=venue.url, demo_trading=True) as client,
        pytest.raises(FatalRequestError),
    ):
        client.account_settings()


def test_account_settings(client: BitgetClient) -> None:
    assert client.account_settings()["uid"] == "1001"


def _twelve_quick_modifies(client: BitgetClient) -> list[str | None]:
    prices = ["60010", "60020"]
    edits = [prepared(client, {"orderId": "1001", "price": price})[0] for price in prices]
    errors = []
    for attempt in range(12):
        try:
            client.submit([edits[attempt % 2]])
        except TransientRequestError as exc:
            errors.append(exc.code)
    return errors


def test_the_client_paces_modifies_within_the_uid_limit(client: BitgetClient, venue: Sandbox) -> None:
    assert _twelve_quick_modifies(client) == []
    assert [call["status"] for call in modify_requests(venue, "bitget")] == [200] * 12


def test_unpaced_modifies_meet_the_venues_429(venue: Sandbox) -> None:
    with BitgetClient(GOOD, base_url=venue.url, modify_limiter=RecordingLimiter()) as unpaced:
        assert "429" in _twelve_quick_modifies(unpaced)
    statuses = [call["status"] for call in modify_requests(venue, "bitget")]
    assert statuses.count(200) <= 10
