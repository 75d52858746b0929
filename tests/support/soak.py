"""Soak rounds: random faults and random edits from a seeded RNG, then the invariant.

One round resets the sandbox to the default seed, installs a few fault rules, runs
``BatchModifyOrdersOperator.execute()`` once on a random subset of the seeded orders (some
listed twice, some that the exchange refuses by design) and checks
:mod:`tests.support.invariants` against the sandbox's state. ``tests/integration/test_fault_soak.py``
runs a few rounds; ``python -m tests.support.soak_cli`` runs many.

The operator reads its connections from ``AIRFLOW_CONN_*``; the caller sets them (see
``airflow_batchmod.testing.dags.sandbox_connections``).
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from airflow_batchmod.testing.operator_run import run_operator
from airflow_batchmod.testing.sandbox import DEFAULT_SEED, Sandbox
from tests.support.invariants import BITGET_UID, HYPERLIQUID_USER, check_bitget, check_hyperliquid
from tests.support.sandbox_state import bitget_orders, hyperliquid_orders

EXCHANGES = ("bitget", "hyperliquid")
CONN_IDS = {"bitget": "bitget_default", "hyperliquid": "hyperliquid_default"}

#: Answers slower than this are read timeouts. Latency spikes that delay the *answer* after the
#: exchange acted go beyond it. Spikes that hold the request before the exchange acts stay below
#: it unless ``late_apply`` is asked for: a request the exchange applies after the client gave up
#: breaks the invariant today (see the late-apply tests in test_fault_soak.py).
REQUEST_TIMEOUT = 1.0

#: Price steps that keep every seeded order's new price on its instrument's tick.
HYPERLIQUID_PRICE_UNIT = {
    "BTC": Decimal(10),
    "ETH": Decimal("0.5"),
    "SOL": Decimal("0.25"),
    "PURR/USDC": Decimal("0.001"),
    # The seed's builder-deployed (HIP-3) perps.
    "xyz:TSLA": Decimal("0.05"),
    "xyz:NVDA": Decimal("0.05"),
}


@dataclass
class RoundPlan:
    exchange: str
    edits: list[dict[str, Any]]
    faults: list[dict[str, Any]]
    fault_seed: int
    operator: dict[str, Any]


@dataclass
class RoundOutcome:
    plan: RoundPlan
    report: dict[str, Any] | None
    error: str | None
    #: Faults that fired, by kind (``bitget_code`` and ``latency`` split by code and timing).
    injected: Counter[str]
    violations: list[str]
    seconds: float
    statuses: Counter[str] = field(default_factory=Counter)


# -- faults ---------------------------------------------------------------------------------------


def random_faults(rng: random.Random, exchange: str, *, late_apply: bool = False) -> list[dict[str, Any]]:
    """One to three modify-endpoint rules, and now and then a failing order query."""
    kinds = ["http_500", "http_429", "drop_before", "drop_after", "latency"]
    kinds.append("bitget_code" if exchange == "bitget" else "http_500_after")
    rules: list[dict[str, Any]] = []
    for _ in range(rng.randint(1, 3)):
        kind = rng.choice(kinds)
        rule: dict[str, Any] = {
            "venue": exchange,
            "endpoint": "modify",
            "fault": kind,
            "times": rng.randint(1, 3),
            "probability": rng.choice([0.3, 0.6, 1.0]),
        }
        if kind == "bitget_code":
            rule["code"] = rng.choice(["40010", "40725", "45001"])
            rule["after_apply"] = rng.random() < 0.5
        if kind == "latency":
            rule["after_apply"] = rng.random() < 0.5
            # A slow answer after applying may outlast the timeout; a slow arrival only when asked to,
            # and then always (the late-apply run is there to count what that breaks).
            if rule["after_apply"]:
                rule["latency_ms"] = rng.randrange(200, 1600, 100)
            elif late_apply:
                rule["latency_ms"] = rng.randrange(1100, 3100, 100)
            else:
                rule["latency_ms"] = rng.randrange(200, int(REQUEST_TIMEOUT * 1000) - 300, 100)
        rules.append(rule)
    if rng.random() < 0.25:
        rules.append(
            {
                "venue": exchange,
                "endpoint": "query",
                "fault": rng.choice(["http_500", "drop_before"]),
                "times": 1,
            }
        )
    return rules


def fault_label(rule: dict[str, Any]) -> str:
    label = f"{rule['endpoint']}:{rule['fault']}"
    if rule["fault"] == "bitget_code":
        label += f":{rule['code']}"
    if rule.get("after_apply"):
        label += ":after_apply"
    if rule["fault"] == "latency" and rule["latency_ms"] > REQUEST_TIMEOUT * 1000:
        label += ":timeout" if rule.get("after_apply") else ":late_apply"
    return label


def fired(stats: dict[str, Any]) -> Counter[str]:
    """How often each installed rule fired (every rule here has a finite ``times``)."""
    counts: Counter[str] = Counter()
    for rule in stats["rules"]:
        used = rule["times"] - rule["remaining"]
        if used:
            counts[fault_label(rule)] += used
    return counts


# -- edits ----------------------------------------------------------------------------------------


def _insert_later(rng: random.Random, edits: list[dict[str, Any]], after: int, edit: dict[str, Any]) -> None:
    edits.insert(rng.randint(after + 1, len(edits)), edit)


def bitget_edit(order: dict[str, Any], ticks: int, *, qty_steps: int = 0) -> dict[str, Any]:
    """Move a seeded order away from the touch by ``ticks`` whole price units (and resize it)."""
    move = Decimal(ticks) if order["side"] == "sell" else -Decimal(ticks)
    edit = {
        "orderId": order["orderId"],
        "symbol": order["symbol"],
        "category": order["category"],
        "price": str(Decimal(order["price"]) + move),
    }
    if qty_steps:
        edit["qty"] = str(Decimal(order["qty"]) + Decimal("0.01") * qty_steps)
    return edit


def bitget_edits(rng: random.Random, before: dict[str, Any]) -> list[dict[str, Any]]:
    orders = bitget_orders(before, BITGET_UID)
    ladder = [o for id_, o in sorted(orders.items()) if id_.startswith("10") and o["status"] == "live"]
    picked = rng.sample(ladder, rng.randint(6, 24))
    if rng.random() < 0.5:
        picked.append(orders["9001"])  # partially filled: a new price is accepted
    edits = [bitget_edit(o, rng.randint(1, 40), qty_steps=rng.choice([0, 0, 1, 2])) for o in picked]
    for position in rng.sample(range(len(edits)), rng.randint(0, 3)):
        order = orders[edits[position]["orderId"]]
        _insert_later(rng, edits, position, bitget_edit(order, rng.randint(41, 80)))
    refused = [
        bitget_edit(orders["9002"], 3),  # filled: not_open
        bitget_edit(orders["9003"], 3),  # cancelled: not_open
        bitget_edit(orders["9004"], 3),  # reduce-only: invalid
        {**bitget_edit(orders["9001"], 0), "qty": "0.030"},  # below the filled 0.040: invalid
    ]
    if rng.random() < 0.4:
        for edit in rng.sample(refused, rng.randint(1, 2)):
            edits.insert(rng.randint(0, len(edits)), edit)
    return edits


def hyperliquid_edit(order: dict[str, Any], units: int, *, by_cloid: bool = False) -> dict[str, Any]:
    """Move one of account A's resting orders away from the mark by ``units`` price steps."""
    is_buy = order["side"] == "B"
    move = HYPERLIQUID_PRICE_UNIT[order["coin"]] * units
    edit: dict[str, Any] = {"oid": order["oid"]} if not by_cloid else {"cloid": order["cloid"]}
    edit.update(
        coin=order["coin"],
        is_buy=is_buy,
        price=str(Decimal(order["limitPx"]) - move if is_buy else Decimal(order["limitPx"]) + move),
        size=order["sz"],
        order_type=order["orderType"],
    )
    return edit


