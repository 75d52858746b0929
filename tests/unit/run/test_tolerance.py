"""``min_change``: which rules are accepted, and which moves they keep from being sent."""

from __future__ import annotations

from decimal import Decimal

import pytest

from airflow_batchmod.exchanges.base import PlanStatus, Preparation, PreparedEdit, Quote
from airflow_batchmod.run.tolerance import (
    InvalidMinChange,
    MinChange,
    apply_min_change,
    nothing_changed,
    parse_min_change,
    within,
)


def edit(
    before: tuple[str, str], wanted: tuple[str, str], steps: tuple[str, str] | None = ("0.1", "0.01")
) -> PreparedEdit:
    return PreparedEdit(
        0,
        "orderId:1",
        "g",
        "BTC 1",
        None,
        before=Quote(*before),
        wanted=Quote(*wanted),
        steps=Quote(*steps) if steps else None,
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ({}, None),
        ({"ticks": 2}, MinChange(ticks=Decimal(2))),
        ({"ticks": 1, "lots": 3}, MinChange(ticks=Decimal(1), lots=Decimal(3))),
        ('{"bps": 2.5}', MinChange(bps=Decimal("2.5"))),
    ],
)
def test_accepted_rules(value: object, expected: MinChange | None) -> None:
    assert parse_min_change(value) == expected


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ({"bps": 1, "lots": 1}, "either ticks and/or lots, or bps alone"),
        ({"tick": 1}, "either ticks and/or lots, or bps alone"),
        ({"ticks": -1}, "at least 0"),
        ({"ticks": "many"}, "must be a number"),
        ({"bps": True}, "must be a number"),
        ({"bps": "NaN"}, "finite"),
        ("{ticks: 1}", "not JSON"),
        ([1], "must be a dict"),
    ],
)
def test_refused_rules_say_why(value: object, problem: str) -> None:
    with pytest.raises(InvalidMinChange, match=problem):
        parse_min_change(value)


def test_ticks_and_lots_bound_each_side() -> None:
    rule = MinChange(ticks=Decimal(1), lots=Decimal(0))
    assert within(edit(("100", "1"), ("100.1", "1")), rule) is not None
    assert within(edit(("100", "1"), ("99.9", "1")), rule) is not None
    assert within(edit(("100", "1"), ("100.2", "1")), rule) is None
    assert within(edit(("100", "1"), ("100", "1.01")), rule) is None
    assert within(edit(("100", "1"), ("100", "1.01")), MinChange(lots=Decimal(1))) is not None


def test_nothing_to_measure_by_means_send() -> None:
    rule = MinChange(ticks=Decimal(5))
    assert within(edit(("100", "1"), ("100.1", "1"), steps=None), rule) is None
    assert within(edit(("100", "1"), ("100.1", "1"), steps=("0", "0.01")), rule) is None


def test_bps_bounds_price_and_size() -> None:
    rule = MinChange(bps=Decimal(10))
    assert within(edit(("100", "1"), ("100.1", "1.001"), steps=None), rule) is not None
    assert within(edit(("100", "1"), ("100.2", "1"), steps=None), rule) is None
    assert within(edit(("100", "1"), ("100", "1.002"), steps=None), rule) is None


def test_apply_moves_small_edits_to_skipped_with_a_message() -> None:
    small = edit(("100", "1"), ("100.1", "1"))
    large = PreparedEdit(
        1,
        "orderId:2",
        "g",
        "BTC 2",
        None,
        before=Quote("100", "1"),
        wanted=Quote("101", "1"),
        steps=Quote("0.1", "0.01"),
    )
    result = apply_min_change(Preparation([small, large], []), MinChange(ticks=Decimal(1)))
    assert result.edits == [large]
    (skip,) = result.skipped
    assert skip.status is PlanStatus.UNCHANGED and skip.index == 0 and skip.before == Quote("100", "1")
    assert skip.message is not None and skip.message.startswith(
        "within tolerance (min_change 1 ticks, 0 lots)"
    )


def test_no_rule_keeps_the_preparation() -> None:
    preparation = Preparation([edit(("100", "1"), ("100.1", "1"))], [])
    assert apply_min_change(preparation, None) is preparation


def test_nothing_changed() -> None:
    assert nothing_changed({"totals": {"edits": 2, "unchanged": 2}})
    assert nothing_changed({"totals": {"edits": 0, "unchanged": 0}})
    assert not nothing_changed({"totals": {"edits": 2, "unchanged": 1}})
