"""Sandbox fault rules that several tests install (``Sandbox.set_faults``)."""

from __future__ import annotations

from typing import Any


def answered_late(venue: str, latency_ms: int, *, endpoint: str = "modify") -> dict[str, Any]:
    """The exchange acts on the request at once and answers ``latency_ms`` later.

    With a read timeout shorter than that, the client loses an answer to a request that did
    land: the outcome is unknown until it asks the exchange.
    """
    return {
        "venue": venue,
        "endpoint": endpoint,
        "fault": "latency",
        "latency_ms": latency_ms,
        "after_apply": True,
    }
