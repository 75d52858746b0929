"""One order named two ways in one run (an id in one edit, a client id in another): the edits go
out one at a time, in input order, and the book ends at the last one."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from airflow_batchmod.testing.sandbox import Sandbox
from tests.support.sandbox_state import bitget_orders, hyperliquid_orders, modify_requests
from tests.support.soak import bitget_edit, execute_operator, hyperliquid_edit


def statuses(report: dict[str, Any] | None) -> list[str]:
    assert report is not None
    return [entry["status"] for entry in report["edits"]]


@pytest.mark.parametrize("new_order_id", [False, True], ids=["id_kept", "new_order_id"])
def test_bitget_order_named_by_order_id_and_by_client_oid(sandbox_conns: Sandbox, new_order_id: bool) -> None:
    sandbox_conns.configure(bitget_modify_new_order_id=new_order_id)
    order = bitget_orders(sandbox_conns)["1001"]
    by_id = bitget_edit(order, 5)
    by_client_oid = {**bitget_edit(order, 9), "clientOid": order["clientOid"]}
    del by_client_oid["orderId"]
    report, error = execute_operator("bitget_default", [by_id, by_client_oid])
    assert error is None, error
    assert statuses(report) == ["modified", "modified"]
    assert len(modify_requests(sandbox_conns, "bitget")) == 2
    live = [o for o in bitget_orders(sandbox_conns).values() if o["clientOid"] == order["clientOid"]]
    (now,) = [o for o in live if o["status"] == "live"]
    assert Decimal(now["price"]) == Decimal(by_client_oid["price"])


def test_hyperliquid_order_named_by_oid_and_by_cloid(sandbox_conns: Sandbox) -> None:
    order = hyperliquid_orders(sandbox_conns)[1000037]
    assert order["cloid"]
    edits = [hyperliquid_edit(order, 1), hyperliquid_edit(order, 3, by_cloid=True)]
    report, error = execute_operator("hyperliquid_default", edits)
    assert error is None, error
    assert statuses(report) == ["modified", "modified"]
    assert len(modify_requests(sandbox_conns, "hyperliquid")) == 2
    resting = [o for o in hyperliquid_orders(sandbox_conns).values() if o["status"] == "open"]
    (now,) = [o for o in resting if o["cloid"] == order["cloid"]]
    assert Decimal(now["limitPx"]) == Decimal(edits[1]["price"])
