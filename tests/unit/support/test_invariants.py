"""The soak and crash tests' invariant checker catches what it exists to catch."""

from __future__ import annotations

import copy
from typing import Any

from tests.support.invariants import HYPERLIQUID_USER, STATUSES, check_bitget, check_hyperliquid


def bitget_state(*orders: tuple[str, str, int]) -> dict[str, Any]:
    return {
        "bitget": {
            "orders": [
                {
                    "uid": "1001",
                    "orderId": oid,
                    "clientOid": f"c-{oid}",
                    "price": price,
                    "qty": "0.010",
                    "status": "live",
                    "modifications": mods,
                }
                for oid, price, mods in orders
            ]
        }
    }


def report(*entries: tuple[str, str | None]) -> dict[str, Any]:
    edits = [
        {"index": i, "status": status, "order_id": order_id, "resumed": False}
        for i, (status, order_id) in enumerate(entries)
    ]
    totals = {s: sum(e["status"] == s for e in edits) for s in STATUSES}
    return {"totals": {**totals, "edits": len(edits)}, "edits": edits}


BITGET_EDITS = [
    {"orderId": "1", "price": "101"},
    {"orderId": "2", "price": "201"},
    {"orderId": "1", "price": "102"},
]
BEFORE = bitget_state(("1", "100", 0), ("2", "200", 0), ("3", "300", 0))


def test_bitget_run_that_kept_the_invariant_passes() -> None:
    after = bitget_state(("1", "102", 2), ("2", "201", 1), ("3", "300", 0))
    run = report(("modified", "1"), ("modified", "2"), ("modified", "1"))
    assert check_bitget(BITGET_EDITS, run, BEFORE, after, task_failed=False) == []


def test_bitget_double_application_and_stale_values_are_caught() -> None:
    after = bitget_state(("1", "101", 3), ("2", "200", 1), ("3", "300", 1))
    run = report(("modified", "1"), ("rejected", None), ("modified", "1"))
    problems = check_bitget(BITGET_EDITS, run, BEFORE, after, task_failed=True)
    assert any("order 1 was modified 3 times" in p for p in problems)
    assert any("order 1 holds price 101" in p for p in problems)
    assert any("order 2 was modified 1 times" in p for p in problems)  # rejected, yet applied
    assert any("order 3 was modified 1 times" in p for p in problems)  # nobody asked


def test_unknown_allows_either_outcome_but_must_fail_the_task() -> None:
    after = bitget_state(("1", "101", 1), ("2", "201", 1), ("3", "300", 0))
    run = report(("modified", "1"), ("modified", "2"), ("unknown", None))
    assert check_bitget(BITGET_EDITS, run, BEFORE, after, task_failed=True) == []
    assert check_bitget(BITGET_EDITS, run, BEFORE, after, task_failed=False) == [
        "1 edits are unknown but the task succeeded",
        "the task succeeded with statuses {'modified': 2, 'unknown': 1} (fail_on='any')",
    ]


def test_report_without_exactly_one_entry_per_edit_is_caught() -> None:
    after = bitget_state(("1", "102", 2), ("2", "201", 1), ("3", "300", 0))
    run = report(("modified", "1"), ("modified", "2"), ("modified", "1"))
    run["edits"][2]["index"] = 1
    assert check_bitget(BITGET_EDITS, run, BEFORE, after, task_failed=False) == [
        "report indices are [0, 1, 1], expected 0..2 once each"
    ]


def hl_order(
    oid: int, px: str, *, replaced_by: int | None = None, replaces: int | None = None
) -> dict[str, Any]:
    return {
        "user": HYPERLIQUID_USER,
        "oid": oid,
        "cloid": None,
        "coin": "SOL",
        "side": "B",
        "limitPx": px,
        "sz": "1",
        "origSz": "1",
        "status": "canceled" if replaced_by else "open",
        "replacedBy": replaced_by,
        "replaces": replaces,
    }


def test_hyperliquid_chain_must_match_the_reported_oids() -> None:
    before = {"hyperliquid": {"orders": [hl_order(10, "140")]}}
    edits = [{"oid": 10, "price": "139", "size": "1"}, {"oid": 10, "price": "138", "size": "1"}]
    good = {
        "hyperliquid": {
            "orders": [
                hl_order(10, "140", replaced_by=11),
                hl_order(11, "139", replaced_by=12, replaces=10),
                hl_order(12, "138", replaces=11),
            ]
        }
    }
    assert (
        check_hyperliquid(
            edits, report(("modified", "11"), ("modified", "12")), before, good, task_failed=False
        )
        == []
    )
    assert check_hyperliquid(
        edits, report(("modified", "12"), ("modified", "11")), before, good, task_failed=False
    ) == ["order 10: reported new oids ['12', '11'], but the sandbox replaced it by ['11', '12']"]
    stray = copy.deepcopy(good)
    stray["hyperliquid"]["orders"].append(hl_order(13, "138"))
    problems = check_hyperliquid(
        edits, report(("modified", "11"), ("modified", "12")), before, stray, task_failed=False
    )
    assert problems and problems[0].startswith("order 13 appeared without replacing")
