"""HyperliquidClient on the sandbox: whom a key acts for (vault, agent, stranger), its network, its nonces."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from airflow_batchmod.exchanges.base import FatalRequestError, MetadataRefusedError, Outcome
from airflow_batchmod.exchanges.hyperliquid.client import HyperliquidClient
from airflow_batchmod.testing.sandbox import Sandbox
from tests.support.hyperliquid_on_sandbox import (
    KEY_AGENT,
    KEY_B,
    USER_A,
    VAULT,
    _as_given,
    _btc,
    _client,
    _outcomes,
    _prepare,
)
from tests.support.sandbox_state import hyperliquid_orders


def test_vault_trading(sandbox: Sandbox) -> None:
    with _client(sandbox, vault_address=VAULT) as client:
        assert client.user_address == VAULT
        edits = _prepare(
            client, [_btc(1000101, "59510", "0.001"), _btc(1000102, "60510", "0.001", is_buy=False)]
        )
        results = client.submit(edits)
    assert _outcomes(results) == [Outcome.APPLIED, Outcome.APPLIED]
    orders = hyperliquid_orders(sandbox)
    for result, oid in zip(results, (1000101, 1000102), strict=True):
        new = orders[int(result.order_id or 0)]
        assert (new["user"], new["replaces"]) == (VAULT, oid)
    # the vault's orders are not the signer's: without the vault the same oid cannot be modified
    with _client(sandbox) as client:
        planned = client.prepare([_btc(1000105, "146", "1", coin="SOL")])
        assert [skip.status.value for skip in planned.skipped] == ["not_open"]  # not in its book
        (result,) = client.submit(_as_given(client, [_btc(1000105, "146", "1", coin="SOL")]))
    assert result.outcome is Outcome.REJECTED
    assert "Cannot modify canceled or filled order" in (result.message or "")


def test_agent_wallet_trades_for_its_account(sandbox: Sandbox) -> None:
    with _client(sandbox, KEY_AGENT, account_address=USER_A) as client:
        assert client.user_address == USER_A and client.signer_address.lower() != USER_A
        (edit,) = _prepare(client, [_btc(1000006, "59410", "0.001")])
        (result,) = client.submit([edit])
        assert client.user_role()["role"] == "agent"
        assert client.user_role(USER_A) == {"role": "user"}
        assert client.user_role(VAULT)["role"] == "vault"
    assert result.outcome is Outcome.APPLIED
    assert hyperliquid_orders(sandbox)[int(result.order_id or 0)]["user"] == USER_A


def test_agent_key_without_account_acts_for_the_account(sandbox: Sandbox) -> None:
    with _client(sandbox, KEY_AGENT) as client:
        (edit,) = _prepare(client, [_btc(1000006, "59410", "0.001")])
        (result,) = client.submit([edit])
        assert client.user_address == USER_A
    assert result.outcome is Outcome.APPLIED
    orders = hyperliquid_orders(sandbox)
    assert orders[int(result.order_id or 0)]["user"] == USER_A and orders[1000006]["status"] == "canceled"
    # Asked once, for the signer.
    (asked,) = sandbox.requests_where(venue="hyperliquid", kind="userRole")
    assert asked["status"] == 200


def test_a_key_that_is_neither_the_account_nor_its_agent_fails_naming_both(sandbox: Sandbox) -> None:
    signer_b = "0x19e7e376e7c213b7e7e7e46cc70a5dd086daff2a"
    with (
        _client(sandbox, KEY_B, account_address=USER_A) as client,
        pytest.raises(FatalRequestError) as caught,
    ):
        client.check_identity()
    assert signer_b in caught.value.message and USER_A in caught.value.message
    stranger = "0x" + "42" * 32
    with _client(sandbox, stranger) as client, pytest.raises(MetadataRefusedError) as refused:
        client.prepare([_btc(1000006, "59410", "0.001")])
    assert client.signer_address.lower() in refused.value.message and "login" in refused.value.message
    assert sandbox.requests_where(venue="hyperliquid", endpoint="modify") == []


def test_wrong_network_is_fatal_and_says_so(sandbox: Sandbox) -> None:
    with _client(sandbox, network="testnet") as client:
        edits = _prepare(client, [_btc(1000002, "59830", "0.001")])
        with pytest.raises(FatalRequestError, match="does not exist") as caught:
            client.submit(edits)
        signer = client.signer_address.lower()
    message = caught.value.message
    assert "check `network` (this connection signs for testnet; mainnet signatures" in message
    (recovered,) = set(re.findall(r"0x[0-9a-fA-F]{40}", message))
    assert recovered.lower() != signer  # the venue recovered someone else from the testnet signature
    assert hyperliquid_orders(sandbox)[1000002]["limitPx"] != "59830"


def test_unknown_signer_is_fatal(sandbox: Sandbox) -> None:
    stranger = "0x" + "33" * 32
    with _client(sandbox, stranger, account_address=USER_A) as client:
        assert client.user_role()["role"] == "missing"
        edits = _as_given(client, [_btc(1000002, "59830", "0.001")])
        with pytest.raises(FatalRequestError) as caught:
            client.submit(edits)
    assert caught.value.code == "auth"
    assert stranger[2:] not in str(caught.value)


def test_concurrent_requests_never_share_a_nonce(sandbox: Sandbox, client: HyperliquidClient) -> None:
    oids = range(1000037, 1000053)  # the 16 SOL orders of account A
    raw = [{"oid": oid, "coin": "SOL", "is_buy": True, "price": "140", "size": "1"} for oid in oids]
    edits = _prepare(client, raw)
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda edit: client.submit([edit]), edits))
    assert [result.outcome for (result,) in answers] == [Outcome.APPLIED] * len(edits)
    statuses = [entry["status"] for entry in sandbox.requests() if entry["endpoint"] == "modify"]
    assert statuses == [200] * len(edits)
