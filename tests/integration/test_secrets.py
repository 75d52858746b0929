"""The Bitget secret and passphrase and the Hyperliquid private key never show up anywhere people look.

Places searched: every log record at DEBUG (root, ``airflow.task``, httpx and httpcore), everything
written to stdout and stderr (the task logger renders there), the XCom report, rendered template
fields, exception messages, and the ``repr``/``str`` of hooks, clients and credentials. Each secret
is searched in several spellings: as is, upper and lower case, hex without ``0x``, base64, and any
long fragment of it (an echo cut at 40 characters still gives most of a key away).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest

from airflow_batchmod.testing.operator_run import execute_operator
from airflow_batchmod.testing.sandbox import Sandbox
from tests.integration.conftest import RunOperator
from tests.support.secret_search import (
    BITGET_KEY,
    BITGET_PASSPHRASE,
    BITGET_SECRET,
    HL_KEY,
    assert_clean,
    assert_run_clean,
    btc_edit,
    leaks,
    sol_edit,
)

# -- the search itself -----------------------------------------------------------------------


def test_the_search_finds_every_spelling() -> None:
    """Guards the guard: a leak in any of these spellings must be caught."""
    bare = HL_KEY.removeprefix("0x")
    for text in (
        f"x {BITGET_SECRET} y",
        BITGET_PASSPHRASE.upper(),
        bare.upper(),
        "got '" + HL_KEY[:37] + "...'",
        base64.b64encode(bytes.fromhex(bare)).decode(),
        base64.b64encode(BITGET_SECRET.encode()).decode(),
    ):
        assert leaks(text), text
    assert leaks("orderId=1001 BTCUSDT price=59895.5 0x14791697260e4c9a71f18484c9f997b308e59325") == []


# -- a normal run, at DEBUG --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("conn_id", "edits"),
    [
        (
            "bitget_default",
            [btc_edit("1001", "59895.5"), btc_edit("1002", "59795.5"), btc_edit("9002", "59010")],
        ),
        (
            "hyperliquid_default",
            [sol_edit(1000037, "148.5"), sol_edit(1000038, "147.5"), sol_edit(99, "140")],
        ),
    ],
)
def test_a_normal_run_at_debug_shows_no_secret(
    run_operator: RunOperator, task_logs: Callable[[], str], conn_id: str, edits: list[dict[str, Any]]
) -> None:
    run = run_operator(conn_id, edits)
    logs = task_logs()
    # The capture must really hold the run's logs, or a clean result means nothing.
    assert "HTTP Request: POST" in logs  # httpx at DEBUG/INFO
    assert "send_request_headers" in logs  # httpcore at DEBUG
    assert "edit #0" in logs and "Summary for apply_edits" in logs
    assert run.report is not None
    # The third order is not open: the plan names its state without sending it.
    assert [e["status"] for e in run.report["edits"]] == ["modified", "modified", "not_open"]
    assert_run_clean(run, logs)


# -- input that echoes a secret ------------------------------------------------------------------

BITGET_ECHOES = [
    pytest.param({**btc_edit(), "price": BITGET_SECRET}, id="price"),
    pytest.param({**btc_edit(), "qty": BITGET_PASSPHRASE}, id="qty"),
    pytest.param({**btc_edit(), "orderId": BITGET_SECRET + "!"}, id="orderId"),
    pytest.param({**btc_edit(), "clientOid": BITGET_PASSPHRASE + " x", "orderId": None}, id="clientOid"),
    pytest.param({**btc_edit(), "symbol": BITGET_SECRET}, id="symbol-upper-cased"),
    pytest.param({**btc_edit(), "category": BITGET_PASSPHRASE}, id="category"),
    pytest.param({**btc_edit(), "autoCancel": BITGET_SECRET}, id="autoCancel"),
    pytest.param({**btc_edit(), BITGET_SECRET: 1}, id="unknown-key"),
    pytest.param({**btc_edit(), "price": {"nested": [BITGET_PASSPHRASE]}}, id="nested"),
    pytest.param(BITGET_SECRET, id="non-dict"),
]

HL_ECHOES = [
    pytest.param({**sol_edit(), "new_cloid": HL_KEY}, id="new_cloid"),
    pytest.param({**sol_edit(), "oid": HL_KEY}, id="oid"),
    pytest.param({**sol_edit(), "coin": HL_KEY}, id="coin"),
    pytest.param({**sol_edit(), "price": HL_KEY}, id="price"),
    pytest.param({**sol_edit(), HL_KEY: True}, id="unknown-key"),
    pytest.param({"oid": 1000037, "order": {"a": HL_KEY}}, id="wire-form"),
    pytest.param(HL_KEY.removeprefix("0x"), id="non-dict-bare-hex"),
]


@pytest.mark.parametrize("on_invalid", ["fail", "skip"])
@pytest.mark.parametrize("bad", BITGET_ECHOES)
def test_bitget_validation_errors_do_not_echo_secrets(
    run_operator: RunOperator, task_logs: Callable[[], str], bad: Any, on_invalid: str
) -> None:
    run = run_operator("bitget_default", [btc_edit("1002", "59795.5"), bad], on_invalid=on_invalid)
    assert run.error is not None
    assert run.report is not None and run.report["edits"][1]["status"] == "invalid"
    if on_invalid == "fail":
        assert "edit #1" in str(run.error)
    assert_run_clean(run, task_logs())


@pytest.mark.parametrize("on_invalid", ["fail", "skip"])
@pytest.mark.parametrize("bad", HL_ECHOES)
def test_hyperliquid_validation_errors_do_not_echo_the_key(
    run_operator: RunOperator, task_logs: Callable[[], str], bad: Any, on_invalid: str
) -> None:
    run = run_operator("hyperliquid_default", [sol_edit(1000038, "147.5"), bad], on_invalid=on_invalid)
    assert run.error is not None
    assert run.report is not None and run.report["edits"][1]["status"] == "invalid"
    if on_invalid == "fail":
        assert "edit #1" in str(run.error)
    assert_run_clean(run, task_logs())


# -- templates -----------------------------------------------------------------------------------


def _template_context() -> dict[str, Any]:
    from airflow.sdk.execution_time.context import ConnectionAccessor

    return {
        "conn": ConnectionAccessor(),
        "params": {"conn_id": "bitget_default", "bump": "5"},
        "ds": "2024-01-01",
    }


def test_rendered_fields_of_normal_templates_hold_no_secret(sandbox_conns: Sandbox) -> None:
    from airflow_batchmod.operators.batch_modify import BatchModifyOrdersOperator

    op = BatchModifyOrdersOperator(
        task_id="apply_edits",
        conn_id="{{ params.conn_id }}",
        edits='[{"orderId": "1001", "symbol": "BTCUSDT", "category": "USDT-FUTURES", '
        '"price": "5990{{ params.bump }}"}]',
        report_path="file:///tmp/reports/{{ ds }}",
    )
    context: Any = _template_context()
    op.render_template_fields(context)
    assert op.conn_id == "bitget_default"
    assert json.loads(op.edits)[0]["price"] == "59905"
    assert op.report_path == "file:///tmp/reports/2024-01-01"
    assert_clean(json.dumps([op.conn_id, op.edits, op.report_path]), "the rendered fields")


def test_a_template_that_pulls_a_secret_into_an_edit_is_not_echoed(
    sandbox_conns: Sandbox, task_logs: Callable[[], str]
) -> None:
    """Rendering ``conn.<id>.password`` is Airflow's business; echoing it back out is ours."""
    from airflow.sdk.exceptions import AirflowFailException

    from airflow_batchmod.operators.batch_modify import BatchModifyOrdersOperator

    op = BatchModifyOrdersOperator(
        task_id="apply_edits",
        conn_id="bitget_default",
        edits='[{"orderId": "1001", "symbol": "BTCUSDT", "category": "USDT-FUTURES", '
        '"price": "{{ conn.bitget_default.password }}"}]',
    )
    context: Any = _template_context()
    op.render_template_fields(context)
    assert BITGET_SECRET in op.edits  # Airflow rendered it; what follows is the operator's part
    run = execute_operator(op, context=context)
    assert isinstance(run.error, AirflowFailException)
    assert "edit #0" in str(run.error)
    assert_clean(str(run.error), "the validation error")
    assert_clean(json.dumps(run.xcoms), "the XCom")
    assert_clean(task_logs(), "the task log")


