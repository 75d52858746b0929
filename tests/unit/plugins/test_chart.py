"""The book chart: sides, panels and states, read back from the SVG."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from airflow_batchmod.plugins.chart import ladders, render_chart
from tests.unit.plugins.reports import entry, ladder_report

SVG = "{http://www.w3.org/2000/svg}"


def marks(svg: str) -> list[tuple[str, str, float, float]]:
    """(data-order, class, x, width) of every mark, in drawing order."""
    found = []
    for chart in ET.fromstring(f"<div>{svg}</div>"):
        for group in chart.iter(f"{SVG}g"):
            rect = group.find(f"{SVG}rect")
            assert rect is not None
            found.append(
                (
                    group.get("data-order", ""),
                    group.get("class", ""),
                    float(rect.get("x", 0)),
                    float(rect.get("width", 0)),
                )
            )
    return found


def test_one_chart_per_instrument_with_sides_from_label_or_ladder_gap() -> None:
    by_instrument = {ladder.instrument: ladder for ladder in ladders(ladder_report()["edits"])}
    assert list(by_instrument) == ["BTCUSDT", "SOL"]
    btc = by_instrument["BTCUSDT"]
    # No side in Bitget labels: the largest gap (59900 -> 60100) splits bids from asks.
    assert [side for side, _ in btc.before] == ["bid", "bid", "ask", "ask"]
    assert [side for side, _ in by_instrument["SOL"].before] == ["bid", "ask"]


def test_after_panel_drops_orders_that_left_the_book() -> None:
    btc, sol = ladders(ladder_report()["edits"])
    assert [mark.order for _, mark in btc.after] == ["orderId:1001", "orderId:1002", "orderId:1003"]
    assert [mark.order for _, mark in sol.after] == ["orderId:1006"]  # the cancelled one is gone


def test_marks_tell_states_and_sides_apart() -> None:
    drawn = marks(render_chart(ladder_report()["edits"]))
    classes = {(order, cls) for order, cls, _, _ in drawn}
    assert ("orderId:1001", "mark bid changed") in classes
    assert ("orderId:1002", "mark bid unchanged") in classes
    assert ("orderId:1003", "mark ask changed") in classes
    assert ("orderId:1004", "mark ask not_open") in classes
    assert ("orderId:1005", "mark bid cancelled") in classes
    assert ("orderId:1006", "mark ask other") in classes


def test_size_is_the_marks_extent_and_bids_grow_left() -> None:
    drawn: dict[tuple[str, str], tuple[float, float]] = {}
    for order, cls, x, width in marks(render_chart(ladder_report()["edits"])):
        drawn.setdefault((order, cls), (x, width))  # the first is the "before" panel's
    bid_x, bid_width = drawn[("orderId:1002", "mark bid unchanged")]  # 0.02, the largest BTC size
    small_x, small_width = drawn[("orderId:1001", "mark bid changed")]  # 0.01
    assert bid_width == 2 * small_width
    assert bid_x + bid_width == small_x + small_width  # both end at the panel's centre line
    ask_x, _ = drawn[("orderId:1004", "mark ask not_open")]
    assert ask_x == bid_x + bid_width  # asks start where bids end


def test_nothing_to_draw_says_so() -> None:
    assert "No order" in render_chart([entry(0, "orderId=1 BTCUSDT", "invalid", None)])
