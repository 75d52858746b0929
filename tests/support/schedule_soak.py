"""The ladder DAG as a schedule: many ``airflow dags test`` runs in a row on one sandbox book.

Between runs the market does what a market does, drawn from a seeded random generator: the mid
moves or not, and random ladder orders are partly or completely filled. Each run is judged from
the exchange's side (the sandbox's state before and after, and its request log):

- the run succeeded;
- a quiet run (mid unchanged, nothing filled) sent no modify request;
- no order was modified twice in the run;
- every ``before``/``after`` in the report is what the sandbox showed before/after the run;
- after the run every open rung rests at its price for the current mid, with its size resting.

Used by ``tests/dags/test_schedule_soak.py`` (ten runs per venue) and by
``python -m benchmarks soak --schedule`` (``tests.support.soak_cli``), for many more.
"""

from __future__ import annotations

import importlib.util
import random
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

from airflow_batchmod.testing.dags import DagRunResult, run_dag_test
from airflow_batchmod.testing.sandbox import DEFAULT_SEED, Sandbox, load_seed_document
from tests.support.sandbox_state import State, modify_requests

DAG_ID = "batchmod_rebalance_ladder"
DAGS_FOLDER = Path(__file__).resolve().parents[2] / "dags_examples"
VENUES = ("bitget", "hyperliquid")
CONN_IDS = {"bitget": "bitget_default", "hyperliquid": "hyperliquid_default"}
#: Where the ladders sit in the default seed: (symbol, Bitget category).
MARKETS = {"bitget": ("BTCUSDT", "USDT-FUTURES"), "hyperliquid": ("BTC", None)}
LOT = Decimal("0.001")


