"""The extra links and the lineage a run leaves on its operator, for a run against the sandbox."""

from __future__ import annotations

from typing import Any

from airflow_batchmod.operators.batch_modify import BatchModifyOrdersOperator
from airflow_batchmod.operators.links import StoredReportLink, VenueAccountLink
from airflow_batchmod.run.journal import MemoryStore
from airflow_batchmod.testing.sandbox import Sandbox
from airflow_batchmod.testing.task_instance import FakeTaskInstance
from tests.integration.conftest import RunOperator
from tests.support.edits import sol_edits

ACCOUNT_A = "0x14791697260e4c9a71f18484c9f997b308e59325"


def run(operator: BatchModifyOrdersOperator) -> tuple[dict[str, Any] | None, BaseException | None]:
    context: Any = {"ti": FakeTaskInstance(), "task_state_store": MemoryStore()}
    try:
        return operator.execute(context), None
    except Exception as exc:
        return context["ti"].xcoms.get("return_value"), exc


def links(operator: BatchModifyOrdersOperator) -> dict[str, str]:
    """What Airflow pushes for each link when the task ends (``get_link`` on the worker)."""
    ti: Any = FakeTaskInstance()
    return {link.name: link.get_link(operator, ti_key=ti) for link in operator.operator_extra_links}


def test_hyperliquid_links_the_acting_address_on_the_explorer(sandbox_conns: Sandbox) -> None:
    operator = BatchModifyOrdersOperator(task_id="t", conn_id="hyperliquid_default", edits=sol_edits(2))
    report, error = run(operator)
    assert error is None and report is not None
    assert links(operator) == {
        "Account on the venue": f"https://app.hyperliquid.xyz/explorer/address/{ACCOUNT_A}",
        "Full report": "",
    }


def test_stored_report_is_linked_and_bitget_has_no_public_account_page(
    sandbox_conns: Sandbox, tmp_path: Any
) -> None:
    edits = [
        {"orderId": str(1001 + i), "symbol": "BTCUSDT", "category": "USDT-FUTURES", "price": str(59800 - i)}
        for i in range(3)
    ]
    operator = BatchModifyOrdersOperator(
        task_id="t",
        conn_id="bitget_default",
        edits=edits,
        report_path=f"file://{tmp_path}",
        inline_report_limit=1,
    )
    report, error = run(operator)
    assert error is None and report is not None
    shown = links(operator)
    assert shown["Account on the venue"] == ""
    assert shown["Full report"] == report["full_report"]
    assert shown["Full report"].startswith(f"file://{tmp_path}/")


def test_links_are_empty_before_a_run() -> None:
    operator = BatchModifyOrdersOperator(task_id="t", conn_id="c", edits=[])
    assert set(links(operator).values()) == {""}
    assert [type(link) for link in operator.operator_extra_links] == [VenueAccountLink, StoredReportLink]


def test_lineage_of_a_hyperliquid_run(run_operator: RunOperator, sandbox_conns: Sandbox) -> None:
    operator = BatchModifyOrdersOperator(task_id="t", conn_id="hyperliquid_default", edits=sol_edits(3))
    report, error = run(operator)
    assert error is None and report is not None
    lineage = operator.get_openlineage_facets_on_complete(None)
    (dataset,) = lineage.outputs
    assert (dataset.namespace, dataset.name) == ("batchmod://hyperliquid.mainnet", ACCOUNT_A)
    assert dataset.outputFacets["outputStatistics"].rowCount == 3
    facet = lineage.run_facets["batchmod"]
    assert facet.totals == report["totals"] and facet.stopReason is None and not facet.dryRun


def test_lineage_on_failure_before_any_report_is_empty(sandbox_conns: Sandbox) -> None:
    operator = BatchModifyOrdersOperator(task_id="t", conn_id="hyperliquid_default", edits=[{"oid": "x"}])
    _, error = run(operator)
    assert error is not None
    lineage = operator.get_openlineage_facets_on_failure(None)
    assert lineage.outputs == [] and lineage.run_facets == {}