def hyperliquid_edits(rng: random.Random, before: dict[str, Any]) -> list[dict[str, Any]]:
    orders = hyperliquid_orders(before)
    resting = [
        o
        for oid, o in sorted(orders.items())
        if o["user"] == HYPERLIQUID_USER and o["status"] == "open" and "limit" in o["orderType"]
    ]
    picked = rng.sample(resting, rng.randint(6, 30))
    edits = [
        hyperliquid_edit(o, rng.randint(1, 20), by_cloid=bool(o["cloid"]) and rng.random() < 0.25)
        for o in picked
    ]
    for position in rng.sample(range(len(edits)), rng.randint(0, 3)):
        _insert_later(rng, edits, position, {**edits[position], "price": _further(edits[position], rng)})
    sol_buy = orders[1000040]
    refused = [
        {**hyperliquid_edit(sol_buy, 1), "price": "151"},  # crosses the mark: needs always-place
        {**hyperliquid_edit(sol_buy, 1), "size": "0.05"},  # worth less than $10
        {**hyperliquid_edit(sol_buy, 1), "oid": 1000999},  # no such order
    ]
    if rng.random() < 0.4:
        for edit in rng.sample(refused, rng.randint(1, 2)):
            edits.insert(rng.randint(0, len(edits)), edit)
    return edits


