"""Hyperliquid budgets in the sandbox: per-IP weight of /info and /exchange, the per-address
request budget (userRateLimit, "Too many cumulative requests", one per 10 s) and the noop action."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from typing import Any

import pytest

from airflow_batchmod.sandbox.app import SandboxApp
from airflow_batchmod.sandbox.hyperliquid.budget import AddressBudgets
from airflow_batchmod.testing.sandbox import DEFAULT_SEED
from tests.support.sandbox_app import (
    HL_KEY_A,
    HL_KEY_B,
    HL_USER_A,
    hl_action,
    hl_info,
    hl_modify_action,
    make_app,
    payload,
    sandbox_clock,
)
from tests.support.timing import FakeClock

VAULT = "0x1719884eb866cb12b2287399b15f7db5e7d775ea"
USER_B = "0x19e7e376e7c213b7e7e7e46cc70a5dd086daff2a"
TOO_MANY = (
    "Too many cumulative requests sent (4 > 3) for cumulative volume traded $0. "
    "Place taker orders to free up 1 request per USDC traded."
)


# --- the address budget as a rule ----------------------------------------------------------------------
def test_budget_refuses_past_the_cap_then_admits_one_request_per_ten_seconds() -> None:
    budgets = AddressBudgets({"0xa": 3})
    assert budgets.charge("0xa", 2, now=0.0) is None
    assert budgets.charge("0xa", 2, now=0.0) == TOO_MANY
    assert budgets.view("0xa") == {"cumVlm": "0", "nRequestsUsed": 2, "nRequestsCap": 3}
    assert budgets.charge("0xa", 1, now=1.0) is None  # what is left is still there
    assert budgets.charge("0xa", 1, now=2.0) is not None  # over the cap: the 10 s clock started at 0.0
    assert budgets.charge("0xa", 1, now=9.999) is not None
    assert budgets.charge("0xa", 1, now=10.0) is None
    assert budgets.charge("0xa", 1, now=19.9) is not None
    assert budgets.charge("0xa", 1, now=20.0) is None
    assert budgets.view("0xa")["nRequestsUsed"] == 5


def test_traded_volume_frees_one_request_per_usdc_and_config_resets_what_is_left() -> None:
    budgets = AddressBudgets({"0xa": 0, "0xb": 7})
    budgets.add_volume("0xa", Decimal("2.75"))
    assert budgets.left("0xa") == 2 and budgets.view("0xa")["cumVlm"] == "2.75"
    assert budgets.charge("0xa", 2, now=0.0) is None
    budgets.set_left_everywhere(4)
    assert (budgets.left("0xa"), budgets.left("0xb")) == (4, 4)
    assert budgets.view("0xa")["nRequestsUsed"] == 2


# --- in the application ---------------------------------------------------------------------------------
@pytest.fixture
def clock() -> FakeClock:
    return sandbox_clock()


@pytest.fixture
def app(clock: FakeClock) -> SandboxApp:
    return make_app(clock)


def _statuses(response: Any) -> list[Any]:
    body = payload(response)
    assert body["status"] == "ok", body
    return list(body["response"]["data"]["statuses"])


def test_info_requests_weigh_what_the_exchange_charges(app: SandboxApp, clock: FakeClock) -> None:
    app.configure({"hyperliquid_weight_per_minute": 84})
    calls: list[dict[str, Any]] = [
        {"type": "userRole", "user": HL_USER_A},  # 60
        {"type": "frontendOpenOrders", "user": HL_USER_A},  # 20
        {"type": "allMids"},  # 2
        {"type": "orderStatus", "user": HL_USER_A, "oid": 1000001},  # 2
        {"type": "allMids"},  # 2: one too many
    ]
    assert [hl_info(app, call).status for call in calls] == [200, 200, 200, 200, 429]
    assert payload(hl_info(app, {"type": "allMids"})) is None  # the exchange's 429 body
    assert hl_action(app, HL_KEY_A, {"type": "noop"}, clock.ms).status == 429  # /exchange shares the budget
    clock.now += 60.0
    assert hl_info(app, {"type": "userRole", "user": HL_USER_A}).status == 200
    app.configure({"hyperliquid_info_weight": False})
    assert all(hl_info(app, {"type": "meta"}).status == 200 for _ in range(10))


def test_an_unknown_info_type_still_weighs_twenty(app: SandboxApp) -> None:
    app.configure({"hyperliquid_weight_per_minute": 39})
    assert hl_info(app, {"type": "candleSnapshot"}).status == 422
    assert hl_info(app, {"type": "candleSnapshot"}).status == 429


def test_user_rate_limit_answers_for_every_seeded_address(app: SandboxApp) -> None:
    for address in (HL_USER_A, USER_B, VAULT):
        answer = payload(hl_info(app, {"type": "userRateLimit", "user": address}))
        assert answer == {"cumVlm": "0", "nRequestsUsed": 0, "nRequestsCap": 10_000_000}


def test_each_modify_counts_and_an_exhausted_address_gets_the_documented_error(
    app: SandboxApp, clock: FakeClock
) -> None:
    app.configure({"hyperliquid_address_budget": 3})
    assert payload(hl_info(app, {"type": "userRateLimit", "user": HL_USER_A}))["nRequestsCap"] == 3
    assert len(_statuses(hl_action(app, HL_KEY_A, hl_modify_action(1000002, 1000003), clock.ms))) == 2
    refused = hl_action(app, HL_KEY_A, hl_modify_action(1000004, 1000006), clock.ms + 1)
    assert (refused.status, payload(refused)) == (200, {"status": "err", "response": TOO_MANY})
    # Another address is untouched, and the refused action changed nothing.
    assert len(_statuses(hl_action(app, HL_KEY_B, hl_modify_action(1000202), clock.ms + 2))) == 1
    orders = {o["oid"]: o for o in app.world.view()["hyperliquid"]["orders"]}
    assert orders[1000004]["status"] == "open" and orders[1000006]["status"] == "open"
    clock.now += 5
    # What is left can still be used; past it, the 10 s clock started by the refusal holds.
    assert len(_statuses(hl_action(app, HL_KEY_A, hl_modify_action(1000004), clock.ms))) == 1
    assert payload(hl_action(app, HL_KEY_A, hl_modify_action(1000006), clock.ms + 1))["status"] == "err"
    clock.now += 5
    assert len(_statuses(hl_action(app, HL_KEY_A, hl_modify_action(1000006), clock.ms))) == 1
    assert payload(hl_action(app, HL_KEY_A, hl_modify_action(1000007), clock.ms + 1))["status"] == "err"
    used = payload(hl_info(app, {"type": "userRateLimit", "user": HL_USER_A}))["nRequestsUsed"]
    assert used == 4


def test_a_seed_sets_what_each_account_has_left(clock: FakeClock) -> None:
    seed = json.loads(DEFAULT_SEED.read_text())
    document = copy.deepcopy(seed)
    document["hyperliquid"]["accounts"][0]["requests_left"] = 1
    app = SandboxApp(document, clock=clock, sleep=lambda seconds: None)
    assert payload(hl_info(app, {"type": "userRateLimit", "user": HL_USER_A}))["nRequestsCap"] == 1
    assert payload(hl_info(app, {"type": "userRateLimit", "user": VAULT}))["nRequestsCap"] == 1
    assert payload(hl_info(app, {"type": "userRateLimit", "user": USER_B}))["nRequestsCap"] == 10_000_000


# --- noop ------------------------------------------------------------------------------------------------
def test_noop_uses_a_nonce_and_nothing_else(app: SandboxApp, clock: FakeClock) -> None:
    app.configure({"hyperliquid_address_budget": 0})
    before = app.world.view()
    answer = hl_action(app, HL_KEY_A, {"type": "noop"}, clock.ms)
    assert payload(answer) == {"status": "ok", "response": {"type": "default"}}
    again = payload(hl_action(app, HL_KEY_A, {"type": "noop"}, clock.ms))
    assert again == {"status": "err", "response": f"Invalid nonce: duplicate nonce {clock.ms}"}
    assert app.world.view() == before
    assert payload(hl_info(app, {"type": "userRateLimit", "user": HL_USER_A}))["nRequestsUsed"] == 0
    [entry, _, _] = app.log.entries()
    assert (entry["endpoint"], entry["kind"], entry["items"]) == ("other", "noop", 0)


def test_noop_weighs_one(app: SandboxApp, clock: FakeClock) -> None:
    app.configure({"hyperliquid_weight_per_minute": 2})
    assert [hl_action(app, HL_KEY_A, {"type": "noop"}, clock.ms + i).status for i in range(3)] == [
        200,
        200,
        429,
    ]


def test_noop_signed_for_the_wrong_network_names_an_unknown_wallet(app: SandboxApp, clock: FakeClock) -> None:
    answer = payload(hl_action(app, HL_KEY_A, {"type": "noop"}, clock.ms, mainnet=False))
    assert answer["status"] == "err"
    assert answer["response"].startswith("User or API Wallet 0x") and answer["response"].endswith(
        " does not exist."
    )
    assert HL_USER_A not in answer["response"]


def test_noop_with_extra_fields_does_not_deserialise(app: SandboxApp, clock: FakeClock) -> None:
    assert hl_action(app, HL_KEY_A, {"type": "noop", "x": 1}, clock.ms).status == 422
