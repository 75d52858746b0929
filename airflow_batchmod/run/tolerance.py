"""``min_change``: leave an order alone when an edit would move it by too little to matter.

Re-pricing by one tick costs an order its queue priority (and on cancel-and-replace venues makes
it a new order), so a desk may ask that small moves stay ``unchanged``. The rule is venue-neutral:
it compares each prepared edit's ``before`` with its ``wanted`` quote, in the instrument's ticks
and lots (:attr:`PreparedEdit.steps`, which the venue's planning fills) or in basis points of the
price and size the book shows.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from airflow_batchmod.exchanges.base import PlannedSkip, PlanStatus, Preparation, PreparedEdit

_STEP_KEYS = frozenset({"ticks", "lots"})
_BPS = Decimal(10_000)


class InvalidMinChange(ValueError):
    """``min_change`` is not one of the accepted forms; nothing is sent."""


@dataclass(frozen=True, slots=True)
class MinChange:
    """Moves up to ``ticks`` price steps and ``lots`` size steps, or up to ``bps`` basis points of
    both price and size, are too small to send. A bound left out allows no move at all."""

    ticks: Decimal | None = None
    lots: Decimal | None = None
    bps: Decimal | None = None

    def describe(self) -> str:
        if self.bps is not None:
            return f"{self.bps} bps"
        return f"{self.ticks or 0} ticks, {self.lots or 0} lots"


def parse_min_change(value: object) -> MinChange | None:
    """``value`` as a rule: None (or an empty dict, or their JSON) keeps every edit; a dict (or its JSON text) with
    ``ticks`` and/or ``lots``, or with ``bps`` alone, each a non-negative number."""
    if value is None or value == {} or value == "":
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise InvalidMinChange(f"min_change is text but not JSON: {exc.msg} at {exc.pos}") from None
        if value is None or value == {}:  # a template such as "{{ params.min_change | tojson }}"
            return None
    if not isinstance(value, dict):
        raise InvalidMinChange(
            f'min_change must be a dict like {{"ticks": 1, "lots": 0}} or {{"bps": 5}}, got {type(value).__name__}'
        )
    keys = set(value)
    if keys - (_STEP_KEYS | {"bps"}) or ("bps" in keys and keys != {"bps"}):
        raise InvalidMinChange(
            f"min_change takes either ticks and/or lots, or bps alone; got keys {sorted(map(str, keys))}"
        )
    bounds = {str(key): _bound(str(key), bound) for key, bound in value.items()}
    return MinChange(**bounds)


def _bound(key: str, value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise InvalidMinChange(f"min_change {key} must be a number, got {value!r}")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise InvalidMinChange(f"min_change {key} must be a number, got {value!r}") from None
    if not number.is_finite() or number < 0:
        raise InvalidMinChange(f"min_change {key} must be a finite number of at least 0, got {value!r}")
    return number


def apply_min_change(preparation: Preparation, rule: MinChange | None) -> Preparation:
    """``preparation`` with every edit whose move stays within ``rule`` moved to ``skipped`` as
    ``unchanged``, with a message that says so. Without a rule, ``preparation`` itself."""
    if rule is None:
        return preparation
    kept: list[PreparedEdit] = []
    skipped = list(preparation.skipped)
    for edit in preparation.edits:
        why = within(edit, rule)
        if why is None:
            kept.append(edit)
            continue
        message = f"within tolerance (min_change {rule.describe()}): {why}; not sent"
        skipped.append(
            PlannedSkip(edit.index, edit.order_key, edit.label, PlanStatus.UNCHANGED, edit.before, message)
        )
    return Preparation(edits=kept, problems=preparation.problems, skipped=skipped)


def within(edit: PreparedEdit, rule: MinChange) -> str | None:
    """How far ``edit`` moves its order, when that is within ``rule``; None when it must be sent
    (a move too large, or nothing to measure it by)."""
    before, wanted = edit.before, edit.wanted
    if before is None or wanted is None:
        return None
    price_move = abs(Decimal(wanted.price) - Decimal(before.price))
    size_move = abs(Decimal(wanted.size) - Decimal(before.size))
    if rule.bps is not None:
        price_bps = _in_bps(price_move, Decimal(before.price))
        size_bps = _in_bps(size_move, Decimal(before.size))
        if price_bps is None or size_bps is None or max(price_bps, size_bps) > rule.bps:
            return None
        return f"price moves {_show(price_bps)} bps, size {_show(size_bps)} bps"
    if edit.steps is None or Decimal(edit.steps.price) <= 0 or Decimal(edit.steps.size) <= 0:
        return None
    ticks = price_move / Decimal(edit.steps.price)
    lots = size_move / Decimal(edit.steps.size)
    if ticks > (rule.ticks or 0) or lots > (rule.lots or 0):
        return None
    return f"price moves {_show(ticks)} ticks of {edit.steps.price}, size {_show(lots)} lots of {edit.steps.size}"


def _in_bps(move: Decimal, base: Decimal) -> Decimal | None:
    if move == 0:
        return Decimal(0)
    return None if base <= 0 else move / base * _BPS


def _show(number: Decimal) -> str:
    return format(number.quantize(Decimal("0.01")).normalize(), "f")


def nothing_changed(report: Mapping[str, Any]) -> bool:
    """Whether every edit of ``report`` is ``unchanged`` (or there were none): a run that had
    nothing to do, which ``skip_when_unchanged`` ends as skipped."""
    totals = report["totals"]
    return bool(totals["unchanged"] == totals["edits"]) and not report.get("dry_run")
