"""The Rebalance tab's HTML: totals, the stop reason, the orders table and the book chart.

Server-rendered, with a few lines of inline script to sort the table by a column and filter it
by status; nothing is fetched from anywhere else, so the page works on an air-gapped desk.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from airflow_batchmod.plugins.chart import render_chart

STYLE = """
body{font-family:system-ui,sans-serif;margin:16px;color:#1d1d1f;background:#fff}
h1{font-size:18px;margin:0 0 8px} h2{font-size:15px;margin:18px 0 6px}
.totals{display:flex;flex-wrap:wrap;gap:8px} .total{border:1px solid #ccd;border-radius:6px;padding:4px 10px}
.total b{display:block;font-size:18px} .stop{color:#a40000;font-weight:600}
.note{color:#555} table{border-collapse:collapse;font-size:13px} th,td{padding:3px 8px;border-bottom:1px solid #e4e4ea}
th{cursor:pointer;text-align:left;background:#f4f4f8} td.status{font-weight:600}
svg.book{display:block;margin-bottom:12px;font-size:10px} .centre{stroke:#999}
.instrument{font-weight:700;font-size:13px} .panel{font-weight:600;font-size:12px} .side{fill:#666}
.price{fill:#444} .mark.bid rect{fill:#2e8b57;stroke:#2e8b57} .mark.ask rect{fill:#c0392b;stroke:#c0392b}
.mark.unchanged rect{fill:#b8b8c0;stroke:#8a8a94} .mark.not_open rect{fill:none;stroke:#666;stroke-dasharray:3 2}
.mark.cancelled rect{fill:none;stroke:#d00;stroke-width:1.5} .cross{stroke:#d00;stroke-width:1.5}
.mark.other rect{fill:#f0c040;stroke:#9a7a00} .legend span{margin-right:12px}
"""

SCRIPT = """
const table=document.getElementById('orders');
document.getElementById('status-filter').addEventListener('change',e=>{
 for(const row of table.tBodies[0].rows){row.hidden=e.target.value!==''&&row.dataset.status!==e.target.value;}
});
table.tHead.addEventListener('click',e=>{
 const th=e.target.closest('th'); if(!th)return; const col=th.cellIndex; const up=th.dataset.dir!=='asc';
 th.dataset.dir=up?'asc':'desc'; const rows=[...table.tBodies[0].rows];
 const key=r=>r.cells[col].dataset.sort??r.cells[col].textContent;
 rows.sort((a,b)=>{const x=key(a),y=key(b);const n=parseFloat(x)-parseFloat(y);
  const c=isNaN(n)?x.localeCompare(y):n;return up?c:-c;});
 rows.forEach(r=>table.tBodies[0].appendChild(r));
});
"""

LEGEND = (
    '<p class="legend"><span style="color:#2e8b57">&#9632; bid changed</span>'
    '<span style="color:#c0392b">&#9632; ask changed</span><span style="color:#8a8a94">&#9632; unchanged</span>'
    '<span>&#9633; dashed: not open</span><span style="color:#d00">&#9746; cancelled by our edit</span>'
    '<span style="color:#9a7a00">&#9632; other (rejected, failed, unknown, ...)</span></p>'
)


def _quote(quote: Mapping[str, Any] | None) -> str:
    return f"{quote['price']} x {quote['size']}" if quote else "?"


def _change(entry: Mapping[str, Any]) -> str:
    after = entry.get("after") or (entry.get("wanted") if entry.get("status") == "would_modify" else None)
    before = entry.get("before")
    if before is None and after is None:
        return ""
    return f"{_quote(before)} → {_quote(after)}" if after and after != before else _quote(before)


def _row(entry: Mapping[str, Any]) -> str:
    status = str(entry.get("status") or "pending")
    cells = [
        f'<td data-sort="{int(entry.get("index", 0))}">{escape(str(entry.get("order", "")))}</td>',
        f'<td class="status">{escape(status)}</td>',
        f"<td>{escape(_change(entry))}</td>",
        f"<td>{escape(str(entry.get('message') or ''))}</td>",
    ]
    return f'<tr data-status="{escape(status)}">{"".join(cells)}</tr>'


def _totals(report: Mapping[str, Any]) -> str:
    figures = [(name, count) for name, count in report["totals"].items() if count or name == "edits"]
    figures += [("requests", report.get("requests", 0)), ("seconds", report.get("duration_seconds", 0))]
    return "".join(
        f'<div class="total" data-total="{escape(name)}"><b>{escape(str(value))}</b>{escape(name)}</div>'
        for name, value in figures
    )


def render_page(
    report: Mapping[str, Any], entries: Sequence[Mapping[str, Any]], *, title: str, note: str | None
) -> str:
    """The whole tab for one task instance's report."""
    stop = report.get("stop_reason")
    stop_html = (
        f'<p class="stop" id="stop-reason">Sending stopped: {escape(str(stop))}</p>'
        if stop
        else '<p id="stop-reason">Every edit was sent or settled by the plan.</p>'
    )
    statuses = sorted({str(entry.get("status")) for entry in entries})
    options = "".join(f'<option value="{escape(s)}">{escape(s)}</option>' for s in statuses)
    rows = "".join(_row(entry) for entry in entries)
    dry = " (dry run)" if report.get("dry_run") else ""
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(title)}</title>"
        f"<style>{STYLE}</style></head><body>"
        f"<h1>{escape(title)}: {escape(str(report.get('exchange')))} · {escape(str(report.get('conn_id')))}{dry}</h1>"
        f'<div class="totals" id="totals">{_totals(report)}</div>{stop_html}'
        + (f'<p class="note">{escape(note)}</p>' if note else "")
        + f'<h2>Book before and after</h2>{LEGEND}<div id="chart">{render_chart(entries)}</div>'
        f'<h2>Orders</h2><label>Status <select id="status-filter"><option value="">all</option>{options}'
        f'</select></label><table id="orders"><thead><tr><th>Order</th><th>Status</th>'
        f"<th>Before → after</th><th>Message</th></tr></thead><tbody>{rows}</tbody></table>"
        f"<script>{SCRIPT}</script></body></html>"
    )


def render_empty(reason: str) -> str:
    """The tab for a task that has no rebalance report."""
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><style>{STYLE}</style></head>"
        f'<body><p class="note" id="empty">{escape(reason)}</p></body></html>'
    )
