"""The "never lose or double-apply an edit" invariant, checked against the sandbox's order state.

Shared by the crash-recovery tests, the fault soak test and its long run (``tests/support/soak_cli.py``). Every check
returns a list of violations (empty when the invariant holds) instead of asserting, so the
benchmark can count them and a test can show all of them at once.

What must hold after a run (``before`` and ``after`` are ``Sandbox.state()`` documents):

* the report has exactly one entry per input edit, indices ``0..n-1`` in order, and its totals
  agree with its entries;
* an order was modified at least once per edit naming it that is reported ``modified`` and at
  most once more per edit reported ``unknown``; edits with any other status changed nothing.
  Bitget counts applied modifications per order (a modify that gives the order a new orderId,
  ``bitget_modify_new_order_id``, carries the count to the order named in ``replacedBy``);
  on Hyperliquid every modify replaces the order, so the count is the length of its
  ``replacedBy`` chain;
* a ``modified`` edit's values are in place unless a later edit of the same order replaced
  them; on Hyperliquid the reported new oid is the order that replaced the one it targeted;
* orders no edit names are untouched, and no order appears that no chain explains;
* an ``unknown`` edit fails the task, and with ``fail_on="any"`` the task fails exactly when
  some edit is not ``modified``, ``unchanged``, ``not_open`` or ``would_modify``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from tests.support.sandbox_state import bitget_orders, hyperliquid_orders

STATUSES = (
    "modified",
    "unchanged",
    "not_open",
    "would_modify",
    "rejected",
    "failed",
    "unknown",
    "invalid",
    "not_sent",
    "cancelled",
)
#: Statuses that never fail the task under ``fail_on="any"``.
FINE = frozenset({"modified", "unchanged", "not_open", "would_modify"})

BITGET_UID = "1001"
HYPERLIQUID_USER = "0x14791697260e4c9a71f18484c9f997b308e59325"

Report = Mapping[str, Any]
Edit = Mapping[str, Any]


def check_report(
    report: Report | None, edit_count: int, *, task_failed: bool, fail_on: str = "any"
) -> list[str]:
    """Exactly one entry per edit, consistent totals, and a task outcome that matches them."""
    if report is None:
        return ["no report was returned or pushed"]
    problems: list[str] = []
    entries = report["edits"]
    if not _one_entry_per_edit(report, edit_count):
        indices = [entry["index"] for entry in entries]
        problems.append(f"report indices are {indices}, expected 0..{edit_count - 1} once each")
    counts = Counter(entry["status"] for entry in entries)
    for status in counts:
        if status not in STATUSES:
            problems.append(f"unexpected status {status!r} in the report")
    totals = {status: counts.get(status, 0) for status in STATUSES}
    reported = {status: report["totals"].get(status) for status in STATUSES}
    if reported != totals or report["totals"].get("edits") != len(entries):
        problems.append(f"report totals {report['totals']} disagree with its entries {dict(counts)}")
    if counts.get("unknown") and not task_failed:
        problems.append(f"{counts['unknown']} edits are unknown but the task succeeded")
    if fail_on == "any":
        should_fail = any(entry["status"] not in FINE for entry in entries)
        if should_fail != task_failed:
            outcome = "failed" if task_failed else "succeeded"
            problems.append(f"the task {outcome} with statuses {dict(counts)} (fail_on='any')")
    return problems


def _one_entry_per_edit(report: Report, edit_count: int) -> bool:
    return [entry["index"] for entry in report["edits"]] == list(range(edit_count))


def _entries_by_status(
    entries: Sequence[Mapping[str, Any]], indices: Sequence[int], status: str
) -> list[int]:
    return [i for i in indices if entries[i]["status"] == status]


# -- Bitget ---------------------------------------------------------------------------------------


def bitget_order_id(edit: Edit, orders: Mapping[str, Mapping[str, Any]]) -> str | None:
    """The orderId an edit names, directly or by clientOid; None for an order that does not exist."""
    if "orderId" in edit:
        return str(edit["orderId"]) if str(edit["orderId"]) in orders else None
    for order in orders.values():
        if order["clientOid"] == edit.get("clientOid"):
            return str(order["orderId"])
    return None


def check_bitget(
    edits: Sequence[Edit],
    report: Report | None,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    *,
    task_failed: bool,
    fail_on: str = "any",
) -> list[str]:
    problems = check_report(report, len(edits), task_failed=task_failed, fail_on=fail_on)
    if report is None or not _one_entry_per_edit(report, len(edits)):
        return problems
    entries = report["edits"]
    old, new = bitget_orders(before, BITGET_UID), bitget_orders(after, BITGET_UID)
    named: dict[str | None, list[int]] = {}
    for index, edit in enumerate(edits):
        named.setdefault(bitget_order_id(edit, old), []).append(index)
    for index in _entries_by_status(entries, named.pop(None, []), "modified"):
        problems.append(f"edit #{index} names no existing order but is reported modified")
    for order_id, order in old.items():
        indices = named.get(order_id, [])
        chain = bitget_chain(new, order_id)
        problems += _check_bitget_order(chain, order, new[chain[-1]], edits, entries, indices)
    return problems


def bitget_chain(orders: Mapping[str, Mapping[str, Any]], order_id: str) -> list[str]:
    """``order_id`` and the orders that replaced it, in turn, up to the one that carries it now."""
    chain = [order_id]
    while (successor := orders[chain[-1]].get("replacedBy")) is not None:
        chain.append(str(successor))
    return chain


def _check_bitget_order(
    chain: Sequence[str],
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    edits: Sequence[Edit],
    entries: Sequence[Mapping[str, Any]],
    indices: Sequence[int],
) -> list[str]:
    problems: list[str] = []
    order_id = chain[0]
    modified = _entries_by_status(entries, indices, "modified")
    # An edit that took the order off the book may have applied first (a post-only cross).
    unknown = _entries_by_status(entries, indices, "unknown") + _entries_by_status(
        entries, indices, "cancelled"
    )
    if _entries_by_status(entries, indices, "cancelled") and new["status"] != "cancelled":
        problems.append(f"order {order_id} is reported cancelled but is {new['status']}")
    applied = new["modifications"] - old["modifications"]
    if not len(modified) <= applied <= len(modified) + len(unknown):
        problems.append(
            f"order {order_id} was modified {applied} times for edits {list(indices)}: "
            f"{len(modified)} reported modified, {len(unknown)} unknown"
        )
    for index in modified:
        if entries[index]["order_id"] not in chain:
            problems.append(
                f"edit #{index} reports order_id {entries[index]['order_id']!r}, not one of {chain}"
            )
    price, qty = Decimal(old["price"]), Decimal(old["qty"])
    prices = {price}
    for index in sorted(modified + unknown):
        if "price" in edits[index]:
            prices.add(Decimal(str(edits[index]["price"])))
        if index in modified:
            price = Decimal(str(edits[index].get("price", price)))
            qty = Decimal(str(edits[index].get("qty", qty)))
    if unknown:
        # Whether an unknown edit took effect is exactly what nobody knows; any of them may have.
        if Decimal(new["price"]) not in prices:
            problems.append(f"order {order_id} has price {new['price']}, which no edit asked for")
    elif (Decimal(new["price"]), Decimal(new["qty"])) != (price, qty):
        problems.append(
            f"order {order_id} holds price {new['price']} qty {new['qty']}; the report implies "
            f"price {price} qty {qty} (edits {list(indices)})"
        )
    return problems


# -- Hyperliquid ----------------------------------------------------------------------------------


def replacement_chain(orders: Mapping[int, Mapping[str, Any]], oid: int) -> list[int]:
    """``oid`` followed by the orders that replaced it, one modify after another."""
    chain = [oid]
    while chain[-1] in orders and orders[chain[-1]]["replacedBy"] is not None:
        chain.append(int(orders[chain[-1]]["replacedBy"]))
    return chain


def hyperliquid_start_oid(edit: Edit, orders: Mapping[int, Mapping[str, Any]], user: str) -> int | None:
    """The seeded order an edit names, by oid or by cloid; None when there is no such order."""
    wire = edit.get("order")
    target = edit.get("oid", edit.get("cloid"))
    if isinstance(wire, Mapping) and "oid" in edit:
        target = edit["oid"]
    if isinstance(target, int) or (isinstance(target, str) and target.isdigit()):
        oid = int(target)
        return oid if oid in orders and orders[oid]["user"] == user else None
    for oid, order in orders.items():
        if order["user"] == user and order["cloid"] == target and order["status"] == "open":
            return oid
    return None


def edit_price_size(edit: Edit) -> tuple[Decimal, Decimal]:
    wire = edit.get("order")
    if isinstance(wire, Mapping):
        return Decimal(str(wire["p"])), Decimal(str(wire["s"]))
    return Decimal(str(edit["price"])), Decimal(str(edit["size"]))


def check_hyperliquid(
    edits: Sequence[Edit],
    report: Report | None,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    *,
    task_failed: bool,
    user: str = HYPERLIQUID_USER,
    fail_on: str = "any",
) -> list[str]:
    problems = check_report(report, len(edits), task_failed=task_failed, fail_on=fail_on)
    if report is None or not _one_entry_per_edit(report, len(edits)):
        return problems
    entries = report["edits"]
    old, new = hyperliquid_orders(before), hyperliquid_orders(after)
    named: dict[int | None, list[int]] = {}
    for index, edit in enumerate(edits):
        named.setdefault(hyperliquid_start_oid(edit, old, user), []).append(index)
    for index in _entries_by_status(entries, named.pop(None, []), "modified"):
        problems.append(f"edit #{index} names no existing order but is reported modified")
    explained: set[int] = set(old)
    for oid, order in old.items():
        indices = named.get(oid, [])
        chain = replacement_chain(new, oid)
        explained.update(chain)
        problems += _check_hyperliquid_chain(oid, order, chain, new, edits, entries, indices)
    for oid in sorted(set(new) - explained):
        problems.append(f"order {oid} appeared without replacing an order any edit named: {new[oid]}")
    return problems


def _check_hyperliquid_chain(
    oid: int,
    old: Mapping[str, Any],
    chain: Sequence[int],
    new: Mapping[int, Mapping[str, Any]],
    edits: Sequence[Edit],
    entries: Sequence[Mapping[str, Any]],
    indices: Sequence[int],
) -> list[str]:
    problems: list[str] = []
    modified = _entries_by_status(entries, indices, "modified")
    unknown = _entries_by_status(entries, indices, "unknown")
    replaced = len(chain) - 1
    if not len(modified) <= replaced <= len(modified) + len(unknown):
        problems.append(
            f"order {oid} was replaced {replaced} times ({list(chain)}) for edits {list(indices)}: "
            f"{len(modified)} reported modified, {len(unknown)} unknown"
        )
        return problems
    reported = [entries[i]["order_id"] for i in modified]
    replacements = [str(o) for o in chain[1:]]
    if unknown:
        position = 0
        for order_id in reported:
            while position < len(replacements) and replacements[position] != order_id:
                position += 1
            if position == len(replacements):
                problems.append(
                    f"order {oid}: reported new oids {reported} are not along its chain {list(chain)}"
                )
                break
            position += 1
        return problems
    if reported != replacements:
        problems.append(
            f"order {oid}: reported new oids {reported}, but the sandbox replaced it by {replacements}"
        )
        return problems
    for index, new_oid in zip(modified, chain[1:], strict=True):
        placed = new[new_oid]
        price, size = edit_price_size(edits[index])
        if (Decimal(placed["limitPx"]), Decimal(placed["origSz"])) != (price, size):
            problems.append(
                f"edit #{index}: order {new_oid} holds {placed['origSz']}@{placed['limitPx']}, "
                f"the edit asked for {size}@{price}"
            )
    if not modified:
        last = new[oid]
        if (last["status"], last["limitPx"], last["sz"]) != (old["status"], old["limitPx"], old["sz"]):
            problems.append(f"order {oid} changed although no edit of it is reported modified: {last}")
    return problems
