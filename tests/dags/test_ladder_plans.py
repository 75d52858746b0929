"""The ladder arithmetic the example DAGs share (``dags_examples/ladder_plans.py``), without Airflow runs."""

from __future__ import annotations

from decimal import Decimal

import pytest

from airflow_batchmod.testing.sandbox import DEFAULT_SEED, load_seed_document
from tests.support.schedule_soak import ladder_plans

plans = ladder_plans()


def test_every_rung_names_a_resting_order_of_the_default_seed() -> None:
    seed = load_seed_document(DEFAULT_SEED)
    bitget = plans.load_ladder("bitget")
    orders = {o["clientOid"]: o for o in seed["bitget"]["orders"]}
    for rung in bitget["rungs"]:
        order = orders[rung["clientOid"]]
        assert (order["symbol"], order["category"]) == (bitget["symbol"], bitget["category"])
        assert order["side"] == ("buy" if rung["level"] < 0 else "sell")
    hyperliquid = plans.load_ladder("hyperliquid")
    by_cloid = {o["cloid"]: o for o in seed["hyperliquid"]["orders"] if o["cloid"]}
    users = {by_cloid[rung["cloid"]]["user"] for rung in hyperliquid["rungs"]}
    assert users == {seed["hyperliquid"]["accounts"][0]["address"]}
    for rung in hyperliquid["rungs"]:
        order = by_cloid[rung["cloid"]]
        assert order["coin"] == hyperliquid["coin"]
        assert order["side"] == ("B" if rung["level"] < 0 else "A")


def test_bitget_rungs_sit_on_ticks_around_the_centre_and_rest_their_size_again_after_a_fill() -> None:
    ladder = plans.load_ladder("bitget")
    book = [
        {"order_id": "7000000000000000001", "client_id": "ladder-1", "filled_size": "0.004"},
        {"order_id": "1016", "client_id": "ladder-16", "filled_size": "0"},
    ]
    edits = plans.ladder_edits("bitget", "60123.4", book)
    # Named by clientOid, which survives a modify that gives the order a new orderId.
    assert [edit["clientOid"] for edit in edits] == [rung["clientOid"] for rung in ladder["rungs"]]
    assert all("orderId" not in edit for edit in edits)
    for rung, edit in zip(ladder["rungs"], edits, strict=True):
        price = Decimal(edit["price"])
        assert price % Decimal(ladder["tick"]) == 0
        assert (price < Decimal("60123.4")) == (rung["level"] < 0)
        filled = Decimal("0.004") if rung["clientOid"] == "ladder-1" else Decimal(0)
        # Bitget's qty counts the filled part: the rung rests its size again, never below the fill.
        assert Decimal(edit["qty"]) == Decimal(rung["qty"]) + filled


def test_hyperliquid_rungs_are_addressed_by_cloid_with_five_significant_figures() -> None:
    ladder = plans.load_ladder("hyperliquid")
    edits = plans.ladder_edits("hyperliquid", "60123.4")
    for rung, edit in zip(ladder["rungs"], edits, strict=True):
        assert edit["cloid"] == rung["cloid"] and "oid" not in edit
        assert edit["is_buy"] == (rung["level"] < 0)
        assert len(Decimal(edit["price"]).normalize().as_tuple().digits) <= 5
        assert edit["size"] == rung["size"]


def test_an_unknown_connection_type_has_no_ladder() -> None:
    with pytest.raises(ValueError, match="use bitget or hyperliquid"):
        plans.ladder_edits("http", "1")
