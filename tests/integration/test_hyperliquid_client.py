"""HyperliquidClient against the real sandbox process (default seed, see docs/sandbox.md)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from airflow_batchmod.exchanges.base import (
    EditProblem,
    FatalRequestError,
    ItemResult,
    MetadataRefusedError,
    Outcome,
    OutcomeUnknownError,
    PreparedEdit,
    TransientRequestError,
)
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


#: Every way the sandbox plays what the venue leaves open (docs/venue-behaviour.md); the client
#: must be right under each.
VENUE_MODES = {
    "default": {},
    "keeps_original": {"hyperliquid_failed_modify": "keeps_original"},
    "oldest_cloid": {"hyperliquid_shared_cloid_status": "oldest"},
}


@pytest.fixture(params=sorted(VENUE_MODES))
def sandbox(fresh_sandbox: Sandbox, request: pytest.FixtureRequest) -> Sandbox:
    fresh_sandbox.configure(**VENUE_MODES[request.param])
    return fresh_sandbox


def _keeps_original(sandbox: Sandbox) -> bool:
    return bool(sandbox.configure()["hyperliquid_failed_modify"] == "keeps_original")


@pytest.fixture
def client(sandbox: Sandbox) -> Iterator[HyperliquidClient]:
    with _client(sandbox) as made:
        yield made


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


def test_batch_modify_returns_the_replacement_oids(sandbox: Sandbox, client: HyperliquidClient) -> None:
    edits = _prepare(
        client,
        [
            _btc(1000002, "59810", "0.002"),
            _btc(1000003, "59710", "0.003"),
            {"oid": 1000021, "coin": "ETH", "is_buy": True, "price": "2991.5", "size": "0.02"},
            {
                "oid": 1000054,
                "order": {
                    "a": 10000,
                    "b": True,
                    "p": "0.191",
                    "s": "150",
                    "r": False,
                    "t": {"limit": {"tif": "Gtc"}},
                },
            },
        ],
    )
    results = client.submit(edits)
    assert _outcomes(results) == [Outcome.APPLIED] * 4
    orders = hyperliquid_orders(sandbox)
    for edit, result, (oid, price, size) in zip(
        edits,
        results,
        [
            (1000002, "59810", "0.002"),
            (1000003, "59710", "0.003"),
            (1000021, "2991.5", "0.02"),
            (1000054, "0.191", "150"),
        ],
        strict=True,
    ):
        assert result.index == edit.index
        old = orders[oid]
        assert old["status"] == "canceled"
        assert result.order_id == str(old["replacedBy"])
        new = orders[int(result.order_id)]
        assert (new["status"], new["replaces"], new["limitPx"], new["sz"]) == ("open", oid, price, size)
        # every modify carries a cloid; an order that had one keeps it
        assert new["cloid"] == edit.payload.cloid
    assert orders[int(results[2].order_id or 0)]["cloid"] == "0x0000000a000000000000000000000015"
    modify_log = [entry for entry in sandbox.requests() if entry["endpoint"] == "modify"]
    assert len(modify_log) == 1 and modify_log[0]["items"] == 4


def test_modify_by_cloid(sandbox: Sandbox, client: HyperliquidClient) -> None:
    (edit,) = _prepare(client, [_btc(BTC_ALO_CLOID, "59850", "0.003", order_type={"limit": {"tif": "Alo"}})])
    assert edit.order_key == f"cloid:{BTC_ALO_CLOID}" and edit.batch_group == "alo"
    (result,) = client.submit([edit])
    assert result.outcome is Outcome.APPLIED
    assert result.order_id == str(_replacement(sandbox, 1000001))
    new = hyperliquid_orders(sandbox)[int(result.order_id or 0)]
    assert (new["cloid"], new["limitPx"], new["sz"]) == (BTC_ALO_CLOID, "59850", "0.003")
    assert sandbox.requests()[-1]["order_keys"] == [BTC_ALO_CLOID]


def test_new_cloid_is_given_to_the_new_order(sandbox: Sandbox, client: HyperliquidClient) -> None:
    fresh = "0x" + "ef" * 16
    (edit,) = _prepare(client, [_btc(1000004, "59610", "0.001", new_cloid=fresh)])
    (result,) = client.submit([edit])
    assert result.outcome is Outcome.APPLIED
    assert hyperliquid_orders(sandbox)[int(result.order_id or 0)]["cloid"] == fresh


def test_vault_trading(sandbox: Sandbox) -> None:
    with _client(sandbox, vault_address=VAULT) as client:
        assert client.user_address == VAULT
        edits = _prepare(
            client, [_btc(1000101, "59510", "0.001"), _btc(1000102, "60510", "0.001", is_buy=False)]
        )
        results = client.submit(edits)
    assert _outcomes(results) == [Outcome.APPLIED, Outcome.APPLIED]
    orders = hyperliquid_orders(sandbox)
    for result, oid in zip(results, (1000101, 1000102), strict=True):
        new = orders[int(result.order_id or 0)]
        assert (new["user"], new["replaces"]) == (VAULT, oid)
    # the vault's orders are not the signer's: without the vault the same oid cannot be modified
    with _client(sandbox) as client:
        planned = client.prepare([_btc(1000105, "146", "1", coin="SOL")])
        assert [skip.status.value for skip in planned.skipped] == ["not_open"]  # not in its book
        (result,) = client.submit(_as_given(client, [_btc(1000105, "146", "1", coin="SOL")]))
    assert result.outcome is Outcome.REJECTED
    assert "Cannot modify canceled or filled order" in (result.message or "")


def test_agent_wallet_trades_for_its_account(sandbox: Sandbox) -> None:
    with _client(sandbox, KEY_AGENT, account_address=USER_A) as client:
        assert client.user_address == USER_A and client.signer_address.lower() != USER_A
        (edit,) = _prepare(client, [_btc(1000006, "59410", "0.001")])
        (result,) = client.submit([edit])
        assert client.user_role()["role"] == "agent"
        assert client.user_role(USER_A) == {"role": "user"}
        assert client.user_role(VAULT)["role"] == "vault"
    assert result.outcome is Outcome.APPLIED
    assert hyperliquid_orders(sandbox)[int(result.order_id or 0)]["user"] == USER_A


def test_agent_key_without_account_acts_for_the_account(sandbox: Sandbox) -> None:
    with _client(sandbox, KEY_AGENT) as client:
        (edit,) = _prepare(client, [_btc(1000006, "59410", "0.001")])
        (result,) = client.submit([edit])
        assert client.user_address == USER_A
    assert result.outcome is Outcome.APPLIED
    orders = hyperliquid_orders(sandbox)
    assert orders[int(result.order_id or 0)]["user"] == USER_A and orders[1000006]["status"] == "canceled"
    # Asked once, for the signer.
    (asked,) = sandbox.requests_where(venue="hyperliquid", kind="userRole")
    assert asked["status"] == 200


def test_a_key_that_is_neither_the_account_nor_its_agent_fails_naming_both(sandbox: Sandbox) -> None:
    signer_b = "0x19e7e376e7c213b7e7e7e46cc70a5dd086daff2a"
    with (
        _client(sandbox, KEY_B, account_address=USER_A) as client,
        pytest.raises(FatalRequestError) as caught,
    ):
        client.check_identity()
    assert signer_b in caught.value.message and USER_A in caught.value.message
    stranger = "0x" + "42" * 32
    with _client(sandbox, stranger) as client, pytest.raises(MetadataRefusedError) as refused:
        client.prepare([_btc(1000006, "59410", "0.001")])
    assert client.signer_address.lower() in refused.value.message and "login" in refused.value.message
    assert sandbox.requests_where(venue="hyperliquid", endpoint="modify") == []


def test_per_order_errors(sandbox: Sandbox, client: HyperliquidClient) -> None:
    keeps = _keeps_original(sandbox)
    edits = _as_given(
        client,
        [
            _btc(1000008, "59210", "0.001"),  # fine
            _btc(1000009, "60500", "0.002", order_type={"limit": {"tif": "Alo"}}),  # crosses the 60000 mark
            _btc(1000010, "59000", "0.0001"),  # $5.90 < $10
            _btc(999, "59000", "0.001"),  # no such order
        ],
    )
    # Alo and non-Alo edits travel in separate requests
    groups = {edit.batch_group for edit in edits}
    assert groups == {"alo", "other"}
    # A refused placement: the venue may already have cancelled the original (the default) or not.
    refused = Outcome.REJECTED if keeps else Outcome.CANCELLED
    results = client.submit([edit for edit in edits if edit.batch_group == "other"])
    assert _outcomes(results) == [Outcome.APPLIED, refused, Outcome.REJECTED]
    assert "minimum value of $10" in (results[1].message or "")
    assert "Cannot modify canceled or filled order" in (results[2].message or "")
    (alo,) = client.submit([edit for edit in edits if edit.batch_group == "alo"])
    assert alo.outcome is refused and "Post only order would have immediately matched" in (alo.message or "")
    orders = hyperliquid_orders(sandbox)
    left = "open" if keeps else "canceled"
    assert orders[1000009]["status"] == left and orders[1000010]["status"] == left
    assert orders[1000009]["replacedBy"] is None and orders[1000010]["replacedBy"] is None


def test_trigger_modify_needs_always_place(sandbox: Sandbox) -> None:
    trigger = {
        "oid": 1000065,
        "coin": "BTC",
        "is_buy": False,
        "price": "54000",
        "size": "0.002",
        "reduce_only": True,
        "order_type": {"trigger": {"isMarket": True, "triggerPx": "54500", "tpsl": "sl"}},
    }
    with _client(sandbox) as client:
        (result,) = client.submit(_prepare(client, [trigger]))
    assert result.outcome is Outcome.REJECTED and "always place" in (result.message or "")
    with _client(sandbox, always_place=True) as client:
        (edit,) = _prepare(client, [trigger])
        assert edit.batch_group == "other+always"
        (result,) = client.submit([edit])
    assert result.outcome is Outcome.APPLIED
    new = hyperliquid_orders(sandbox)[int(result.order_id or 0)]
    assert new["orderType"]["trigger"]["triggerPx"] == "54500" and new["replaces"] == 1000065


def test_reconcile_after_drop_after_is_applied(sandbox: Sandbox, client: HyperliquidClient) -> None:
    edits = _prepare(client, [_btc(1000012, "60210", "0.001", is_buy=False), _btc(1000004, "59620", "0.001")])
    sandbox.set_faults([{"venue": "hyperliquid", "endpoint": "modify", "fault": "drop_after"}])
    with pytest.raises(OutcomeUnknownError):
        client.submit(edits)
    results = client.reconcile(edits)
    assert _outcomes(results) == [Outcome.APPLIED, Outcome.APPLIED]
    assert [r.order_id for r in results] == [
        str(_replacement(sandbox, 1000012)),
        str(_replacement(sandbox, 1000004)),
    ]


def test_reconcile_after_drop_before_is_retry(sandbox: Sandbox, client: HyperliquidClient) -> None:
    edits = _prepare(client, [_btc(1000013, "60310", "0.002", is_buy=False), _btc(1000007, "59310", "0.002")])
    sandbox.set_faults([{"venue": "hyperliquid", "endpoint": "modify", "fault": "drop_before"}])
    with pytest.raises(OutcomeUnknownError):
        client.submit(edits)
    assert _outcomes(client.reconcile(edits)) == [Outcome.RETRY, Outcome.RETRY]
    assert _replacement(sandbox, 1000013) is None
    # and sending again now works
    assert _outcomes(client.submit(edits)) == [Outcome.APPLIED, Outcome.APPLIED]


def test_http_500_after_apply_then_reconcile(sandbox: Sandbox, client: HyperliquidClient) -> None:
    edits = _prepare(client, [_btc(1000016, "60610", "0.001", is_buy=False)])
    sandbox.set_faults([{"venue": "hyperliquid", "endpoint": "modify", "fault": "http_500_after"}])
    with pytest.raises(OutcomeUnknownError):
        client.submit(edits)
    (result,) = client.reconcile(edits)
    assert (result.outcome, result.order_id) == (Outcome.APPLIED, str(_replacement(sandbox, 1000016)))


def test_http_500_before_apply_then_reconcile_retry(sandbox: Sandbox, client: HyperliquidClient) -> None:
    edits = _prepare(client, [_btc(1000018, "60810", "0.001", is_buy=False)])
    sandbox.set_faults([{"venue": "hyperliquid", "endpoint": "modify", "fault": "http_500"}])
    with pytest.raises(OutcomeUnknownError):
        client.submit(edits)
    assert _outcomes(client.reconcile(edits)) == [Outcome.RETRY]


def test_http_429_is_transient_and_nothing_applied(sandbox: Sandbox, client: HyperliquidClient) -> None:
    edits = _prepare(client, [_btc(1000002, "59820", "0.001")])
    sandbox.set_faults([{"venue": "hyperliquid", "endpoint": "modify", "fault": "http_429"}])
    with pytest.raises(TransientRequestError) as caught:
        client.submit(edits)
    assert caught.value.code == "429"
    assert _replacement(sandbox, 1000002) is None
    assert _outcomes(client.submit(edits)) == [Outcome.APPLIED]


def test_a_later_try_finds_what_an_earlier_try_did(sandbox: Sandbox) -> None:
    """A new client (a new task try) prepares the same input and reconciles the in-doubt edits."""
    raw = [_btc(1000003, "59720", "0.002"), _btc(1000004, "59630", "0.001"), _btc(1000005, "59520", "0.002")]
    with _client(sandbox) as first:
        edits = _prepare(first, raw)
        sandbox.set_faults([{"venue": "hyperliquid", "endpoint": "modify", "fault": "drop_after"}])
        with pytest.raises(OutcomeUnknownError):
            first.submit(edits[:2])
    with _client(sandbox) as second:
        again = second.prepare(raw)
        # The replacements carry the cloids the first try sent: the book shows those edits done.
        assert [(skip.index, skip.status.value, skip.order_id) for skip in again.skipped] == [
            (0, "unchanged", str(_replacement(sandbox, 1000003))),
            (1, "unchanged", str(_replacement(sandbox, 1000004))),
        ]
        (rest,) = again.edits
        assert (rest.index, rest.payload.cloid) == (2, edits[2].payload.cloid)
        assert _outcomes(second.reconcile([rest])) == [Outcome.RETRY]


def test_retarget_then_modify_again(sandbox: Sandbox, client: HyperliquidClient) -> None:
    first, second = _prepare(client, [_btc(1000006, "59420", "0.001"), _btc(1000006, "59430", "0.001")])
    (applied,) = client.submit([first])
    moved = client.retarget(second, applied.order_id or "")
    (result,) = client.submit([moved])
    assert result.outcome is Outcome.APPLIED
    orders = hyperliquid_orders(sandbox)
    assert orders[int(result.order_id or 0)]["replaces"] == int(applied.order_id or 0)
    assert orders[int(result.order_id or 0)]["limitPx"] == "59430"
    # reconciling the retargeted edit finds its own replacement, not the first one
    (again,) = client.reconcile([moved])
    assert (again.outcome, again.order_id) == (Outcome.APPLIED, result.order_id)


def test_wrong_network_is_fatal_and_says_so(sandbox: Sandbox) -> None:
    with _client(sandbox, network="testnet") as client:
        edits = _prepare(client, [_btc(1000002, "59830", "0.001")])
        with pytest.raises(FatalRequestError, match="does not exist") as caught:
            client.submit(edits)
        signer = client.signer_address.lower()
    message = caught.value.message
    assert "check `network` (this connection signs for testnet; mainnet signatures" in message
    (recovered,) = set(re.findall(r"0x[0-9a-fA-F]{40}", message))
    assert recovered.lower() != signer  # the venue recovered someone else from the testnet signature
    assert hyperliquid_orders(sandbox)[1000002]["limitPx"] != "59830"


def test_unknown_signer_is_fatal(sandbox: Sandbox) -> None:
    stranger = "0x" + "33" * 32
    with _client(sandbox, stranger, account_address=USER_A) as client:
        assert client.user_role()["role"] == "missing"
        edits = _as_given(client, [_btc(1000002, "59830", "0.001")])
        with pytest.raises(FatalRequestError) as caught:
            client.submit(edits)
    assert caught.value.code == "auth"
    assert stranger[2:] not in str(caught.value)


def test_concurrent_requests_never_share_a_nonce(sandbox: Sandbox, client: HyperliquidClient) -> None:
    oids = range(1000037, 1000053)  # the 16 SOL orders of account A
    raw = [{"oid": oid, "coin": "SOL", "is_buy": True, "price": "140", "size": "1"} for oid in oids]
    edits = _prepare(client, raw)
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda edit: client.submit([edit]), edits))
    assert [result.outcome for (result,) in answers] == [Outcome.APPLIED] * len(edits)
    statuses = [entry["status"] for entry in sandbox.requests() if entry["endpoint"] == "modify"]
    assert statuses == [200] * len(edits)
