"""A small report with one entry per kind of mark the chart draws."""

from __future__ import annotations

from typing import Any


def entry(
    index: int, label: str, status: str, before: tuple[str, str] | None, after: tuple[str, str] | None = None
) -> dict[str, Any]:
    def quote(pair: tuple[str, str] | None) -> dict[str, str] | None:
        return {"price": pair[0], "size": pair[1]} if pair else None

    return {
        "index": index,
        "order": f"orderId:{1001 + index}",
        "label": label,
        "status": status,
        "message": f"message {index}",
        "before": quote(before),
        "after": quote(after),
        "wanted": quote(after),
    }


def ladder_report() -> dict[str, Any]:
    edits = [
        entry(0, "orderId=1001 BTCUSDT price=59905", "modified", ("59900", "0.01"), ("59905", "0.01")),
        entry(1, "orderId=1002 BTCUSDT price=59800", "unchanged", ("59800", "0.02"), ("59800", "0.02")),
        entry(2, "orderId=1016 BTCUSDT price=60105", "modified", ("60100", "0.01"), ("60105", "0.02")),
        entry(3, "orderId=1017 BTCUSDT price=60200", "not_open", ("60200", "0.01")),
        entry(4, "oid=7 SOL buy 2@148", "cancelled", ("149", "2")),
        entry(5, "oid=8 SOL sell 2@151", "rejected", ("152", "1")),
    ]
    totals = {"modified": 2, "unchanged": 1, "not_open": 1, "cancelled": 1, "rejected": 1, "edits": 6}
    return {
        "version": 1,
        "exchange": "bitget",
        "conn_id": "bitget_default",
        "dry_run": False,
        "totals": totals,
        "requests": 1,
        "stop_reason": None,
        "duration_seconds": 0.4,
        "edits": edits,
    }
