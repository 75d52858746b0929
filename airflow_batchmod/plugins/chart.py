"""The book before and after a rebalance, as inline SVG: one chart per instrument.

Price runs down the vertical axis (highest on top); each order is a bar from the centre line of
its panel, bids to the left and asks to the right, as long as its size. The left panel is the
book before the run, the right one after it. Orders that changed are filled in the side's
colour, orders left as they were are grey, orders that were no longer open are dashed outlines,
orders our edit took off the book are red outlines with a cross, anything else (rejected, failed,
unknown, ...) is yellow. Every bar carries a tooltip with the order, its status and its values.

The report names neither an order's side nor its instrument as fields, so both come from the
edit's label (``orderId=1001 BTCUSDT buy ...``, ``oid=7 SOL buy 2@148``): the instrument is the
label's second word; the side is its ``buy``/``sell`` word (planning adds it from the book), or,
for an edit the book never showed, the side of the largest price gap of the instrument's ladder
(bids below it, asks above), which is how a ladder looks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from html import escape
from typing import Any

WIDTH = 720
PANEL_HALF = 150
ROW = 14
TOP = 48
BAR_HEIGHT = 9

#: The mark's class for each report status (the CSS gives each class its look).
STATE_OF_STATUS = {
    "modified": "changed",
    "would_modify": "changed",
    "unchanged": "unchanged",
    "not_open": "not_open",
    "cancelled": "cancelled",
}


@dataclass(frozen=True)
class Mark:
    """One order in one panel."""

    order: str
    status: str
    state: str
    price: Decimal
    size: Decimal


@dataclass
class Ladder:
    """One instrument's orders before and after, with each order's side."""

    instrument: str
    before: list[tuple[str, Mark]]
    after: list[tuple[str, Mark]]


def _decimal(quote: Mapping[str, Any] | None, key: str) -> Decimal | None:
    if not quote or quote.get(key) in (None, ""):
        return None
    try:
        return Decimal(str(quote[key]))
    except InvalidOperation:
        return None


def _words(entry: Mapping[str, Any]) -> list[str]:
    return str(entry.get("label") or "").split()


def instrument_of(entry: Mapping[str, Any]) -> str:
    words = _words(entry)
    return words[1] if len(words) > 1 else "?"


def stated_side(entry: Mapping[str, Any]) -> str | None:
    words = {word.lower() for word in _words(entry)}
    if "buy" in words:
        return "bid"
    if "sell" in words:
        return "ask"
    return None


def _after_quote(entry: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """Where the order stands after the run (None: nothing of it is on the book)."""
    status = entry.get("status")
    if status in ("not_open", "cancelled"):
        return None
    if status in ("modified", "would_modify"):
        return entry.get("after") or entry.get("wanted")
    return entry.get("after") or entry.get("before")


def _mark(entry: Mapping[str, Any], quote: Mapping[str, Any] | None) -> Mark | None:
    price, size = _decimal(quote, "price"), _decimal(quote, "size")
    if price is None or size is None:
        return None
    status = str(entry.get("status") or "pending")
    return Mark(str(entry.get("order", "")), status, STATE_OF_STATUS.get(status, "other"), price, size)


def _sides(entries: Sequence[Mapping[str, Any]]) -> list[str]:
    """Each entry's side: as the label says, else by the ladder's largest price gap."""
    prices = sorted(
        {p for e in entries if (p := _decimal(e.get("before") or e.get("wanted"), "price")) is not None}
    )
    split = None
    if len(prices) > 1:
        gaps = [(prices[i + 1] - prices[i], i) for i in range(len(prices) - 1)]
        split = prices[max(gaps)[1]]
    sides = []
    for entry in entries:
        side = stated_side(entry)
        if side is None:
            price = _decimal(entry.get("before") or entry.get("wanted"), "price")
            side = "bid" if split is None or (price is not None and price <= split) else "ask"
        sides.append(side)
    return sides


def ladders(entries: Iterable[Mapping[str, Any]]) -> list[Ladder]:
    """The report's entries as one ladder per instrument, in order of first appearance."""
    grouped: dict[str, list[Mapping[str, Any]]] = {}
    for entry in entries:
        grouped.setdefault(instrument_of(entry), []).append(entry)
    result = []
    for instrument, group in grouped.items():
        ladder = Ladder(instrument, [], [])
        for entry, side in zip(group, _sides(group), strict=True):
            before = _mark(entry, entry.get("before"))
            if before is not None:
                ladder.before.append((side, before))
            after = _mark(entry, _after_quote(entry))
            if after is not None:
                ladder.after.append((side, after))
        if ladder.before or ladder.after:
            result.append(ladder)
    return result


def _bar(side: str, mark: Mark, centre: int, y: float, longest: Decimal) -> str:
    length = max(2.0, float(mark.size / longest) * (PANEL_HALF - 10)) if longest > 0 else 2.0
    x = centre - length if side == "bid" else centre
    title = f"{mark.order}: {mark.status}, {side} {mark.size} @ {mark.price}"
    cross = ""
    if mark.state == "cancelled":
        cross = (
            f'<line x1="{x:.1f}" y1="{y:.1f}" x2="{x + length:.1f}" y2="{y + BAR_HEIGHT:.1f}" class="cross"/>'
        )
    return (
        f'<g class="mark {side} {mark.state}" data-order="{escape(mark.order)}" '
        f'data-status="{escape(mark.status)}"><title>{escape(title)}</title>'
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{length:.1f}" height="{BAR_HEIGHT}"/>{cross}</g>'
    )


def render_ladder(ladder: Ladder) -> str:
    """One instrument's chart as an ``<svg>`` element."""
    marks = ladder.before + ladder.after
    prices = sorted({mark.price for _, mark in marks}, reverse=True)
    row_of = {price: index for index, price in enumerate(prices)}
    longest = max(mark.size for _, mark in marks)
    height = TOP + ROW * len(prices) + 16
    centres = {"before": WIDTH // 4 + 30, "after": 3 * WIDTH // 4 - 10}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="book" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(ladder.instrument)} book before and after">',
        f'<text x="4" y="16" class="instrument">{escape(ladder.instrument)}</text>',
    ]
    for panel, centre in centres.items():
        parts.append(f'<text x="{centre}" y="32" class="panel" text-anchor="middle">{panel}</text>')
        parts.append(f'<text x="{centre - 8}" y="44" class="side" text-anchor="end">bids</text>')
        parts.append(f'<text x="{centre + 8}" y="44" class="side">asks</text>')
        parts.append(f'<line x1="{centre}" y1="{TOP - 2}" x2="{centre}" y2="{height - 12}" class="centre"/>')
    for price, row in row_of.items():
        y = TOP + row * ROW + BAR_HEIGHT
        parts.append(f'<text x="4" y="{y}" class="price">{price}</text>')
    for panel, placed in (("before", ladder.before), ("after", ladder.after)):
        for side, mark in placed:
            parts.append(_bar(side, mark, centres[panel], TOP + row_of[mark.price] * ROW, longest))
    parts.append("</svg>")
    return "".join(parts)


def render_chart(entries: Iterable[Mapping[str, Any]]) -> str:
    """Every instrument's chart, or a sentence when no entry shows a price and size."""
    charts = [render_ladder(ladder) for ladder in ladders(entries)]
    return "".join(charts) or '<p class="empty">No order in this report shows a price and size.</p>'
