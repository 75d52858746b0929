"""Builder-deployed (HIP-3) perps end to end against the sandbox process: dex ``xyz`` of the default
seed (perp dex index 1: ``xyz:TSLA`` is asset 110000, szDecimals 3, mark 250; account A rests
900001 buy 245 0.1 and 900002 sell 255.5 0.08 on it). Judged from the sandbox's state and log."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from airflow_batchmod.exchanges.base import Landing, Outcome, OutcomeUnknownError
from airflow_batchmod.exchanges.hyperliquid.client import HyperliquidClient
from airflow_batchmod.exchanges.retry import ReadRetry
from airflow_batchmod.hooks.hyperliquid import HyperliquidHook
from airflow_batchmod.testing.sandbox import Sandbox
from tests.integration.conftest import RunOperator
from tests.support.sandbox_state import hyperliquid_orders, modify_requests

KEY_A = "0x0123456789012345678901234567890123456789012345678901234567890123"
USER_A = "0x14791697260e4c9a71f18484c9f997b308e59325"
TSLA = 110_000
TSLA_BUY, TSLA_SELL = 900001, 900002
TSLA_BUY_CLOID = "0x0000000d000000000000000000000001"


def _edit(oid: int, price: str, size: str, **names: Any) -> dict[str, Any]:
    """An edit keeping the seeded order's side (only 900002 of those used here sells)."""
    return {"oid": oid, "is_buy": oid != TSLA_SELL, "price": price, "size": size, **names}


@pytest.fixture
def hl_client(fresh_sandbox: Sandbox) -> Iterator[HyperliquidClient]:
    client = HyperliquidClient(
        KEY_A, base_url=fresh_sandbox.url, account_address=USER_A, read_retry=ReadRetry(base_delay=0.05)
    )
    try:
        yield client
    finally:
        client.close()


