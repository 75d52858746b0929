"""The sandbox's Hyperliquid refusals of whole actions: signer, nonce, expiry, malformed body, weight."""

from __future__ import annotations

import copy
import json
from typing import Any

import httpx

from airflow_batchmod.exchanges.hyperliquid.signing import address_of
from airflow_batchmod.testing.sandbox import DEFAULT_SEED, Sandbox
from tests.support.sandbox_state import hyperliquid_orders
from tests.support.signed_requests import (
    BTC,
    HL_KEY_A,
    HL_KEY_AGENT,
    HL_KEY_B,
    HL_USER_A,
    HL_VAULT,
    hl_body,
    hl_exchange,
    hl_info,
    hl_modify,
    hl_order,
    next_nonce,
    now_ms,
    statuses,
)


def test_tampered_action_recovers_another_address(client: httpx.Client, fresh_sandbox: Sandbox) -> None:
    body = hl_body(HL_KEY_A, [{"oid": 1000002, "order": hl_order(BTC, True, "59790", "0.001")}])
    before = fresh_sandbox.state()
    tamperings: list[tuple[tuple[str | int, ...], Any]] = [
        (("action", "modifies", 0, "order", "p"), "59780"),  # another price
        (("action", "modifies", 0, "order", "s"), "0.0010"),  # the same size with a trailing zero
        (("nonce",), body["nonce"] + 1),
        (("vaultAddress",), HL_VAULT),
    ]
    for path, value in tamperings:
        tampered = copy.deepcopy(body)
        target: Any = tampered
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        payload = hl_exchange(client, tampered).json()
        assert payload["status"] == "err"
        message = payload["response"]
        assert message.startswith("User or API Wallet 0x") and message.endswith(" does not exist.")
        recovered = message.split()[4]
        assert len(recovered) == 42 and recovered == recovered.lower() and recovered != HL_USER_A
    assert fresh_sandbox.state() == before


def test_signature_for_the_other_network_is_refused(client: httpx.Client) -> None:
    response = hl_modify(
        client, HL_KEY_A, [{"oid": 1000002, "order": hl_order(BTC, True, "59790", "0.001")}], mainnet=False
    )
    assert "does not exist" in response.json()["response"]


def test_unknown_signer_is_named_in_the_error(client: httpx.Client) -> None:
    key = "0x" + "33" * 32
    response = hl_modify(client, key, [{"oid": 1000002, "order": hl_order(BTC, True, "59790", "0.001")}])
    assert response.json() == {
        "status": "err",
        "response": f"User or API Wallet {address_of(key).lower()} does not exist.",
    }


def test_nonce_rules(client: httpx.Client) -> None:
    modify = [{"oid": 1000002, "order": hl_order(BTC, True, "59790", "0.001")}]
    body = hl_body(HL_KEY_A, modify)
    assert statuses(hl_exchange(client, body))[0]["resting"]
    again = hl_exchange(client, body).json()
    assert again == {"status": "err", "response": f"Invalid nonce: duplicate nonce {body['nonce']}"}
    stale = hl_modify(client, HL_KEY_A, modify, nonce=now_ms() - 3 * 24 * 3600 * 1000).json()
    assert stale == {"status": "err", "response": "Invalid nonce: nonce too far from current time"}
    future = hl_modify(client, HL_KEY_A, modify, nonce=now_ms() + 2 * 24 * 3600 * 1000).json()
    assert future["response"] == "Invalid nonce: nonce too far from current time"
    # Nonces are per signer: the agent may use the very nonce the user just used.
    shared = next_nonce()
    user = hl_modify(
        client, HL_KEY_A, [{"oid": 1000003, "order": hl_order(BTC, True, "59690", "0.002")}], nonce=shared
    )
    agent = hl_modify(
        client, HL_KEY_AGENT, [{"oid": 1000004, "order": hl_order(BTC, True, "59590", "0.001")}], nonce=shared
    )
    assert "resting" in statuses(user)[0] and "resting" in statuses(agent)[0]


def test_nonce_too_low_once_a_hundred_are_kept(client: httpx.Client) -> None:
    base = now_ms() - 1_000_000
    modify = [{"oid": 999, "order": hl_order(BTC, True, "59790", "0.001")}]
    for i in range(100):
        payload = hl_modify(client, HL_KEY_B, modify, nonce=base + i).json()
        assert payload["status"] == "ok"
    low = hl_modify(client, HL_KEY_B, modify, nonce=base - 5).json()
    assert low == {"status": "err", "response": f"Invalid nonce: nonce too low {base - 5} < {base}"}


def test_expired_action_is_refused(client: httpx.Client, fresh_sandbox: Sandbox) -> None:
    response = hl_modify(
        client,
        HL_KEY_A,
        [{"oid": 1000002, "order": hl_order(BTC, True, "59790", "0.001")}],
        expires_after=now_ms() - 1,
    )
    assert response.json()["status"] == "err"
    assert hyperliquid_orders(fresh_sandbox.state())[1000002]["status"] == "open"


def test_expired_action_costs_five_requests(client: httpx.Client) -> None:
    used = hl_info(client, {"type": "userRateLimit", "user": HL_USER_A})["nRequestsUsed"]
    body = hl_body(
        HL_KEY_A,
        [{"oid": 1000002, "order": hl_order(BTC, True, "59790", "0.001", "Alo")}],
        expires_after=now_ms() - 1000,
    )
    answer = hl_exchange(client, body).json()
    assert answer["status"] == "err" and "expire" in answer["response"].lower()
    assert hl_info(client, {"type": "userRateLimit", "user": HL_USER_A})["nRequestsUsed"] == used + 5


def test_malformed_bodies_are_422(client: httpx.Client) -> None:
    body = hl_body(HL_KEY_A, [{"oid": 1000002, "order": hl_order(BTC, True, "59790", "0.001")}])
    body["action"]["modifies"][0]["order"]["p"] = 59790.0
    response = hl_exchange(client, body)
    assert response.status_code == 422
    assert client.post("/info", json={"type": "nope"}).status_code == 422


def test_weight_budget_gives_429_with_null_body(client: httpx.Client, fresh_sandbox: Sandbox) -> None:
    fresh_sandbox.configure(hyperliquid_weight_per_minute=4)
    modify = [{"oid": 999, "order": hl_order(BTC, True, "59790", "0.001")}]
    # 40 modifies weigh 2, then two single modifies use the rest of the budget.
    many = [{"oid": 999, "order": hl_order(BTC, True, "59790", "0.001")}] * 40
    codes = [hl_modify(client, HL_KEY_B, many).status_code]
    codes += [hl_modify(client, HL_KEY_B, modify).status_code for _ in range(3)]
    assert codes == [200, 200, 200, 429]
    refused = hl_modify(client, HL_KEY_B, modify)
    assert (refused.status_code, refused.json(), refused.content) == (429, None, b"null")


def test_seed_network_decides_the_signature_source(fresh_sandbox: Sandbox) -> None:
    seed = json.loads(DEFAULT_SEED.read_text())
    seed["hyperliquid"]["network"] = "testnet"
    fresh_sandbox.reset(seed)
    with httpx.Client(base_url=fresh_sandbox.url, timeout=5.0) as client:
        modify = [{"oid": 1000002, "order": hl_order(BTC, True, "59790", "0.001", "Alo")}]
        assert "resting" in statuses(hl_modify(client, HL_KEY_A, modify, mainnet=False))[0]
        assert hl_modify(client, HL_KEY_A, modify, mainnet=True).json()["status"] == "err"
