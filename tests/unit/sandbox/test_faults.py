"""Fault rule parsing and matching (no server)."""

from __future__ import annotations

import pytest

from airflow_batchmod.sandbox.faults import FaultInjector, parse_rule


def test_defaults() -> None:
    rule = parse_rule({"fault": "drop_before"})
    assert (rule.venue, rule.endpoint, rule.times, rule.remaining, rule.probability) == (
        "any",
        "modify",
        1,
        1,
        1.0,
    )
    assert not rule.applies_first
    assert parse_rule({"fault": "drop_after"}).applies_first
    assert parse_rule({"fault": "http_500_after"}).applies_first
    assert parse_rule({"fault": "bitget_code", "code": "40010", "after_apply": True}).applies_first
    assert not parse_rule({"fault": "bitget_code", "code": "40010"}).applies_first


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"fault": "boom"}, "fault must be one of"),
        ({"fault": "http_500", "venue": "binance"}, "venue"),
        ({"fault": "http_500", "endpoint": "info"}, "endpoint"),
        ({"fault": "http_500", "times": 0}, "times"),
        ({"fault": "http_500", "probability": 1.5}, "probability"),
        ({"fault": "latency"}, "latency_ms"),
        ({"fault": "bitget_code"}, "code"),
        ({"fault": "bitget_code", "code": "40010", "venue": "hyperliquid"}, "bitget venue"),
        ({"fault": "fill_before_apply", "endpoint": "any"}, "modify calls"),
        ({"fault": "http_500", "tims": 2}, "unknown"),
        ("http_500", "object"),
    ],
)
def test_bad_rules_are_refused(raw: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_rule(raw)


def test_first_matching_rule_fires_and_counts_down() -> None:
    injector = FaultInjector()
    injector.replace(
        [
            {"venue": "bitget", "endpoint": "query", "fault": "http_500", "times": 2},
            {"venue": "any", "endpoint": "any", "fault": "drop_before", "times": None},
        ]
    )
    fired = [injector.pick("bitget", "query") for _ in range(3)]
    assert [r.fault if r else None for r in fired] == ["http_500", "http_500", "drop_before"]
    modify = injector.pick("hyperliquid", "modify")
    assert modify is not None and modify.fault == "drop_before"
    stats = injector.stats()
    assert stats["injected"] == {"http_500": 2, "drop_before": 2}
    assert [r["remaining"] for r in stats["rules"]] == [0, None]


def test_endpoint_default_is_modify_only() -> None:
    injector = FaultInjector()
    injector.replace([{"fault": "http_429"}])
    assert injector.pick("bitget", "query") is None
    assert injector.pick("bitget", "info") is None
    rule = injector.pick("hyperliquid", "modify")
    assert rule is not None and rule.fault == "http_429"
    assert injector.pick("hyperliquid", "modify") is None  # times defaults to 1


def test_bitget_code_never_fires_for_hyperliquid() -> None:
    injector = FaultInjector()
    injector.replace([{"fault": "bitget_code", "code": "45001", "venue": "any", "times": None}])
    assert injector.pick("hyperliquid", "modify") is None
    assert injector.pick("bitget", "modify") is not None


def test_probability_draws_repeat_with_the_same_seed() -> None:
    def draws(seed: int) -> list[bool]:
        injector = FaultInjector()
        injector.replace([{"fault": "http_500", "times": None, "probability": 0.3}], seed=seed)
        return [injector.pick("bitget", "modify") is not None for _ in range(200)]

    assert draws(1) == draws(1)
    assert draws(1) != draws(2)
    assert 30 < sum(draws(1)) < 90


def test_clear_forgets_rules_and_counts() -> None:
    injector = FaultInjector()
    injector.replace([{"fault": "http_500"}])
    injector.pick("bitget", "modify")
    injector.clear()
    assert injector.stats() == {"rules": [], "injected": {}}
    with pytest.raises(ValueError, match="array"):
        injector.replace({"fault": "http_500"})


def test_fill_before_apply_fires_on_modifies_only() -> None:
    injector = FaultInjector()
    injector.replace([{"fault": "fill_before_apply", "times": None}])
    assert injector.pick("bitget", "query") is None
    for venue in ("bitget", "hyperliquid"):
        rule = injector.pick(venue, "modify")
        assert rule is not None and rule.fault == "fill_before_apply" and not rule.applies_first
