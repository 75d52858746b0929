"""HyperliquidClient on the sandbox process: the seed's keys and orders, and the edits the tests build."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from airflow_batchmod.exchanges.base import EditProblem, ItemResult, Outcome, PreparedEdit
from airflow_batchmod.exchanges.hyperliquid.client import HyperliquidClient
from airflow_batchmod.exchanges.hyperliquid.models import parse_edit
from airflow_batchmod.exchanges.hyperliquid.planning import build_edit, check_edit
from airflow_batchmod.exchanges.retry import ReadRetry
from airflow_batchmod.testing.sandbox import Sandbox
from tests.support.sandbox_state import hyperliquid_orders

KEY_A = "0x0123456789012345678901234567890123456789012345678901234567890123"
KEY_AGENT = "0x2222222222222222222222222222222222222222222222222222222222222222"  # agent of account A
KEY_B = "0x1111111111111111111111111111111111111111111111111111111111111111"
USER_A = "0x14791697260e4c9a71f18484c9f997b308e59325"
VAULT = "0x1719884eb866cb12b2287399b15f7db5e7d775ea"  # owned by account A
BTC_ALO_CLOID = "0x0000000a000000000000000000000001"  # on 1000001: BTC buy 59900 0.002 Alo
CLOID_1000004 = "0x0000000a000000000000000000000004"  # BTC buy 59600 0.001 Gtc


def _keeps_original(sandbox: Sandbox) -> bool:
    return bool(sandbox.configure()["hyperliquid_failed_modify"] == "keeps_original")


class _client:
    """A client on the sandbox, closed on exit."""

    def __init__(self, sandbox: Sandbox, key: str = KEY_A, **options: Any) -> None:
        options.setdefault("read_retry", ReadRetry(base_delay=0.05))
        if key == KEY_A:
            # Named, as a scheduled run's connection does: no userRole read (weight 60).
            options.setdefault("account_address", USER_A)
        self.client = HyperliquidClient(key, base_url=sandbox.url, **options)

    def __enter__(self) -> HyperliquidClient:
        return self.client

    def __exit__(self, *_: object) -> None:
        self.client.close()


def _prepare(client: HyperliquidClient, raw: list[Any]) -> list[PreparedEdit]:
    preparation = client.prepare(raw)
    assert preparation.problems == [], [problem.describe() for problem in preparation.problems]
    return preparation.edits


def _as_given(client: HyperliquidClient, raw: list[Any]) -> list[PreparedEdit]:
    """Edits built from the input alone, without reading the book: what the venue does with edits
    the plan would keep back (the book changed after planning, or another writer sent them)."""
    directory = client.info.directory()
    edits = []
    for index, item in enumerate(raw):
        request = parse_edit(item)
        # Checked at a size worth enough, then sent at the size asked: the minimum value is one of
        # the rules the plan keeps back and the venue must be seen to enforce.
        checked = check_edit(index, replace(request, size=Decimal(10**6)), directory, round_to_rules=False)
        assert not isinstance(checked, EditProblem), checked
        checked = replace(checked, request=request, size=request.size)
        built = build_edit(checked, None, directory, user=client.user_address, always_place=False)
        assert isinstance(built, PreparedEdit), built
        edits.append(built)
    return edits


def _btc(oid: int | str, price: str, size: str, **values: Any) -> dict[str, Any]:
    edit: dict[str, Any] = {"coin": "BTC", "is_buy": True, "price": price, "size": size}
    edit["cloid" if isinstance(oid, str) else "oid"] = oid
    edit.update(values)
    return edit


def _outcomes(results: list[ItemResult]) -> list[Outcome]:
    return [result.outcome for result in results]


def _replacement(sandbox: Sandbox, oid: int) -> int | None:
    replaced_by = hyperliquid_orders(sandbox)[oid]["replacedBy"]
    return int(replaced_by) if replaced_by is not None else None