# -- reprs -------------------------------------------------------------------------------------------


def test_reprs_of_hooks_clients_and_credentials_hold_no_secret(sandbox_conns: Sandbox) -> None:
    from airflow_batchmod.exchanges.bitget.client import BitgetClient, BitgetCredentials
    from airflow_batchmod.exchanges.hyperliquid.client import HyperliquidClient
    from airflow_batchmod.hooks.bitget import BitgetHook
    from airflow_batchmod.hooks.hyperliquid import HyperliquidHook

    credentials = BitgetCredentials(api_key=BITGET_KEY, secret=BITGET_SECRET, passphrase=BITGET_PASSPHRASE)
    bitget_hook = BitgetHook("bitget_default")
    hl_hook = HyperliquidHook("hyperliquid_default")
    bitget_client = bitget_hook.get_client()
    hl_client = hl_hook.get_client()
    direct_bitget = BitgetClient(credentials, base_url=sandbox_conns.url)
    direct_hl = HyperliquidClient(HL_KEY, base_url=sandbox_conns.url)
    try:
        objects: list[object] = [
            credentials,
            bitget_hook,
            hl_hook,
            bitget_client,
            hl_client,
            direct_bitget,
            direct_hl,
        ]
        for obj in objects:
            shown = f"{obj!r} {obj!s} {[obj]!r} { ({'x': obj})!s} {obj:}"
            assert_clean(shown, f"repr/str of {type(obj).__name__}")
        # The clients' own attributes, as a debugger or a careless log of vars() would show them.
        for client in (bitget_client, hl_client):
            assert_clean(repr(vars(client)), f"vars() of {type(client).__name__}")
    finally:
        for client in (bitget_client, hl_client, direct_bitget, direct_hl):
            client.close()


def test_hooks_register_every_spelling_with_airflows_log_masker(sandbox_conns: Sandbox) -> None:
    """In a real task Airflow's masker is the last line of defence for logs; it matches exactly."""
    from airflow.sdk._shared.secrets_masker import redact as airflow_redact

    from airflow_batchmod.hooks.bitget import BitgetHook
    from airflow_batchmod.hooks.hyperliquid import HyperliquidHook

    BitgetHook("bitget_default").get_client().close()
    HyperliquidHook("hyperliquid_default").get_client().close()
    bare = HL_KEY.removeprefix("0x")
    for spelling in (BITGET_SECRET, BITGET_PASSPHRASE, HL_KEY, bare, bare.upper(), HL_KEY.upper()):
        masked = str(airflow_redact(f"before {spelling} after"))
        assert_clean(masked, f"Airflow's masking of {spelling[:6]}...")
