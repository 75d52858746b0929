"""The tab's routes through FastAPI's test client: Airflow's auth first, then the page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from airflow_batchmod.plugins.app import NOT_A_REBALANCE, NOT_YET, create_app, dag_xcom_access, load_report
from airflow_batchmod.plugins.rebalance_tab import TAB_HREF, RebalancePlugin
from tests.unit.plugins.reports import ladder_report

URL = "/rebalance/batchmod_rebalance_ladder/manual__2026-01-01T00:00:00+00:00/apply_edits?map_index=-1"


@pytest.fixture
def app() -> Any:
    return create_app()


@pytest.fixture
def allowed(app: Any) -> Iterator[TestClient]:
    """A client past Airflow's auth (the auth itself is tested below and in tests/browser)."""
    app.dependency_overrides[dag_xcom_access] = lambda: None
    yield TestClient(app)
    app.dependency_overrides.clear()


def test_without_credentials_the_tab_is_refused(app: Any) -> None:
    app.dependency_overrides[load_report] = lambda: pytest.fail("read before auth")
    response = TestClient(app).get(URL)
    assert response.status_code == 401
    assert "Rebalance" not in response.text


def test_a_forged_token_is_refused(app: Any) -> None:
    from airflow.api_fastapi.app import create_auth_manager

    create_auth_manager()  # the api-server's own (simple) auth manager judges the token
    app.dependency_overrides[load_report] = lambda: pytest.fail("read before auth")
    response = TestClient(app).get(URL, headers={"Authorization": "Bearer not.a.jwt"})
    assert response.status_code == 403


def test_report_is_rendered(app: Any, allowed: TestClient) -> None:
    app.dependency_overrides[load_report] = ladder_report
    response = allowed.get(URL)
    assert response.status_code == 200
    assert "Rebalance batchmod_rebalance_ladder / apply_edits" in response.text
    assert response.text.count("<tr data-status=") == 6
    assert "<svg" in response.text


@pytest.mark.parametrize(
    ("value", "text"), [(None, NOT_YET), ({"a": 1}, NOT_A_REBALANCE), ("x", NOT_A_REBALANCE)]
)
def test_other_tasks_get_an_empty_state(app: Any, allowed: TestClient, value: Any, text: str) -> None:
    app.dependency_overrides[load_report] = lambda: value
    response = allowed.get(URL)
    assert response.status_code == 200 and text in response.text and "<table" not in response.text


def test_shortened_report_without_storage_shows_what_xcom_keeps(app: Any, allowed: TestClient) -> None:
    report = {**ladder_report(), "edits_truncated": True, "full_report": None}
    report["edits"] = report["edits"][3:]
    app.dependency_overrides[load_report] = lambda: report
    response = allowed.get(URL)
    assert response.text.count("<tr data-status=") == 3
    assert "Showing the entries XCom keeps" in response.text


def test_plugin_puts_the_tab_on_the_task_instance_page() -> None:
    (view,) = RebalancePlugin.external_views
    assert view["destination"] == "task_instance" and view["href"] == TAB_HREF
    (mounted,) = RebalancePlugin.fastapi_apps
    assert TAB_HREF.startswith(mounted["url_prefix"] + "/rebalance/{DAG_ID}/{RUN_ID}/{TASK_ID}")
