"""Hostile ``edits`` case by case: empty, not a list, JSON text, numbers too small, 100,000 bad edits."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from airflow_batchmod.testing.operator_run import OperatorRun
from airflow_batchmod.testing.sandbox import Sandbox
from tests.integration.conftest import RunOperator
from tests.support.hostile_input import BITGET_POOL, HL_POOL, named_edits, reset
from tests.support.sandbox_state import modify_requests

VENUE = {"bitget_default": "bitget", "hyperliquid_default": "hyperliquid"}


# -- explicit cases ---------------------------------------------------------------------------------


@pytest.mark.parametrize("conn_id", ["bitget_default", "hyperliquid_default"])
@pytest.mark.parametrize("empty", [[], (), "[]", " [ ] ", '{"edits": []}'], ids=repr)
def test_no_edits_succeeds_with_an_empty_report(
    run_operator: RunOperator, sandbox_conns: Sandbox, conn_id: str, empty: Any
) -> None:
    run = run_operator(conn_id, empty)
    assert run.error is None
    assert run.report is not None
    assert run.report["edits"] == []
    assert run.report["totals"] == {
        "modified": 0,
        "unchanged": 0,
        "not_open": 0,
        "would_modify": 0,
        "rejected": 0,
        "failed": 0,
        "unknown": 0,
        "invalid": 0,
        "not_sent": 0,
        "cancelled": 0,
        "superseded": 0,
        "edits": 0,
    }
    assert run.report["requests"] == 0
    assert modify_requests(sandbox_conns, VENUE[conn_id]) == []


@pytest.mark.parametrize("conn_id", ["bitget_default", "hyperliquid_default"])
@pytest.mark.parametrize(
    ("edits", "says"),
    [
        ({"orderId": "1001"}, "got dict"),
        ({"edits": "[]"}, "got dict"),
        ("not json at all", "not JSON"),
        ("[{'orderId': '1001'}]", "not JSON"),
        ("", "not JSON"),
        ("42", "got int"),
        ('{"orderId": "1001"}', "got dict"),
        ("null", "got NoneType"),
        (42, "got int"),
        (3.5, "got float"),
        (None, "got NoneType"),
        (True, "got bool"),
        ({1, 2}, "got set"),
        (b"[]", "got bytes"),
    ],
    ids=repr,
)
def test_edits_that_are_not_a_list_are_refused(
    run_operator: RunOperator, sandbox_conns: Sandbox, conn_id: str, edits: Any, says: str
) -> None:
    from airflow.sdk.exceptions import AirflowFailException

    run = run_operator(conn_id, edits)
    assert type(run.error) is AirflowFailException
    assert says in str(run.error)
    assert run.ti.xcoms == {}
    assert sandbox_conns.requests() == []


def test_json_text_is_read_like_the_list_it_holds(run_operator: RunOperator, sandbox_conns: Sandbox) -> None:
    edits = [BITGET_POOL[0], {**BITGET_POOL[1], "price": "59795.55"}]
    as_list = run_operator("bitget_default", edits)
    reset(sandbox_conns)
    as_text = run_operator("bitget_default", json.dumps(edits))
    reset(sandbox_conns)
    wrapped = run_operator("bitget_default", json.dumps({"edits": edits}))
    for run in (as_list, as_text, wrapped):
        assert run.report is not None
        assert str(run.error) == str(as_list.error)
        assert [(e["status"], e["label"]) for e in run.report["edits"]] == [
            (e["status"], e["label"])
            for e in as_list.report["edits"]  # type: ignore[index]
        ]
    assert "edit #1" in str(as_list.error)


@pytest.mark.parametrize(
    ("conn_id", "edit", "field"),
    [
        # Refused today, but only because Bitget's remainder check happens to see 1e-1000030.
        pytest.param("bitget_default", {**BITGET_POOL[0], "price": "1e-1000030"}, "price", id="bitget-price"),
        pytest.param(
            "bitget_default",
            {**BITGET_POOL[0], "price": "0.1e-999999999"},
            "price",
            id="bitget-price-far-below",
        ),
        pytest.param(
            "hyperliquid_default",
            {**HL_POOL[0], "price": "1e-1000030"},
            "price",
            id="hl-price",
        ),
        pytest.param(
            "hyperliquid_default",
            {**HL_POOL[0], "size": "1e-1000030"},
            "size",
            id="hl-size",
        ),
    ],
)
def test_a_positive_number_too_small_for_decimal_is_refused_before_sending(
    run_operator: RunOperator, sandbox_conns: Sandbox, conn_id: str, edit: dict[str, Any], field: str
) -> None:
    from airflow.sdk.exceptions import AirflowFailException

    run = run_operator(conn_id, [edit])
    assert modify_requests(sandbox_conns, VENUE[conn_id]) == []
    assert type(run.error) is AirflowFailException
    assert "edit #0" in str(run.error) and field in str(run.error)


@pytest.mark.parametrize("conn_id", ["bitget_default", "hyperliquid_default"])
def test_a_tiny_but_representable_number_does_not_blow_up_the_report(
    run_operator: RunOperator, sandbox_conns: Sandbox, conn_id: str
) -> None:
    from airflow.sdk.exceptions import AirflowFailException

    pool = BITGET_POOL if conn_id == "bitget_default" else HL_POOL
    run = run_operator(conn_id, [{**pool[0], "price": "1e-999990"}])
    assert type(run.error) is AirflowFailException
    assert modify_requests(sandbox_conns, VENUE[conn_id]) == []
    assert len(str(run.error)) < 2_000
    assert len(json.dumps(run.ti.xcoms)) < 10_000


# -- 100,000 edits ---------------------------------------------------------------------------------

BIG = 100_000


def assert_big_refusal(run: OperatorRun, sandbox: Sandbox, venue: str, first_label: str) -> None:
    from airflow.sdk.exceptions import AirflowFailException

    assert type(run.error) is AirflowFailException
    message = str(run.error)
    assert message.startswith(f"{BIG} of {BIG} edits are invalid; nothing was sent:")
    assert named_edits(message) == set(range(50))
    assert first_label in message.splitlines()[1]
    assert message.endswith(f"... and {BIG - 50} more (see the report)")
    assert modify_requests(sandbox, venue) == []
    report = run.ti.xcoms["return_value"]
    assert report["totals"]["invalid"] == BIG and report["totals"]["edits"] == BIG
    assert [e["index"] for e in report["edits"]] == list(range(BIG))
    assert {e["status"] for e in report["edits"]} == {"invalid"}


# The report stays inline here: the default path writes it to report_path, which today costs
# about 40 s for 100,000 entries (json.dump through an ObjectStoragePath handle; see
# test_a_report_over_the_inline_limit_keeps_xcom_small for what XCom then holds).
INLINE = {"inline_report_limit": BIG}


@pytest.mark.parametrize("conn_id", ["bitget_default", "hyperliquid_default"])
def test_100k_invalid_edits(run_operator: RunOperator, sandbox_conns: Sandbox, conn_id: str) -> None:
    edits: list[Any] = [{"orderId": i} if i % 2 else ["not", "an", "edit"] for i in range(BIG)]
    run = run_operator(conn_id, edits, **INLINE)
    assert_big_refusal(run, sandbox_conns, VENUE[conn_id], "edit #0 (")


def info_requests(sandbox: Sandbox) -> int:
    return sum(1 for r in sandbox.requests() if r["venue"] == "hyperliquid" and r["endpoint"] != "modify")


def test_100k_valid_looking_bitget_edits_for_unknown_orders_off_tick(
    run_operator: RunOperator, sandbox_conns: Sandbox
) -> None:
    """Well-formed edits for orders nobody has, all off the tick: refused whole, nothing sent."""
    edits = [
        {"orderId": str(7_000_000 + i), "symbol": "BTCUSDT", "category": "USDT-FUTURES", "price": "60000.05"}
        for i in range(BIG)
    ]
    run = run_operator("bitget_default", edits, **INLINE)
    assert_big_refusal(run, sandbox_conns, "bitget", "edit #0 (orderId=7000000 BTCUSDT price=60000.05)")


def test_100k_valid_looking_hyperliquid_edits_for_unknown_orders_off_tick(
    run_operator: RunOperator, sandbox_conns: Sandbox
) -> None:
    edits = [
        {"oid": 7_000_000 + i, "coin": "SOL", "is_buy": True, "price": "140.12345", "size": "2"}
        for i in range(BIG)
    ]
    # A small probe first, so the bug shows in a second rather than after minutes of lookups.
    probe = run_operator("hyperliquid_default", edits[:200])
    assert probe.report is not None and probe.report["totals"]["invalid"] == 200
    looked_up = info_requests(sandbox_conns)
    assert looked_up <= 5, f"prepare made {looked_up} /info requests for 200 off-tick edits"
    reset(sandbox_conns)
    run = run_operator("hyperliquid_default", edits, **INLINE)
    assert_big_refusal(run, sandbox_conns, "hyperliquid", "edit #0 (oid=7000000 SOL buy 2@140.12345)")


def test_a_report_over_the_inline_limit_keeps_xcom_small(
    run_operator: RunOperator, sandbox_conns: Sandbox, tmp_path: Path
) -> None:
    edits = [{"orderId": str(i)} for i in range(5_000)]
    run = run_operator("bitget_default", edits, report_path=tmp_path.as_uri(), inline_report_limit=2_000)
    xcom = run.ti.xcoms["return_value"]
    assert xcom["totals"]["invalid"] == 5_000
    full = json.loads(Path(xcom["full_report"].removeprefix("file://")).read_text())
    assert [e["index"] for e in full["edits"]] == list(range(5_000))
    # The point of the file: XCom (the metadata database) holds at most the inline limit.
    assert len(xcom["edits"]) <= 2_000, f"XCom keeps {len(xcom['edits'])} entries"
