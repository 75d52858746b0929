"""The tab's HTML: totals, stop reason, the table and its filter options."""

from __future__ import annotations

from html.parser import HTMLParser

from airflow_batchmod.plugins.page import render_empty, render_page
from tests.unit.plugins.reports import ladder_report


class Rows(HTMLParser):
    """The orders table's rows as lists of cell texts, and the filter's options."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.options: list[str] = []
        self._in_body = False
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self.rows.append([])
        elif tag == "td" and self._in_body:
            self._cell = []
        elif tag == "option":
            self.options.append(dict(attrs).get("value") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None:
            self.rows[-1].append("".join(self._cell))
            self._cell = None
        elif tag == "tbody":
            self._in_body = False

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def test_page_shows_every_order_with_its_change_and_message() -> None:
    report = ladder_report()
    page = render_page(report, report["edits"], title="Rebalance", note=None)
    parsed = Rows()
    parsed.feed(page)
    assert parsed.rows[0] == ["orderId:1001", "modified", "59900 x 0.01 → 59905 x 0.01", "message 0"]
    assert parsed.rows[1] == ["orderId:1002", "unchanged", "59800 x 0.02", "message 1"]
    assert parsed.rows[3][:3] == ["orderId:1004", "not_open", "60200 x 0.01"]
    assert len(parsed.rows) == 6
    assert parsed.options == ["", "cancelled", "modified", "not_open", "rejected", "unchanged"]
    assert 'data-total="modified"><b>2</b>' in page
    assert "Every edit was sent" in page


def test_stop_reason_and_note_are_shown_escaped() -> None:
    report = {**ladder_report(), "stop_reason": "budget <spent>"}
    page = render_page(report, report["edits"], title="Rebalance", note="only <problems>")
    assert "Sending stopped: budget &lt;spent&gt;" in page
    assert "only &lt;problems&gt;" in page


def test_empty_state() -> None:
    assert 'id="empty">not a rebalance' in render_empty("not a rebalance")
