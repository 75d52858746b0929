"""Hyperliquid's IP weight and address budget, and the noop action, against the sandbox process."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from airflow_batchmod.testing.sandbox import Sandbox
from tests.support.sandbox_state import hyperliquid_orders
from tests.support.signed_requests import (
    BTC,
    HL_AGENT,
    HL_KEY_A,
    HL_KEY_AGENT,
    HL_USER_A,
    HL_USER_B,
    HL_VAULT,
    hl_exchange,
    hl_info,
    hl_modify,
    hl_order,
    hl_signed,
    statuses,
)

NOOP = {"type": "noop"}


@pytest.fixture
def client(fresh_sandbox: Sandbox) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fresh_sandbox.url, timeout=5.0) as http:
        yield http


def _btc_buys(*oids: int) -> list[dict[str, object]]:
    return [{"oid": oid, "order": hl_order(BTC, True, "59100", "0.001", "Alo")} for oid in oids]


def test_user_rate_limit_follows_each_modify(client: httpx.Client, fresh_sandbox: Sandbox) -> None:
    for address in (HL_USER_A, HL_USER_B, HL_VAULT):
        assert hl_info(client, {"type": "userRateLimit", "user": address})["nRequestsUsed"] == 0
    assert len(statuses(hl_modify(client, HL_KEY_A, _btc_buys(1000002, 1000003, 1000004)))) == 3
    # An agent acting for the vault spends the vault's budget, not its owner's.
    assert len(statuses(hl_modify(client, HL_KEY_AGENT, _btc_buys(1000102), vault=HL_VAULT))) == 1
    used = {
        a: hl_info(client, {"type": "userRateLimit", "user": a})["nRequestsUsed"]
        for a in (HL_USER_A, HL_VAULT)
    }
    assert used == {HL_USER_A: 3, HL_VAULT: 1}
    assert hl_info(client, {"type": "userRateLimit", "user": HL_AGENT})["nRequestsUsed"] == 0


def test_an_exhausted_address_is_refused_with_the_documented_text(
    client: httpx.Client, fresh_sandbox: Sandbox
) -> None:
    fresh_sandbox.configure(hyperliquid_address_budget=2)
    before = fresh_sandbox.state()
    refused = hl_modify(client, HL_KEY_A, _btc_buys(1000002, 1000003, 1000004))
    assert (refused.status_code, refused.json()) == (
        200,
        {
            "status": "err",
            "response": "Too many cumulative requests sent (3 > 2) for cumulative volume traded $0. "
            "Place taker orders to free up 1 request per USDC traded.",
        },
    )
    assert fresh_sandbox.state() == before
    # Within what is left, the address still trades; right after the refusal it is limited.
    assert len(statuses(hl_modify(client, HL_KEY_A, _btc_buys(1000002, 1000003)))) == 2
    assert hl_modify(client, HL_KEY_A, _btc_buys(1000004)).json()["status"] == "err"
    assert hl_info(client, {"type": "userRateLimit", "user": HL_USER_A}) == {
        "cumVlm": "0",
        "nRequestsUsed": 2,
        "nRequestsCap": 2,
    }
    fresh_sandbox.configure(hyperliquid_address_budget=1)
    assert len(statuses(hl_modify(client, HL_KEY_A, _btc_buys(1000004)))) == 1


def test_filled_volume_frees_requests(client: httpx.Client, fresh_sandbox: Sandbox) -> None:
    fresh_sandbox.configure(hyperliquid_address_budget=0)
    assert hl_modify(client, HL_KEY_A, _btc_buys(1000002)).json()["status"] == "err"
    fresh_sandbox.fill("hyperliquid", 1000001)  # 0.002 BTC at 59900: 119.8 USDC traded
    assert hl_info(client, {"type": "userRateLimit", "user": HL_USER_A})["nRequestsCap"] == 119
    assert len(statuses(hl_modify(client, HL_KEY_A, _btc_buys(1000002)))) == 1


def test_info_reads_spend_the_ip_budget(client: httpx.Client, fresh_sandbox: Sandbox) -> None:
    fresh_sandbox.configure(hyperliquid_weight_per_minute=100)
    codes = [
        client.post("/info", json=request).status_code
        for request in (
            {"type": "meta"},  # 20
            {"type": "userRole", "user": HL_USER_A},  # 60
            {"type": "frontendOpenOrders", "user": HL_USER_A},  # 20: 100 in all
            {"type": "allMids"},  # 2: one too many
        )
    ]
    assert codes == [200, 200, 200, 429]
    assert hl_modify(client, HL_KEY_A, _btc_buys(1000002)).status_code == 429
    assert 1000002 not in {o["replaces"] for o in fresh_sandbox.state()["hyperliquid"]["orders"]}
    statuses_logged = [(e["kind"], e["status"]) for e in fresh_sandbox.requests()]
    assert statuses_logged[-2:] == [("allMids", 429), ("batchModify", 429)]


def test_noop_only_uses_a_nonce(client: httpx.Client, fresh_sandbox: Sandbox) -> None:
    before = fresh_sandbox.state()
    body = hl_signed(HL_KEY_AGENT, dict(NOOP))
    assert hl_exchange(client, body).json() == {"status": "ok", "response": {"type": "default"}}
    assert hl_exchange(client, body).json()["response"] == f"Invalid nonce: duplicate nonce {body['nonce']}"
    assert fresh_sandbox.state() == before
    assert hl_info(client, {"type": "userRateLimit", "user": HL_USER_A})["nRequestsUsed"] == 0
    [entry, _] = fresh_sandbox.requests_where(kind="noop")
    assert (entry["endpoint"], entry["items"], entry["status"]) == ("other", 0, 200)


def test_noop_proves_network_and_vault(client: httpx.Client, fresh_sandbox: Sandbox) -> None:
    wrong_network = hl_exchange(client, hl_signed(HL_KEY_A, dict(NOOP), mainnet=False)).json()
    assert wrong_network["status"] == "err"
    assert wrong_network["response"].startswith("User or API Wallet 0x")
    assert HL_USER_A not in wrong_network["response"]
    foreign_vault = hl_exchange(client, hl_signed("0x" + "11" * 32, dict(NOOP), vault=HL_VAULT)).json()
    assert "is not allowed to trade for vault" in foreign_vault["response"]
    own_vault = hl_exchange(client, hl_signed(HL_KEY_AGENT, dict(NOOP), vault=HL_VAULT)).json()
    assert own_vault["status"] == "ok"


def test_faults_aimed_at_modifies_leave_noop_alone(client: httpx.Client, fresh_sandbox: Sandbox) -> None:
    fresh_sandbox.set_faults([{"venue": "hyperliquid", "fault": "http_500"}])
    assert hl_exchange(client, hl_signed(HL_KEY_A, dict(NOOP))).status_code == 200
    assert hl_modify(client, HL_KEY_A, _btc_buys(1000002)).status_code == 500
    assert hyperliquid_orders(fresh_sandbox.state())[1000002]["status"] == "open"
