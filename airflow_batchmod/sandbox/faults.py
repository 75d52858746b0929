"""Fault rules: which venue call gets which failure, drawn from a seeded RNG so runs repeat."""

from __future__ import annotations

import random
import threading
from collections import Counter
from dataclasses import dataclass
from typing import Any

FAULTS = (
    "http_500",
    "http_429",
    "drop_before",
    "drop_after",
    "http_500_after",
    "latency",
    "bitget_code",
    "fill_before_apply",
)
#: Faults only the Bitget venue knows (``fill_before_apply`` plays on both).
BITGET_ONLY = frozenset({"bitget_code"})
#: Faults that let the request through to the venue and then spoil the answer.
AFTER_APPLY = frozenset({"drop_after", "http_500_after"})
VENUES = ("bitget", "hyperliquid", "any")
ENDPOINTS = ("modify", "query", "any")
_KEYS = frozenset({"venue", "endpoint", "fault", "times", "probability", "latency_ms", "code", "after_apply"})


@dataclass
class FaultRule:
    fault: str
    venue: str = "any"
    endpoint: str = "modify"
    times: int | None = 1
    probability: float = 1.0
    latency_ms: int = 0
    code: str | None = None
    after_apply: bool = False
    remaining: int | None = 1

    def matches(self, venue: str, endpoint: str) -> bool:
        if self.remaining is not None and self.remaining <= 0:
            return False
        if self.venue not in ("any", venue):
            return False
        if self.fault in BITGET_ONLY and venue != "bitget":
            return False
        return self.endpoint in ("any", endpoint)

    @property
    def applies_first(self) -> bool:
        """Whether the venue should process the request before this fault spoils the answer."""
        return self.fault in AFTER_APPLY or (self.fault in ("bitget_code", "latency") and self.after_apply)

    def to_dict(self) -> dict[str, Any]:
        rule: dict[str, Any] = {
            "venue": self.venue,
            "endpoint": self.endpoint,
            "fault": self.fault,
            "times": self.times,
            "probability": self.probability,
            "remaining": self.remaining,
        }
        if self.fault == "latency":
            rule["latency_ms"] = self.latency_ms
            rule["after_apply"] = self.after_apply
        if self.fault == "bitget_code":
            rule["code"] = self.code
            rule["after_apply"] = self.after_apply
        return rule


def parse_rule(raw: object) -> FaultRule:
    """Read one rule from JSON; raises ``ValueError`` naming the offending key."""
    if not isinstance(raw, dict):
        raise ValueError("a fault rule must be a JSON object")
    unknown = set(raw) - _KEYS
    if unknown:
        raise ValueError(f"unknown fault rule keys: {sorted(unknown)}")
    fault = raw.get("fault")
    if fault not in FAULTS:
        raise ValueError(f"fault must be one of {list(FAULTS)}, got {fault!r}")
    venue = raw.get("venue", "any")
    if venue not in VENUES:
        raise ValueError(f"venue must be one of {list(VENUES)}, got {venue!r}")
    endpoint = raw.get("endpoint", "modify")
    if endpoint not in ENDPOINTS:
        raise ValueError(f"endpoint must be one of {list(ENDPOINTS)}, got {endpoint!r}")
    times = raw.get("times", 1)
    if times is not None and (isinstance(times, bool) or not isinstance(times, int) or times < 1):
        raise ValueError("times must be a positive integer or null")
    probability = raw.get("probability", 1.0)
    if isinstance(probability, bool) or not isinstance(probability, int | float) or not 0 <= probability <= 1:
        raise ValueError("probability must be a number from 0 to 1")
    latency_ms = raw.get("latency_ms", 0)
    if isinstance(latency_ms, bool) or not isinstance(latency_ms, int) or latency_ms < 0:
        raise ValueError("latency_ms must be a non-negative integer")
    if fault == "latency" and "latency_ms" not in raw:
        raise ValueError("a latency fault needs latency_ms")
    code = raw.get("code")
    if fault == "bitget_code" and (not isinstance(code, str) or not code):
        raise ValueError("a bitget_code fault needs a code string")
    if fault in BITGET_ONLY and venue == "hyperliquid":
        raise ValueError(f"{fault} only applies to the bitget venue")
    if fault == "fill_before_apply" and raw.get("endpoint", "modify") != "modify":
        raise ValueError("fill_before_apply only applies to modify calls")
    after_apply = raw.get("after_apply", False)
    if not isinstance(after_apply, bool):
        raise ValueError("after_apply must be true or false")
    return FaultRule(
        fault=fault,
        venue=venue,
        endpoint=endpoint,
        times=times,
        probability=float(probability),
        latency_ms=latency_ms,
        code=code if isinstance(code, str) else None,
        after_apply=after_apply,
        remaining=times,
    )


class FaultInjector:
    """The active rules; the first matching rule whose probability draw hits fires."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._rng = random.Random(0)
        self._injected: Counter[str] = Counter()

    def replace(self, raw_rules: object, seed: object = None) -> None:
        if not isinstance(raw_rules, list):
            raise ValueError("rules must be a JSON array")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ValueError("seed must be an integer or null")
        rules = [parse_rule(raw) for raw in raw_rules]
        with self._lock:
            self._rules = rules
            self._rng = random.Random(seed)
            self._injected.clear()

    def clear(self) -> None:
        with self._lock:
            self._rules = []
            self._injected.clear()

    def pick(self, venue: str, endpoint: str) -> FaultRule | None:
        """The rule that fires for this call (its ``remaining`` already decremented), or ``None``."""
        with self._lock:
            for rule in self._rules:
                if not rule.matches(venue, endpoint):
                    continue
                if rule.probability < 1.0 and self._rng.random() >= rule.probability:
                    continue
                if rule.remaining is not None:
                    rule.remaining -= 1
                self._injected[rule.fault] += 1
                return rule
            return None

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {"rules": [rule.to_dict() for rule in self._rules], "injected": dict(self._injected)}
