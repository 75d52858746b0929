"""The sandbox answers the Bitget calls we make in the shape the real venue does.

Each recording in ``tests/data/recorded/bitget/`` that answers a call the client makes is asked of
the sandbox again (the same path and query, on an order and market of the default seed); the
answers must have the same keys and JSON types, recursively. ccxt's recordings are real answers
and are matched exactly. The docs' examples are illustrations (their ``requestTime`` is a number
where real answers send text, and they leave out fields real answers carry), so they are used
only for calls nobody recorded live (instruments, batch-modify), and compared by keys.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from airflow_batchmod.testing.sandbox import DEFAULT_SEED, Sandbox, load_seed_document
from tests.support.recorded import recordings, shape_differences
from tests.support.signed_requests import bitget_get, bitget_modify

#: The calls the Bitget client makes, and an order of the default seed in each category to ask about.
CALLS = ("/api/v3/market/instruments", "/api/v3/market/tickers", "/api/v3/trade/order-info",
         "/api/v3/trade/unfilled-orders", "/api/v3/trade/batch-modify-order")  # fmt: skip
SEED_ORDERS = {"USDT-FUTURES": "1001", "SPOT": "1051"}


def cases() -> list[tuple[str, dict[str, Any]]]:
    chosen = []
    for path in CALLS:
        found = recordings("bitget", path)
        live = [(name, recording) for name, recording in found if "ccxt-static" in name]
        chosen += live or found
    return chosen


CASES = cases()


def with_margin_instrument(sandbox: Sandbox) -> None:
    """The default seed plus a MARGIN twin of its spot BTCUSDT (the default seed trades no margin)."""
    seed = load_seed_document(DEFAULT_SEED)
    spot = next(i for i in seed["bitget"]["instruments"] if i["category"] == "SPOT")
    seed["bitget"]["instruments"].append({**spot, "category": "MARGIN"})
    sandbox.reset(seed)


def sandbox_answer(client: httpx.Client, recording: dict[str, Any]) -> dict[str, Any] | None:
    call = recording["call"]
    path, query = call["path"], dict(call.get("query") or {})
    if path == "/api/v3/trade/batch-modify-order":
        return dict(bitget_modify(client, [{"orderId": "1001", "price": "59800.0"}]).json())
    if path == "/api/v3/trade/order-info":
        category = recording["answer"]["data"]["category"]
        if category not in SEED_ORDERS:
            return None
        query = {"orderId": SEED_ORDERS[category]}
    if path.startswith("/api/v3/market/"):
        return dict(client.get(path, params=query).json())
    return dict(bitget_get(client, path, query).json())


@pytest.mark.parametrize(("name", "recording"), CASES, ids=[name for name, _ in CASES])
def test_the_sandbox_answers_in_the_recorded_shape(
    client: httpx.Client, fresh_sandbox: Sandbox, name: str, recording: dict[str, Any]
) -> None:
    if recording["call"].get("query", {}).get("category") == "MARGIN":
        with_margin_instrument(fresh_sandbox)
    ours = sandbox_answer(client, recording)
    if ours is None or (isinstance(ours.get("data"), list) and not ours["data"]):
        pytest.skip(f"the default seed has nothing for {recording['call']}")
    live = "ccxt-static" in name
    assert shape_differences(recording["answer"], ours, scalars=live) == []
