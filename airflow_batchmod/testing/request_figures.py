"""Figures from the sandbox's request log: how fast the modifies went, and how close to the limits.

The sandbox stamps every call's arrival (``Sandbox.requests()``), so these figures judge a run
from the exchange's side: the sustained rate without the opening burst, the 429s, and the
margin left under each venue's rate limit. The benchmarks print them; a DAG test can use them
to check that a configuration stays within the limits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: Hyperliquid's limit: 1200 weight per IP in any 60 s; a batch of n modifies weighs 1 + n // 40.
HYPERLIQUID_WINDOW_SECONDS = 60.0


@dataclass(frozen=True)
class RequestFigures:
    modify_requests: int
    http_429: int
    #: Edits per second between the first modify's arrival and the one a whole number of
    #: rate windows later: the rate the pacing sustains, without the opening burst and the tail.
    paced_edits_per_second: float | None
    paced_requests_per_second: float | None
    #: The shortest time in which ``window_limit + 1`` accepted modifies arrived. Bitget refuses
    #: the last of them when this is under its 1 s window; the gap above 1 s is the margin left.
    tightest_span: float | None
    #: The most modify weight that arrived in any 60 s (Hyperliquid allows 1200).
    peak_weight_per_minute: int


def request_figures(entries: list[dict[str, Any]], venue: str, window_limit: int) -> RequestFigures:
    """Read the sandbox's log of one run (arrival times, stamped by the sandbox).

    A sliding window of ``window_limit`` requests per window lets request ``k`` and request
    ``k + m * window_limit`` arrive no less than ``m`` windows apart, so that span is the fair
    yardstick of the sustained rate; a plain count over the run flatters short runs (the first
    window is a burst).
    """
    modifies = sorted(
        (e for e in entries if e["venue"] == venue and e["endpoint"] == "modify"), key=lambda e: e["t"]
    )
    http_429 = sum(1 for e in entries if e["status"] == 429)
    accepted = [e for e in modifies if e["status"] != 429]
    spans = [b["t"] - a["t"] for a, b in zip(accepted, accepted[window_limit:], strict=False)]
    peak_weight = _peak_weight(accepted, HYPERLIQUID_WINDOW_SECONDS)
    windows = (len(modifies) - 1) // window_limit
    last = windows * window_limit
    span = modifies[last]["t"] - modifies[0]["t"] if windows >= 1 else 0.0
    if span <= 0:
        return RequestFigures(len(modifies), http_429, None, None, min(spans, default=None), peak_weight)
    edits = sum(e["items"] for e in modifies[:last])
    return RequestFigures(
        len(modifies), http_429, edits / span, last / span, min(spans, default=None), peak_weight
    )


def _peak_weight(modifies: list[dict[str, Any]], window: float) -> int:
    peak = used = start = 0
    for entry in modifies:
        used += 1 + entry["items"] // 40
        while entry["t"] - modifies[start]["t"] >= window:
            used -= 1 + modifies[start]["items"] // 40
            start += 1
        peak = max(peak, used)
    return peak


def limit_margin(log: RequestFigures, venue: str, window_limit: int) -> str:
    """How close the arrivals came to the exchange's limit, in the exchange's own terms."""
    if venue == "hyperliquid":
        return f"peak weight in any 60 s {log.peak_weight_per_minute}/1200"
    if log.tightest_span is None:
        return f"fewer than {window_limit + 1} requests"
    return f"closest {window_limit + 1} arrivals {log.tightest_span:.3f} s apart (Bitget needs >= 1 s)"