def _further(edit: dict[str, Any], rng: random.Random) -> str:
    """A second price for a repeated order: further from the mark than the first edit's."""
    unit = HYPERLIQUID_PRICE_UNIT[edit["coin"]] * rng.randint(1, 5)
    price = Decimal(edit["price"])
    return str(price - unit if edit["is_buy"] else price + unit)


# -- rounds ---------------------------------------------------------------------------------------


def plan_round(
    rng: random.Random, exchange: str, before: dict[str, Any], *, late_apply: bool = False
) -> RoundPlan:
    edits = bitget_edits(rng, before) if exchange == "bitget" else hyperliquid_edits(rng, before)
    return RoundPlan(
        exchange=exchange,
        edits=edits,
        faults=random_faults(rng, exchange, late_apply=late_apply),
        fault_seed=rng.randrange(2**31),
        operator={
            "chunk_size": rng.choice([3, 5, 8, 20]),
            "max_in_flight": rng.choice([1, 2, 4]),
            # Now and then so few attempts that two transient faults on one edit make it ``failed``.
            "max_attempts": rng.choice([2, 5, 5]),
            "request_timeout": REQUEST_TIMEOUT,
        },
    )


def execute_operator(
    conn_id: str, edits: list[dict[str, Any]], store: Any = None, **operator_kwargs: Any
) -> tuple[dict[str, Any] | None, str | None]:
    """Run ``execute()`` once like a task try would; returns (report, error text or None)."""
    run = run_operator(conn_id, edits, store=store if store is not None else "memory", **operator_kwargs)
    return run.report, run.error_text


def soak_round(
    sandbox: Sandbox,
    rng: random.Random,
    exchange: str,
    *,
    late_apply: bool = False,
    mode: Mapping[str, object] | None = None,
) -> RoundOutcome:
    """Reset, plan, fault, run, check; ``mode`` is the sandbox config the round plays (e.g.
    ``{"hyperliquid_failed_modify": "keeps_original"}``, see docs/venue-behaviour.md)."""
    sandbox.reset(DEFAULT_SEED)
    if mode:
        sandbox.configure(**mode)
    sandbox.clear_requests()
    before = sandbox.state()
    plan = plan_round(rng, exchange, before, late_apply=late_apply)
    sandbox.set_faults(plan.faults, seed=plan.fault_seed)
    started = time.monotonic()
    report, error = execute_operator(CONN_IDS[exchange], plan.edits, **plan.operator)
    seconds = time.monotonic() - started
    injected = fired(sandbox.fault_stats())
    sandbox.clear_faults()
    wait_until_answered(sandbox)
    after = sandbox.state()
    check = check_bitget if exchange == "bitget" else check_hyperliquid
    violations = check(plan.edits, report, before, after, task_failed=error is not None)
    statuses = Counter(entry["status"] for entry in report["edits"]) if report else Counter()
    return RoundOutcome(plan, report, error, injected, violations, seconds, statuses)


def wait_until_answered(sandbox: Sandbox, timeout: float = 30.0) -> None:
    """Let requests still held inside the sandbox (a latency spike outlasting the run) finish first."""
    deadline = time.monotonic() + timeout
    while any(r["status"] is None and r["fault"] is None for r in sandbox.requests()):
        if time.monotonic() > deadline:
            raise RuntimeError("a request stayed inside the sandbox for more than 30 s")
        time.sleep(0.05)