def _info(http: httpx.Client, body: dict[str, Any]) -> Any:
    response = http.post("/info", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def test_sandbox_answers_per_dex(client: httpx.Client) -> None:
    dexes = _info(client, {"type": "perpDexs"})
    assert dexes[0] is None and dexes[1]["name"] == "xyz" and len(dexes) == 2
    meta = _info(client, {"type": "meta", "dex": "xyz"})
    assert [(u["name"], u["szDecimals"]) for u in meta["universe"]] == [("xyz:TSLA", 3), ("xyz:NVDA", 2)]
    assert "xyz:TSLA" not in {u["name"] for u in _info(client, {"type": "meta"})["universe"]}
    assert _info(client, {"type": "allMids", "dex": "xyz"}) == {"xyz:TSLA": "250", "xyz:NVDA": "180"}
    assert "xyz:TSLA" not in _info(client, {"type": "allMids"})
    for kind in ("frontendOpenOrders", "openOrders"):
        on_xyz = _info(client, {"type": kind, "user": USER_A, "dex": "xyz"})
        assert [(o["oid"], o["coin"]) for o in on_xyz] == [(TSLA_SELL, "xyz:TSLA"), (TSLA_BUY, "xyz:TSLA")]
        default = _info(client, {"type": kind, "user": USER_A})
        assert not {o["oid"] for o in default} & {TSLA_BUY, TSLA_SELL}
    assert client.post("/info", json={"type": "meta", "dex": "nope"}).status_code == 422


@pytest.mark.parametrize("names", [{"coin": "xyz:TSLA"}, {"asset": TSLA}], ids=["by_coin", "by_asset_id"])
def test_client_modifies_a_hip3_order(
    hl_client: HyperliquidClient, fresh_sandbox: Sandbox, names: dict[str, Any]
) -> None:
    fresh_sandbox.clear_requests()
    preparation = hl_client.prepare([_edit(TSLA_BUY, "246.25", "0.12", **names)])
    assert preparation.problems == [] and len(preparation.edits) == 1
    reads = [entry["kind"] for entry in fresh_sandbox.requests()]
    # perpDexs once and the dex's meta; no default meta or spotMeta for a HIP-3-only run; the
    # default dex's open orders and then xyz's (then the crossing check's book, if any).
    assert reads[:4] == ["perpDexs", "meta", "frontendOpenOrders", "frontendOpenOrders"]
    assert set(reads[4:]) <= {"l2Book"}
    [result] = hl_client.submit(preparation.edits)
    assert result.outcome is Outcome.APPLIED, result
    orders = hyperliquid_orders(fresh_sandbox)
    new = orders[int(str(result.order_id))]
    assert orders[TSLA_BUY]["status"] == "canceled" and orders[TSLA_BUY]["replacedBy"] == new["oid"]
    assert (new["coin"], new["asset"], new["status"]) == ("xyz:TSLA", TSLA, "open")
    assert (Decimal(new["limitPx"]), Decimal(new["sz"])) == (Decimal("246.25"), Decimal("0.12"))
    [modify] = modify_requests(fresh_sandbox, "hyperliquid")
    assert modify["status"] == 200 and modify["items"] == 1


def test_hip3_precision_is_the_perp_rules(hl_client: HyperliquidClient, fresh_sandbox: Sandbox) -> None:
    fresh_sandbox.clear_requests()
    # szDecimals 3: at most 3 size decimals and 6 - 3 = 3 price decimals; 5 significant figures.
    edits = [
        _edit(TSLA_BUY, "246.125", "0.1234", coin="xyz:TSLA"),
        _edit(TSLA_SELL, "255.1234", "0.08", coin="xyz:TSLA"),
        _edit(TSLA_BUY, "1", "1", coin="xyz:NOPE"),
        _edit(TSLA_BUY, "1", "1", asset=120_000),
    ]
    preparation = hl_client.prepare(edits)
    assert preparation.edits == []
    assert [problem.index for problem in preparation.problems] == [0, 1, 2, 3]
    assert "size" in " ".join(preparation.problems[0].problems)
    assert "price" in " ".join(preparation.problems[1].problems)
    assert modify_requests(fresh_sandbox, "hyperliquid") == []


def test_default_and_builder_dex_edits_share_one_batch(
    hl_client: HyperliquidClient, fresh_sandbox: Sandbox
) -> None:
    edits = [_edit(TSLA_SELL, "256", "0.08", coin="xyz:TSLA"), _edit(1000002, "59700", "0.001", coin="BTC")]
    preparation = hl_client.prepare(edits)
    assert preparation.problems == []
    results = hl_client.submit(preparation.edits)
    assert [result.outcome for result in results] == [Outcome.APPLIED, Outcome.APPLIED]
    orders = hyperliquid_orders(fresh_sandbox)
    assert orders[TSLA_SELL]["status"] == orders[1000002]["status"] == "canceled"
    # A client that did not see the answers confirms from the book: the HIP-3 order is not on the
    # default dex's list, so it is looked up by orderStatus, and lands all the same.
    pairs = zip(preparation.edits, results, strict=True)
    moved = [hl_client.retarget(edit, str(result.order_id)) for edit, result in pairs]
    with HyperliquidClient(KEY_A, base_url=fresh_sandbox.url, account_address=USER_A) as fresh:
        fresh_sandbox.clear_requests()
        assert [answer.landing for answer in fresh.confirm(moved)] == [Landing.LANDED, Landing.LANDED]
    assert [entry["kind"] for entry in fresh_sandbox.requests()] == ["frontendOpenOrders", "orderStatus"]


@pytest.mark.parametrize("fault", ["drop_after", "drop_before"])
def test_a_hip3_edit_in_doubt_is_reconciled_from_the_book(
    hl_client: HyperliquidClient, fresh_sandbox: Sandbox, fault: str
) -> None:
    preparation = hl_client.prepare([_edit(TSLA_SELL, "256.5", "0.08", coin="xyz:TSLA")])
    fresh_sandbox.set_faults([{"venue": "hyperliquid", "endpoint": "modify", "fault": fault}])
    with pytest.raises(OutcomeUnknownError):
        hl_client.submit(preparation.edits)
    [result] = hl_client.reconcile(preparation.edits)
    replaced_by = hyperliquid_orders(fresh_sandbox)[TSLA_SELL]["replacedBy"]
    if fault == "drop_after":
        assert result.outcome is Outcome.APPLIED and result.order_id == str(replaced_by)
    else:
        # Not applied: the original still rests on dex xyz, so the edit may be sent again.
        assert result.outcome is Outcome.RETRY and replaced_by is None


def test_hooks_list_and_price_a_hip3_coin(sandbox_conns: Sandbox) -> None:
    hook = HyperliquidHook("hyperliquid_default")
    listed = hook.get_open_orders(coin="xyz:TSLA")
    assert [(int(o["order_id"]), o["symbol"]) for o in listed] == [
        (TSLA_SELL, "xyz:TSLA"),
        (TSLA_BUY, "xyz:TSLA"),
    ]
    assert Decimal(listed[1]["price"]) == Decimal("245")
    assert hook.get_mid_price("xyz:TSLA") == Decimal("250")
    sandbox_conns.mark("hyperliquid", "xyz:TSLA", "251.5")
    assert hook.get_mid_price("xyz:TSLA") == Decimal("251.5")


def test_operator_modifies_hip3_orders(run_operator: RunOperator, sandbox_conns: Sandbox) -> None:
    by_cloid = {**_edit(TSLA_BUY, "244", "0.1", coin="xyz:TSLA"), "cloid": TSLA_BUY_CLOID}
    del by_cloid["oid"]
    edits = [by_cloid, _edit(TSLA_SELL, "257", "0.09", asset=TSLA)]
    run = run_operator("hyperliquid_default", edits)
    assert run.error is None, run.error
    assert run.statuses() == ["modified", "modified"]
    assert run.report is not None
    orders = hyperliquid_orders(sandbox_conns)
    for entry, edit, original in zip(run.report["edits"], edits, (TSLA_BUY, TSLA_SELL), strict=True):
        new = orders[int(entry["order_id"])]
        assert orders[original]["replacedBy"] == new["oid"] and new["status"] == "open"
        assert (new["coin"], Decimal(new["limitPx"]), Decimal(new["sz"])) == (
            "xyz:TSLA",
            Decimal(edit["price"]),
            Decimal(edit["size"]),
        )
    assert [r["items"] for r in modify_requests(sandbox_conns, "hyperliquid")] == [2]
