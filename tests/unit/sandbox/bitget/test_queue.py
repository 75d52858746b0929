"""Bitget "continuous modification" in-process with a fake clock: delay, sequence, depth, failures."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_batchmod.sandbox.app import SandboxApp
from airflow_batchmod.sandbox.market import FillRequest, fill
from tests.support.sandbox_app import bitget_call, bitget_codes, make_app, sandbox_clock
from tests.support.timing import FakeClock

DELAY_MS = 500


@pytest.fixture
def clock() -> FakeClock:
    return sandbox_clock()


@pytest.fixture
def app(clock: FakeClock) -> SandboxApp:
    app = make_app(clock)
    app.configure({"bitget_apply_delay_ms": DELAY_MS, "rate_limits": False})
    return app


def _order(app: SandboxApp, order_id: str) -> dict[str, Any]:
    app.settle()
    return next(o for o in app.world.view()["bitget"]["orders"] if o["orderId"] == order_id)


def test_items_apply_when_due_in_request_order(app: SandboxApp, clock: FakeClock) -> None:
    assert bitget_codes(bitget_call(app, [{"orderId": "1001", "price": "59800.0"}], clock.ms)) == [None]
    clock.now += 0.1
    assert bitget_codes(bitget_call(app, [{"orderId": "1001", "qty": "0.020"}], clock.ms)) == [None]
    clock.now += DELAY_MS / 1000 - 0.1 - 0.001
    assert (_order(app, "1001")["price"], _order(app, "1001")["pendingModifications"]) == ("59900.0", 2)
    clock.now += 0.001
    first = _order(app, "1001")
    assert (first["price"], first["qty"], first["pendingModifications"]) == ("59800.0", "0.010", 1)
    clock.now += 0.1
    second = _order(app, "1001")
    assert (second["price"], second["qty"], second["modifications"]) == ("59800.0", "0.020", 2)
    # Applied when due, not when someone looked.
    assert second["pendingModifications"] == 0


def test_five_queued_per_order_then_25572_while_other_orders_still_queue(
    app: SandboxApp, clock: FakeClock
) -> None:
    codes = [
        bitget_codes(bitget_call(app, [{"orderId": "1001", "price": f"5980{n}.0"}], clock.ms))[0]
        for n in range(6)
    ]
    assert codes == [None] * 5 + ["25572"]
    assert bitget_codes(bitget_call(app, [{"orderId": "1002", "price": "59700.0"}], clock.ms)) == [None]
    clock.now += DELAY_MS / 1000
    assert _order(app, "1001")["price"] == "59804.0"
    # Once the queue has drained, the order takes modifications again.
    assert bitget_codes(bitget_call(app, [{"orderId": "1001", "price": "59700.0"}], clock.ms)) == [None]


def test_a_failure_at_apply_time_cancels_with_auto_cancel_and_skips_the_rest(
    app: SandboxApp, clock: FakeClock
) -> None:
    items = [{"orderId": "1001", "qty": "0.004", "autoCancel": "yes"}]
    assert bitget_codes(bitget_call(app, items, clock.ms)) == [None]
    assert bitget_codes(bitget_call(app, [{"orderId": "1001", "price": "59800.0"}], clock.ms)) == [None]
    # The market trades 0.006 before the engine reaches the first item: 0.004 is now below the filled qty.
    fill(
        app.world, FillRequest.model_validate({"venue": "bitget", "order": "1001", "size": "0.006"}), clock.ms
    )
    clock.now += DELAY_MS / 1000
    order = _order(app, "1001")
    assert (order["status"], order["price"], order["modifications"]) == ("cancelled", "59900.0", 0)
    assert order["lastModifyError"].startswith("25573")  # the second item was skipped


def test_no_change_is_judged_when_applied(app: SandboxApp, clock: FakeClock) -> None:
    assert bitget_codes(bitget_call(app, [{"orderId": "1001", "price": "59800.0"}], clock.ms)) == [None]
    assert bitget_codes(bitget_call(app, [{"orderId": "1001", "price": "59900.0"}], clock.ms)) == [None]
    assert bitget_codes(bitget_call(app, [{"orderId": "1001", "price": "59900.0"}], clock.ms)) == [None]
    clock.now += DELAY_MS / 1000
    order = _order(app, "1001")
    # The second returns the price to where it was (a change at that moment); the third changes nothing.
    assert (order["price"], order["modifications"], order["lastModifyError"]) == (
        "59900.0",
        2,
        "25571 The modification price and qty is the same as the original value",
    )


def test_gateway_checks_still_answer_at_once(app: SandboxApp, clock: FakeClock) -> None:
    items = [
        {"orderId": "1001", "price": "59800.05"},
        {"orderId": "9002", "price": "59000.0"},
        {"orderId": "777", "price": "1.0"},
    ]
    assert bitget_codes(bitget_call(app, items, clock.ms)) == ["25244", "25568", "25204"]
    assert _order(app, "1001")["pendingModifications"] == 0


def test_fill_before_apply_without_a_delay_fails_at_once(clock: FakeClock) -> None:
    app = make_app(clock)
    app.faults.replace([{"venue": "bitget", "fault": "fill_before_apply"}])
    response = bitget_call(
        app, [{"orderId": "1001", "price": "59800.0"}, {"orderId": "1002", "price": "59700.0"}], clock.ms
    )
    assert bitget_codes(response) == ["25568", None]
    assert (_order(app, "1001")["status"], _order(app, "1002")["price"]) == ("filled", "59700.0")


def test_queued_items_under_new_order_ids_follow_the_order_through_each_renewal(
    app: SandboxApp, clock: FakeClock
) -> None:
    app.configure({"bitget_modify_new_order_id": True})
    assert bitget_codes(bitget_call(app, [{"orderId": "1001", "price": "59800.0"}], clock.ms)) == [None]
    assert bitget_codes(bitget_call(app, [{"orderId": "1001", "qty": "0.020"}], clock.ms)) == [None]
    clock.now += DELAY_MS / 1000
    app.settle()
    chain = [o for o in app.world.view()["bitget"]["orders"] if o["clientOid"] == "ladder-1"]
    assert [(o["status"], o["cancelReason"]) for o in chain[:-1]] == [("cancelled", "modify_limit_order")] * 2
    live = chain[-1]
    assert (live["status"], live["price"], live["qty"]) == ("live", "59800.0", "0.020")
    assert live["orderId"] not in ("1001", chain[1]["orderId"]) and live["replaces"] == chain[1]["orderId"]
