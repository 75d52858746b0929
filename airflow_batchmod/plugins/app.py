"""The Rebalance tab's FastAPI app, mounted by the api-server under ``/batchmod``.

It reads the task instance's XCom ``return_value`` through Airflow's own model, and the stored
full report through ``ObjectStoragePath`` when XCom keeps only a shortened one. Every route
depends on Airflow's ``requires_access_dag`` (read access to the DAG's XComs): the request must
carry the UI's token (its cookie, as the tab's frame does) or a bearer token.

Imported only by the api-server (see ``rebalance_tab``), so it may import the API's modules.
"""

# No ``from __future__ import annotations``: FastAPI reads the route signatures' annotations.
from collections.abc import Mapping
from typing import Annotated, Any

from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity
from airflow.api_fastapi.common.db.common import SessionDep
from airflow.api_fastapi.core_api.security import requires_access_dag
from fastapi import Depends, FastAPI
from fastapi.responses import HTMLResponse

from airflow_batchmod.plugins.page import render_empty, render_page

NOT_A_REBALANCE = (
    "This task left no batch-modify report: the Rebalance tab shows BatchModifyOrdersOperator runs."
)
NOT_YET = "This task instance has no report (yet): it has not run, or it stopped before planning."


def parse_map_index(map_index: str) -> int:
    """The UI fills ``{MAP_INDEX}`` only for mapped tasks; anything else means -1."""
    try:
        return int(map_index)
    except ValueError:
        return -1


def load_report(dag_id: str, run_id: str, task_id: str, session: SessionDep, map_index: str = "-1") -> Any:
    """The task instance's XCom ``return_value`` (None when there is none)."""
    from airflow.models.xcom import XComModel

    query = XComModel.get_many(
        run_id=run_id,
        key="return_value",
        task_ids=task_id,
        dag_ids=dag_id,
        map_indexes=parse_map_index(map_index),
        limit=1,
    )
    row = session.scalars(query).first()
    return None if row is None else XComModel.deserialize_value(row)


def is_report(value: Any) -> bool:
    return isinstance(value, Mapping) and isinstance(value.get("totals"), Mapping) and "edits" in value


def tab_html(value: Any, *, title: str) -> str:
    """The tab for whatever the task left in XCom."""
    from airflow_batchmod.operators.report_reading import report_entries, where_entries_are

    if value is None:
        return render_empty(NOT_YET)
    if not is_report(value):
        return render_empty(NOT_A_REBALANCE)
    note = None
    try:
        entries = report_entries(value)
    except Exception as exc:  # storage unreachable from the api-server: show what XCom has
        entries, note = None, f"The full report at {value.get('full_report')} could not be read: {exc}"
    if entries is None:
        entries = list(value["edits"])
        note = note or f"Showing the entries XCom keeps; {where_entries_are(value)}."
    return render_page(value, entries, title=title, note=note)


ReportDep = Annotated[Any, Depends(load_report)]
#: Read access to the DAG's XComs, checked by Airflow's auth manager.
dag_xcom_access = requires_access_dag("GET", DagAccessEntity.XCOM)


def create_app() -> FastAPI:
    app = FastAPI(title="batchmod Rebalance tab", docs_url=None, redoc_url=None, openapi_url=None)

    @app.get(
        "/rebalance/{dag_id}/{run_id}/{task_id}",
        response_class=HTMLResponse,
        dependencies=[Depends(dag_xcom_access)],
    )
    def rebalance_tab(dag_id: str, run_id: str, task_id: str, report: ReportDep) -> HTMLResponse:
        return HTMLResponse(tab_html(report, title=f"Rebalance {dag_id} / {task_id}"))

    return app
