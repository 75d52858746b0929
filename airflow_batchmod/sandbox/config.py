"""Run-time settings changed through ``POST /sandbox/config`` (and an optional ``config`` seed section)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any


@dataclass(frozen=True)
class SandboxConfig:
    #: Added to every venue API call (never to ``/sandbox/*``).
    latency_ms: int = 0
    #: Return Bitget batch items in random order, so clients must correlate by id, not position.
    shuffle_bitget_items: bool = False
    rate_limits: bool = True
    bitget_modify_per_second: int = 10
    bitget_query_per_second: int = 20
    hyperliquid_weight_per_minute: int = 1200

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def updated(self, changes: object) -> SandboxConfig:
        """A copy with ``changes`` applied; raises ``ValueError`` naming the bad key."""
        if not isinstance(changes, dict):
            raise ValueError("config must be a JSON object")
        known = {f.name: f for f in fields(self)}
        clean: dict[str, Any] = {}
        for key, value in changes.items():
            if key not in known:
                raise ValueError(f"unknown config key {key!r}; known: {sorted(known)}")
            if known[key].type == "bool":
                if not isinstance(value, bool):
                    raise ValueError(f"{key} must be true or false")
            elif isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{key} must be a non-negative integer")
            clean[key] = value
        return replace(self, **clean)
