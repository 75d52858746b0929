"""The Rebalance tab as a desk sees it: a real sandbox DAG run, ``airflow api-server``, and
headless Chromium reading the page (totals, table, chart)."""

from __future__ import annotations

import os
import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from airflow_batchmod.testing.sandbox import Sandbox
from tests.support.api_server import api_server, dump_dom, login, screenshot, signed_in

DAG_ID = "batchmod_rebalance_ladder"
TASK_ID = "apply_edits"
#: Set to a path to keep the screenshot (how docs/img/rebalance-tab.png is made).
SCREENSHOT_ENV = "BATCHMOD_TAB_SCREENSHOT"


class PageReader(HTMLParser):
    """What the page shows: totals, table rows (cell texts), chart marks, empty state."""

    def __init__(self) -> None:
        super().__init__()
        self.totals: dict[str, str] = {}
        self.rows: list[list[str]] = []
        self.marks: list[str] = []
        self.charts = 0
        self.text: list[str] = []
        self._total: str | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "div" and found.get("data-total"):
            self._total = found["data-total"]
        elif tag == "tr" and found.get("data-status"):
            self.rows.append([])
        elif tag == "td" and self.rows:
            self._cell = []
        elif tag == "svg":
            self.charts += 1
        elif tag == "g" and (found.get("class") or "").startswith("mark "):
            self.marks.append(found["class"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None:
            self.rows[-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)
        if self._total is not None and data.strip():
            self.totals[self._total] = data.strip()
            self._total = None


def read(dom: str) -> PageReader:
    reader = PageReader()
    reader.feed(dom)
    return reader


def tab_path(run_id: str, task_id: str = TASK_ID) -> str:
    return f"/batchmod/rebalance/{DAG_ID}/{quote(run_id, safe='')}/{task_id}?map_index=-1"


def test_the_tab_shows_totals_table_and_chart_and_refuses_strangers(
    run_dag: Any, airflow_environment: dict[str, str], sandbox: Sandbox, tmp_path: Path
) -> None:
    result = run_dag(DAG_ID, {"conn_id": "bitget_default"})
    report = result.report(TASK_ID)
    assert report["totals"]["modified"] == 30
    with api_server(airflow_environment, tmp_path) as url, signed_in(url) as browser_url:
        path = tab_path(str(result.run_id))
        # No credentials, or a made-up token: refused, and nothing of the report is shown.
        stranger = httpx.get(url + path, timeout=30)
        assert stranger.status_code == 401
        forged = httpx.get(url + path, headers={"Authorization": "Bearer forged"}, timeout=30)
        assert forged.status_code == 403
        assert "orderId" not in stranger.text + forged.text

        page = read(dump_dom(browser_url + path, tmp_path / "profile"))
        assert page.totals["modified"] == "30" and page.totals["edits"] == "30"
        assert page.totals["requests"] == str(report["requests"])
        assert len(page.rows) == 30
        first = report["edits"][0]
        assert page.rows[0][:2] == [first["order"], "modified"]
        assert page.rows[0][2] == f"{first['before']['price']} x {first['before']['size']} → " + (
            f"{first['after']['price']} x {first['after']['size']}"
        )
        assert page.charts == 1  # the ladder is one instrument's (BTCUSDT)
        assert page.marks.count("mark bid changed") + page.marks.count("mark ask changed") == 60
        assert {"mark bid changed", "mark ask changed"} <= set(page.marks)

        # A task that is not a batch modify gets a short empty state, not an error.
        other = read(dump_dom(browser_url + tab_path(str(result.run_id), "compute_edits"), tmp_path / "p2"))
        assert "left no batch-modify report" in "".join(other.text)
        assert other.rows == []

        # The extra links Airflow recorded at the end of the task: the stored report link is
        # empty (nothing stored), and Bitget has no public account page.
        links = httpx.get(
            f"{url}/api/v2/dags/{DAG_ID}/dagRuns/{result.run_id}/taskInstances/{TASK_ID}/links",
            headers={"Authorization": f"Bearer {login(url)}"},
            timeout=30,
        )
        assert links.status_code == 200, links.text
        recorded = links.json()["extra_links"]
        assert set(recorded) == {"Account on the venue", "Full report"}
        assert not any(recorded.values()), recorded

        shot = tmp_path / "rebalance-tab.png"
        screenshot(browser_url + path, tmp_path / "p3", shot)
        assert shot.stat().st_size > 10_000
        keep = os.environ.get(SCREENSHOT_ENV)
        if keep:
            shutil.copyfile(shot, keep)
