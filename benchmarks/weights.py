"""Hyperliquid's per-IP budget, counted from the sandbox's request log the way the exchange counts it.

The exchange charges every call against one budget of 1200 weight per minute per IP: a
``batchModify`` of n edits weighs ``1 + n // 40``, a signed ``noop`` 1, and each ``/info`` read
its type's weight (20 for ``meta``, ``frontendOpenOrders`` and most others; 2 for
``orderStatus`` and ``allMids``; 60 for ``userRole``). The weights of reads come from the
sandbox's table, the exchange's side, not from the client's own.

A request the venue refused with 429 spends no budget, so it weighs nothing here; a 429 that
the benchmark injected on purpose (a fault rule) is counted apart from one the venue raised.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from airflow_batchmod.sandbox.hyperliquid.info import DEFAULT_INFO_WEIGHT, INFO_WEIGHTS

WEIGHT_PER_MINUTE = 1200
#: The sustained ceiling: 1200 weight / 60 s.
WEIGHT_PER_SECOND = WEIGHT_PER_MINUTE / 60
#: The yardstick for the paced rate: a whole number of these arrives no faster than the ceiling
#: allows. 120 is what 6 s of the ceiling holds (the client's own window); any multiple works.
WINDOW_WEIGHT = 120


def weight(entry: dict[str, Any]) -> int:
    """What one logged Hyperliquid call costs the IP budget (0 when the venue refused it)."""
    if entry["status"] == 429:
        return 0
    if entry["endpoint"] == "modify":
        return 1 + int(entry["items"]) // 40
    if entry["kind"] == "noop":
        return 1
    kind = entry["kind"]
    return INFO_WEIGHTS.get(kind, DEFAULT_INFO_WEIGHT) if isinstance(kind, str) else DEFAULT_INFO_WEIGHT


def is_read(entry: dict[str, Any]) -> bool:
    return entry["endpoint"] in ("query", "info")


@dataclass(frozen=True)
class WeightFigures:
    """One run's Hyperliquid calls, judged against the 1200-per-minute budget."""

    modify_requests: int
    modify_weight: int
    read_weight: int
    #: Reads by info type: (calls, weight).
    reads: dict[str, tuple[int, int]]
    #: 429s the venue answered because the budget was spent (the figure that must stay 0).
    venue_429: int
    #: 429s that a fault rule injected on purpose.
    injected_429: int
    #: The most weight that arrived in any 60 s (the exchange allows 1200).
    peak_weight_per_minute: int
    #: Weight per second between the first arrival and the call that starts the last whole
    #: :data:`WINDOW_WEIGHT` (reads included); None when the run holds less than one.
    paced_weight_per_second: float | None
    #: Over the same span: edits per second, and the share of the weight spent on reads.
    paced_edits_per_second: float | None
    paced_read_share: float | None
    paced_seconds: float | None
    edits: int = 0
    by_kind: Counter[str] = field(default_factory=Counter)

    @property
    def total_weight(self) -> int:
        return self.modify_weight + self.read_weight

    @property
    def ratio(self) -> float | None:
        """The paced weight rate over the ceiling (1200 weight / 60 s)."""
        paced = self.paced_weight_per_second
        return None if paced is None else paced / WEIGHT_PER_SECOND

    @property
    def read_share(self) -> float:
        return self.read_weight / self.total_weight if self.total_weight else 0.0

    def describe_reads(self) -> str:
        parts = [f"{kind} {calls} x = {w}" for kind, (calls, w) in sorted(self.reads.items())]
        return ", ".join(parts) or "none"


def weight_figures(entries: Sequence[dict[str, Any]]) -> WeightFigures:
    """Read the Hyperliquid part of a sandbox request log (arrival times stamped by the sandbox)."""
    calls = sorted((e for e in entries if e["venue"] == "hyperliquid"), key=lambda e: e["t"])
    reads: dict[str, list[int]] = {}
    modify_weight = read_weight = modify_requests = edits = 0
    for entry in calls:
        w = weight(entry)
        if entry["endpoint"] == "modify":
            modify_requests += 1
            modify_weight += w
            edits += int(entry["items"]) if entry["status"] != 429 else 0
        elif is_read(entry):
            read_weight += w
            tally = reads.setdefault(str(entry["kind"]), [0, 0])
            tally[0] += 1
            tally[1] += w
    venue_429 = sum(1 for e in calls if e["status"] == 429 and e["fault"] is None)
    injected_429 = sum(1 for e in calls if e["status"] == 429 and e["fault"] is not None)
    accepted = [e for e in calls if weight(e) > 0]
    paced = _paced(accepted)
    return WeightFigures(
        modify_requests=modify_requests,
        modify_weight=modify_weight,
        read_weight=read_weight,
        reads={kind: (n, w) for kind, (n, w) in reads.items()},
        venue_429=venue_429,
        injected_429=injected_429,
        peak_weight_per_minute=_peak(accepted, 60.0),
        paced_weight_per_second=paced[0],
        paced_edits_per_second=paced[1],
        paced_read_share=paced[2],
        paced_seconds=paced[3],
        edits=edits,
        by_kind=Counter(str(e["kind"]) for e in calls),
    )


def _paced(accepted: list[dict[str, Any]]) -> tuple[float | None, float | None, float | None, float | None]:
    """A budget of W per window lets the weight arrive before call j reach m * W no sooner than
    m windows after the first call: that span is the fair yardstick of the sustained rate, where
    a plain total over the run would be flattered by the opening burst."""
    ahead: list[int] = []  # weight that arrived before each call
    before = 0
    for entry in accepted:
        ahead.append(before)
        before += weight(entry)
    windows = ahead[-1] // WINDOW_WEIGHT if ahead else 0
    if windows == 0:
        return None, None, None, None
    cut = next(j for j, w in enumerate(ahead) if w >= windows * WINDOW_WEIGHT)
    span = accepted[cut]["t"] - accepted[0]["t"]
    if span <= 0:
        return None, None, None, None
    head = accepted[:cut]
    total = sum(weight(e) for e in head)
    reads = sum(weight(e) for e in head if is_read(e))
    edits = sum(int(e["items"]) for e in head if e["endpoint"] == "modify")
    return total / span, edits / span, reads / total, span


def _peak(accepted: list[dict[str, Any]], window: float) -> int:
    peak = used = start = 0
    for entry in accepted:
        used += weight(entry)
        while entry["t"] - accepted[start]["t"] >= window:
            used -= weight(accepted[start])
            start += 1
        peak = max(peak, used)
    return peak