def ladder_plans() -> ModuleType:
    """The DAGs' own ladder arithmetic (``dags_examples/ladder_plans.py``), loaded from its file."""
    spec = importlib.util.spec_from_file_location("ladder_plans", DAGS_FOLDER / "ladder_plans.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass
class Market:
    """What happened to the market before one run."""

    mid: Decimal
    moved: bool = False
    fills: list[str] = field(default_factory=list)  # "<order> all" or "<order> 0.003"
    #: The first run meets the seed's book, which sits off the ladder.
    first: bool = False

    @property
    def quiet(self) -> bool:
        return not self.first and not self.moved and not self.fills


@dataclass
class ScheduledRun:
    number: int
    venue: str
    market: Market
    statuses: Counter[str] = field(default_factory=Counter)
    modify_requests: int = 0
    violations: list[str] = field(default_factory=list)


@dataclass
class Rung:
    """One ladder order as the sandbox shows it: its ids, price, resting size and whether it rests."""

    order: dict[str, Any] | None
    price: Decimal | None = None
    resting: Decimal | None = None


def ladder_rungs(venue: str, ladder: Mapping[str, Any], state: State) -> dict[str, Rung]:
    """The ladder's orders in a sandbox state, by rung id (Bitget clientOid, Hyperliquid cloid).

    A rung is its open order with the rung's id (replacements share it on both venues).
    """
    rungs: dict[str, Rung] = {}
    if venue == "bitget":
        live = ("live", "partially_filled")
        open_by_oid = {o["clientOid"]: o for o in state["bitget"]["orders"] if o["status"] in live}
        for rung in ladder["rungs"]:
            order = open_by_oid.get(rung["clientOid"])
            if order is not None:
                resting = Decimal(order["qty"]) - Decimal(order["filledQty"])
                rungs[rung["clientOid"]] = Rung(order, Decimal(order["price"]), resting)
            else:
                rungs[rung["clientOid"]] = Rung(None)
        return rungs
    open_by_cloid = {o["cloid"]: o for o in state["hyperliquid"]["orders"] if o["status"] == "open"}
    for rung in ladder["rungs"]:
        order = open_by_cloid.get(rung["cloid"])
        rungs[rung["cloid"]] = (
            Rung(order, Decimal(order["limitPx"]), Decimal(order["sz"])) if order else Rung(None)
        )
    return rungs


def book_quote(venue: str, order: Mapping[str, Any]) -> tuple[Decimal, Decimal]:
    """An order's price and size as the report's ``before``/``after`` state them (Bitget: qty)."""
    if venue == "bitget":
        return Decimal(order["price"]), Decimal(order["qty"])
    return Decimal(order["limitPx"]), Decimal(order["sz"])


#: What the market does between two runs.
CHANGES = ("quiet", "move", "fill", "move and fill")


def change_plan(rng: random.Random, runs: int) -> list[str]:
    """The change before each run after the first: every kind once in the first runs, then at random."""
    first = list(CHANGES)
    rng.shuffle(first)
    return (first + [rng.choice(CHANGES) for _ in range(runs)])[: max(0, runs - 1)]


def move_market(
    sandbox: Sandbox, rng: random.Random, venue: str, ladder: Mapping[str, Any], market: Market, change: str
) -> Market:
    """Between two runs: the mid moves or not, and some open ladder orders fill, partly or wholly."""
    symbol, category = MARKETS[venue]
    mid, moved = market.mid, False
    if "move" in change:
        mid += rng.choice([-1, 1]) * rng.randint(1, 150)
        moved = True
        price = f"{mid:.1f}" if venue == "bitget" else str(mid)
        sandbox.mark(venue, symbol, price, category=category)
    fills: list[str] = []
    if "fill" in change:
        open_rungs = [
            (key, rung) for key, rung in ladder_rungs(venue, ladder, sandbox.state()).items() if rung.order
        ]
        # The first order drawn fills completely, the others partly (when more than a lot rests).
        drawn = rng.sample(open_rungs, k=min(len(open_rungs), rng.randint(2, 3)))
        for number, (key, rung) in enumerate(drawn):
            assert rung.resting is not None and rung.order is not None
            lots = int(rung.resting / LOT)
            # A Bitget clientOid is unique per account only: fill the order by its orderId.
            target = rung.order["orderId"] if venue == "bitget" else key
            if number and lots > 1:
                size = str(LOT * rng.randint(1, lots - 1))
                sandbox.fill(venue, target, size)
                fills.append(f"{key} {size}")
            else:
                sandbox.fill(venue, target)
                fills.append(f"{key} all")
    return Market(mid, moved, fills)


def judge_run(
    venue: str,
    ladder: Mapping[str, Any],
    plans: ModuleType,
    market: Market,
    before: State,
    after: State,
    result: DagRunResult,
    modifies: int,
) -> tuple[Counter[str], list[str]]:
    """The run's statuses and every invariant it broke, judged from the sandbox's side."""
    if result.returncode != 0 or result.state != "success":
        return Counter(), [f"the run did not succeed ({result.state}): {result.output[-1500:]}"]
    violations: list[str] = []
    report = result.report("apply_edits")
    statuses = Counter(str(entry["status"]) for entry in report["edits"])
    if market.quiet and (modifies or statuses["modified"]):
        violations.append(f"a quiet run sent {modifies} modify requests ({dict(statuses)})")
    rungs_before = ladder_rungs(venue, ladder, before)
    rungs_after = ladder_rungs(venue, ladder, after)
    keys = [rung["clientOid" if venue == "bitget" else "cloid"] for rung in ladder["rungs"]]
    violations += modified_twice(venue, before, after)
    for key, entry in zip(keys, report["edits"], strict=True):
        was, now = rungs_before[key], rungs_after[key]
        if (entry["status"] == "not_open") != (was.order is None):
            violations.append(
                f"{key}: {entry['status']} although the order was {'' if was.order else 'not '}open"
            )
        for side, rung in (("before", was), ("after", now)):
            quote = entry.get(side)
            if quote is None or rung.order is None:
                if quote is None and (side, entry["status"]) in (
                    ("before", "unchanged"),
                    ("after", "modified"),
                ):
                    violations.append(f"{key}: {entry['status']} without a '{side}'")
                continue
            shown = book_quote(venue, rung.order)
            if (Decimal(quote["price"]), Decimal(quote["size"])) != shown:
                violations.append(f"{key}: report {side} {quote} but the sandbox shows {shown}")
    violations += off_their_rungs(venue, ladder, plans, market.mid, rungs_after)
    return statuses, violations


def modified_twice(venue: str, before: State, after: State) -> list[str]:
    if venue == "bitget":
        # A replacement (bitget_modify_new_order_id) carries its clientOid's modification count on.
        def counts(state: State) -> Counter[str]:
            most: Counter[str] = Counter()
            for o in state["bitget"]["orders"]:
                most[o["clientOid"]] = max(most[o["clientOid"]], int(o["modifications"]))
            return most

        was, now = counts(before), counts(after)
        return [
            f"order {oid} modified {now[oid] - was[oid]} times in one run"
            for oid in now
            if now[oid] - was[oid] > 1
        ]
    known = {o["oid"] for o in before["hyperliquid"]["orders"]}
    new = [o for o in after["hyperliquid"]["orders"] if o["oid"] not in known]
    replaced_again = [o for o in new if o["replacedBy"] is not None]
    per_cloid = Counter(o["cloid"] for o in new)
    return [
        f"oid {o['oid']} (new this run) was replaced again by {o['replacedBy']}" for o in replaced_again
    ] + [f"cloid {cloid} replaced {n} times in one run" for cloid, n in per_cloid.items() if n > 1]


def off_their_rungs(
    venue: str, ladder: Mapping[str, Any], plans: ModuleType, mid: Decimal, rungs: Mapping[str, Rung]
) -> list[str]:
    """Every open rung rests at its price for ``mid``, with its size resting."""
    expected_edits = plans.ladder_edits(venue, str(mid))
    violations = []
    for rung, edit in zip(ladder["rungs"], expected_edits, strict=True):
        key = rung["clientOid" if venue == "bitget" else "cloid"]
        now = rungs[key]
        size = Decimal(rung["qty" if venue == "bitget" else "size"])
        if now.order is not None and (now.price, now.resting) != (Decimal(edit["price"]), size):
            violations.append(f"{key} rests at {now.price} x {now.resting}, not {edit['price']} x {size}")
    return violations


def run_schedule(
    sandbox: Sandbox,
    env: Mapping[str, str],
    venue: str,
    runs: int,
    rng: random.Random,
    on_run: Callable[[ScheduledRun], None] = lambda run: None,
    mode: Mapping[str, object] | None = None,
) -> list[ScheduledRun]:
    """Reset the sandbox (to ``mode``, a sandbox config), then run the ladder DAG ``runs`` times in
    a row with the market moving between."""
    plans = ladder_plans()
    ladder = plans.load_ladder(venue)
    sandbox.reset(DEFAULT_SEED)
    if mode:
        sandbox.configure(**mode)
    sandbox.clear_faults()
    market = Market(seed_mid(venue), first=True)  # the seed's mark: where the first run centres
    outcomes: list[ScheduledRun] = []
    changes = change_plan(rng, runs)
    for number in range(runs):
        if number:
            market = move_market(sandbox, rng, venue, ladder, market, changes[number - 1])
        sandbox.clear_requests()
        before = sandbox.state()
        result = run_dag_test(DAG_ID, env, conf={"conn_id": CONN_IDS[venue]})
        after = sandbox.state()
        modifies = len(modify_requests(sandbox, venue))
        statuses, violations = judge_run(venue, ladder, plans, market, before, after, result, modifies)
        outcome = ScheduledRun(number, venue, market, statuses, modifies, violations)
        outcomes.append(outcome)
        on_run(outcome)
    return outcomes


def seed_mid(venue: str) -> Decimal:
    """The default seed's mark price of the ladder's market."""
    symbol, category = MARKETS[venue]
    marks = load_seed_document(DEFAULT_SEED)[venue]["mark_prices"]
    return Decimal(marks[category][symbol] if category else marks[symbol])


def run_line(run: ScheduledRun) -> str:
    statuses = ", ".join(f"{k}={v}" for k, v in sorted(run.statuses.items()))
    change = "first run" if run.market.first else "mid moved" if run.market.moved else "mid unchanged"
    change = "quiet" if run.market.quiet else change
    fills = f", filled {'; '.join(run.market.fills)}" if run.market.fills else ""
    verdict = f"{len(run.violations)} VIOLATIONS: {'; '.join(run.violations[:3])}" if run.violations else "ok"
    return (
        f"{run.number:4d} {run.venue:<11} mid {run.market.mid} ({change}{fills}) "
        f"[{statuses}] {run.modify_requests} modify requests {verdict}"
    )
