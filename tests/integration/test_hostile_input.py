"""Hostile ``edits``: whatever an upstream task hands over, the operator ends in one of two ways.

(a) ``AirflowFailException`` naming every bad edit (``edit #<index>``), and no modify request
    reached the exchange; or
(b) normal processing: a report with one entry per edit (pushed before any failure), whose
    ``modified`` entries are exactly the modifications the exchange applied.

Nothing else may escape. Property tests run through both exchanges against the sandbox process,
derandomised so CI sees the same examples every time.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

# Imported up front: eth_account (through py_ecc) raises the recursion limit on first import,
# which hypothesis would otherwise warn about inside the first Hyperliquid example.
from airflow_batchmod.exchanges.hyperliquid import client as _hyperliquid_client  # noqa: F401
from airflow_batchmod.testing.operator_run import OperatorRun
from airflow_batchmod.testing.sandbox import Sandbox
from tests.integration.conftest import RunOperator
from tests.support.hostile_input import BITGET_POOL, HL_POOL, named_edits, reset
from tests.support.sandbox_state import modify_requests

Verdict = Literal["valid", "invalid", "either"]

PROPERTY = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=False,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


def applied_modifications(sandbox: Sandbox, venue: str) -> int:
    """How many modifications the exchange applied since the reset."""
    state = sandbox.state()
    if venue == "bitget":
        return sum(int(o["modifications"]) for o in state["bitget"]["orders"])
    return sum(1 for o in state["hyperliquid"]["orders"] if o["replaces"] is not None)


#: What the plan settles from the book without sending (neither fails the task by default).
PLANNED = ("unchanged", "not_open")


def check_outcome(
    run: OperatorRun,
    edits: Any,
    verdicts: list[Verdict] | None,
    sandbox: Sandbox,
    venue: str,
    on_invalid: str,
) -> str:
    """Assert the run ended in (a) or (b); returns which."""
    from airflow.sdk.exceptions import AirflowException, AirflowFailException

    error = run.error
    assert error is None or type(error) in (AirflowException, AirflowFailException), repr(error)
    requests = modify_requests(sandbox, venue)
    report = run.ti.xcoms.get("return_value", run.report)
    if isinstance(error, AirflowFailException) and report is None:
        # Not a list of edits at all: refused before any edit was looked at.
        assert not isinstance(edits, list), error
        assert "edits" in str(error)
        assert requests == []
        return "refused"
    assert report is not None, f"no report pushed before {error!r}"
    count = len(edits) if isinstance(edits, list) else len(report["edits"])
    assert [e["index"] for e in report["edits"]] == list(range(count))
    assert report["totals"]["edits"] == count
    statuses = [e["status"] for e in report["edits"]]
    invalid = {i for i, status in enumerate(statuses) if status == "invalid"}
    if verdicts is not None:
        assert {i for i, v in enumerate(verdicts) if v == "invalid"} <= invalid, statuses
        assert not {i for i, v in enumerate(verdicts) if v == "valid"} & invalid, statuses
    if invalid and on_invalid == "fail":
        # (a): the task fails naming every bad edit, and nothing went out.
        assert type(error) is AirflowFailException
        assert "nothing was sent" in str(error)
        assert named_edits(str(error)) == {i for i in invalid if i < 50}
        assert set(statuses) <= {"invalid", "not_sent", *PLANNED}
        assert requests == []
        return "invalid"
    # (b): every edit accounted for once; what the report calls modified is what the exchange did.
    assert set(statuses) <= {"modified", "rejected", "failed", "unknown", "invalid", "not_sent", *PLANNED}
    assert (error is None) == all(s in ("modified", *PLANNED) for s in statuses), (error, statuses)
    assert all(report["edits"][i]["attempts"] == 0 for i, s in enumerate(statuses) if s in PLANNED)
    assert all(report["edits"][i]["attempts"] == 0 for i in invalid)
    assert sum(r["items"] for r in requests) == sum(e["attempts"] for e in report["edits"])
    assert applied_modifications(sandbox, venue) == statuses.count("modified")
    return "processed"


# -- strategies -----------------------------------------------------------------------------------

JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
)
JSON = st.recursive(
    JSON_SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
NON_DICT = JSON.filter(lambda value: not isinstance(value, dict))
NESTED = st.lists(JSON, min_size=0, max_size=3) | st.dictionaries(st.text(max_size=8), JSON, max_size=3)

#: Text that can never be a number, an id or a symbol: it always carries a snowman, plus
#: anything from the whole of Unicode (control characters, emoji, right-to-left marks...).
JUNK_TEXT = st.one_of(
    st.text(max_size=40).map(lambda s: s + "\u2603"),
    st.sampled_from(["", "   ", "\x00", "\t\n", "\u202e1001", "🚀" * 3, "1001\u0000", "\ud7ff"]),
    st.integers(min_value=1_000, max_value=150_000).map(lambda n: "\U0001f4a5" * n),
)
NON_FINITE = st.sampled_from([math.nan, math.inf, -math.inf, "NaN", "Infinity", "-inf", "sNaN"])
NOT_POSITIVE = st.one_of(
    st.integers(max_value=0),
    st.floats(max_value=0.0, allow_nan=False, allow_infinity=False),
    st.decimals(max_value=0, allow_nan=False, allow_infinity=False, places=3).map(str),
)
TOO_LARGE = st.one_of(
    st.integers(min_value=10**19, max_value=10**400),
    st.floats(min_value=1e19, allow_infinity=False),
    st.sampled_from(["1e19", "1E+400", "9" * 39, "9" * 41, "1" + "0" * 100]),
)
#: Text a careless parser might take for a number.
NUMBERISH = st.sampled_from(["null", "NaN", "-", "0x10", "1,5", "1.2.3", "1e", "+-1", "0b101", "1/2", "five"])
#: Wrong for any price, size or quantity.
BAD_NUMBER = st.one_of(st.booleans(), NON_FINITE, NOT_POSITIVE, TOO_LARGE, JUNK_TEXT, NUMBERISH, NESTED)
BAD_TEXT = st.one_of(JUNK_TEXT, st.booleans(), st.integers(max_value=0), st.floats(), NESTED)


def unknown_key(known: tuple[str, ...]) -> st.SearchStrategy[str]:
    return st.text(max_size=20).filter(lambda key: key not in known)


@dataclass(frozen=True)
class Venue:
    conn_id: str
    pool: list[dict[str, Any]]
    fields: tuple[str, ...]
    mutations: Callable[[dict[str, Any]], st.SearchStrategy[tuple[Any, Verdict]]]


def _set(edit: dict[str, Any], key: str, value: Any) -> dict[str, Any]:
    return {**edit, key: value}


def _without(edit: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in edit.items() if k != key}


BITGET_FIELDS = ("orderId", "clientOid", "qty", "price", "autoCancel", "symbol", "category")


def bitget_mutations(edit: dict[str, Any]) -> st.SearchStrategy[tuple[Any, Verdict]]:
    invalid: list[st.SearchStrategy[Any]] = [
        BAD_NUMBER.map(lambda v: _set(edit, "price", v)),
        BAD_NUMBER.map(lambda v: _set(edit, "qty", v)),
        st.one_of(BAD_TEXT, st.integers(max_value=0), st.just("1" * 65)).map(
            lambda v: _set(edit, "orderId", v)
        ),
        st.one_of(BAD_TEXT, st.just("c" * 33)).map(lambda v: _set(_without(edit, "orderId"), "clientOid", v)),
        BAD_TEXT.map(lambda v: _set(edit, "symbol", v)),
        BAD_TEXT.map(lambda v: _set(edit, "category", v)),
        st.one_of(JUNK_TEXT, st.integers(), NESTED).map(lambda v: _set(edit, "autoCancel", v)),
        st.just(_without(edit, "orderId")),
        st.sampled_from(["symbol", "category"]).map(lambda k: _without(edit, k)),
        st.just({k: v for k, v in edit.items() if k not in ("price", "qty")}),
        st.tuples(unknown_key(BITGET_FIELDS), JSON).map(lambda kv: _set(edit, kv[0], kv[1])),
        NON_DICT,
    ]
    either: list[st.SearchStrategy[Any]] = [
        st.integers(min_value=1, max_value=10**30).map(lambda v: _set(edit, "orderId", v)),
        st.from_regex(r"[a-z0-9_]{1,32}", fullmatch=True).map(lambda v: _set(edit, "clientOid", v)),
        st.sampled_from([True, False, "yes", "NO"]).map(lambda v: _set(edit, "autoCancel", v)),
        st.sampled_from(["0.01", "0.5", 1, 2.0, "1e2"]).map(lambda v: _set(edit, "qty", v)),
        st.sampled_from(["btcusdt", " BTCUSDT "]).map(lambda v: _set(edit, "symbol", v)),
    ]
    return st.one_of(
        st.one_of(*invalid).map(lambda e: (e, "invalid")), st.one_of(*either).map(lambda e: (e, "either"))
    )


HL_FIELDS = (
    "oid",
    "cloid",
    "coin",
    "asset",
    "is_buy",
    "price",
    "size",
    "reduce_only",
    "order_type",
    "new_cloid",
)
CLOID = st.from_regex(r"0x[0-9a-f]{32}", fullmatch=True)


def hyperliquid_mutations(edit: dict[str, Any]) -> st.SearchStrategy[tuple[Any, Verdict]]:
    invalid: list[st.SearchStrategy[Any]] = [
        BAD_NUMBER.map(lambda v: _set(edit, "price", v)),
        BAD_NUMBER.map(lambda v: _set(edit, "size", v)),
        st.one_of(BAD_TEXT, st.integers(min_value=2**64), st.integers(max_value=0)).map(
            lambda v: _set(edit, "oid", v)
        ),
        st.one_of(
            JUNK_TEXT, st.integers(), st.floats(), st.none(), st.sampled_from(["true", "false"]), NESTED
        ).map(lambda v: _set(edit, "is_buy", v)),
        st.one_of(JUNK_TEXT, st.integers(), NESTED).map(lambda v: _set(edit, "reduce_only", v)),
        st.one_of(JUNK_TEXT, NESTED, st.just({"limit": {"tif": "Fok"}})).map(
            lambda v: _set(edit, "order_type", v)
        ),
        st.one_of(JUNK_TEXT, st.integers(), st.just("0x" + "a" * 31)).map(
            lambda v: _set(edit, "new_cloid", v)
        ),
        JUNK_TEXT.map(lambda v: _set(edit, "coin", v)),
        st.one_of(st.booleans(), st.integers(max_value=-1), JUNK_TEXT).map(lambda v: _set(edit, "asset", v)),
        CLOID.map(lambda v: _set(edit, "cloid", v)),  # both ids
        st.just(_without(edit, "oid")),
        st.sampled_from(["coin", "is_buy", "price", "size"]).map(lambda k: _without(edit, k)),
        st.tuples(unknown_key(HL_FIELDS), JSON).map(lambda kv: _set(edit, kv[0], kv[1])),
        NON_DICT,
    ]
    either: list[st.SearchStrategy[Any]] = [
        st.integers(min_value=1, max_value=2**64 - 1).map(lambda v: _set(edit, "oid", v)),
        CLOID.map(lambda v: _set(_without(edit, "oid"), "cloid", v)),
        CLOID.map(lambda v: _set(edit, "new_cloid", v)),
        st.sampled_from([{"limit": {"tif": "Alo"}}, {"limit": {"tif": "Ioc"}}]).map(
            lambda v: _set(edit, "order_type", v)
        ),
        st.sampled_from(["140", 141, 139.5, "1e2"]).map(lambda v: _set(edit, "price", v)),
        st.just(_set(_without(edit, "coin"), "asset", 2)),
    ]
    return st.one_of(
        st.one_of(*invalid).map(lambda e: (e, "invalid")), st.one_of(*either).map(lambda e: (e, "either"))
    )


VENUES = {
    "bitget": Venue("bitget_default", BITGET_POOL, BITGET_FIELDS, bitget_mutations),
    "hyperliquid": Venue("hyperliquid_default", HL_POOL, HL_FIELDS, hyperliquid_mutations),
}


@st.composite
def mutated_batch(draw: st.DrawFn, venue: Venue) -> tuple[list[Any], list[Verdict]]:
    """Valid edits, some kept, some repeated, some spoiled one way each."""
    edits: list[Any] = []
    verdicts: list[Verdict] = []
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        base = draw(st.sampled_from(venue.pool))
        kind = draw(st.sampled_from(["keep", "repeat", "spoil", "spoil", "spoil"]))
        if kind == "keep":
            edits.append(dict(base))
            verdicts.append("valid")
        elif kind == "repeat" and edits:
            # The same order again: a valid edit that must wait for a later request.
            at = draw(st.integers(min_value=0, max_value=len(edits) - 1))
            edits.append(edits[at])
            verdicts.append(verdicts[at])
        else:
            edit, verdict = draw(venue.mutations(base))
            edits.append(edit)
            verdicts.append(verdict)
    return edits, verdicts


# -- property tests -----------------------------------------------------------------------------

EXCHANGES = st.sampled_from(["bitget", "hyperliquid"])


@settings(PROPERTY, max_examples=80)
@given(exchange=EXCHANGES, edits=st.lists(JSON, max_size=8))
def test_any_json_list(
    run_operator: RunOperator, sandbox_conns: Sandbox, exchange: str, edits: list[Any]
) -> None:
    reset(sandbox_conns)
    run = run_operator(VENUES[exchange].conn_id, edits)
    # Random JSON is never a valid edit: every item must be named and nothing sent.
    verdicts: list[Verdict] = ["invalid"] * len(edits)
    outcome = check_outcome(run, edits, verdicts, sandbox_conns, exchange, "fail")
    event(f"{exchange}: {outcome}")
    assert outcome == ("invalid" if edits else "processed")


@settings(PROPERTY, max_examples=80)
@given(exchange=EXCHANGES, edits=JSON | JSON.map(json.dumps) | st.lists(JSON).map(json.dumps))
def test_any_json_value(run_operator: RunOperator, sandbox_conns: Sandbox, exchange: str, edits: Any) -> None:
    """Not only lists: dicts, numbers, None, and JSON text of any of them."""
    reset(sandbox_conns)
    run = run_operator(VENUES[exchange].conn_id, edits)
    outcome = check_outcome(run, edits, None, sandbox_conns, exchange, "fail")
    event(f"{exchange}: {type(edits).__name__} -> {outcome}")
    if not isinstance(edits, (list, str, dict)):
        assert outcome == "refused"


@pytest.mark.parametrize("exchange", ["bitget", "hyperliquid"])
@settings(PROPERTY, max_examples=90)
@given(data=st.data(), on_invalid=st.sampled_from(["fail", "skip"]))
def test_spoiled_valid_edits(
    run_operator: RunOperator, sandbox_conns: Sandbox, exchange: str, on_invalid: str, data: st.DataObject
) -> None:
    venue = VENUES[exchange]
    edits, verdicts = data.draw(mutated_batch(venue), label="edits and verdicts")
    reset(sandbox_conns)
    run = run_operator(venue.conn_id, edits, on_invalid=on_invalid, max_attempts=2)
    outcome = check_outcome(run, edits, verdicts, sandbox_conns, exchange, on_invalid)
    statuses = sorted(
        {e["status"] for e in run.ti.xcoms.get("return_value", run.report or {}).get("edits", [])}
    )
    event(f"on_invalid={on_invalid}: {outcome} {statuses}")
    if "invalid" in verdicts:
        assert outcome == ("invalid" if on_invalid == "fail" else "processed")
