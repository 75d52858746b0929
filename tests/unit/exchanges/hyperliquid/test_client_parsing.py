"""Client behaviour on answers the sandbox does not produce, with httpx.MockTransport."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from airflow_batchmod.exchanges.base import (
    BudgetExhaustedError,
    FailureKind,
    FatalRequestError,
    Landing,
    MetadataError,
    Outcome,
    OutcomeUnknownError,
    PreparedEdit,
    TransientRequestError,
)
from airflow_batchmod.exchanges.hyperliquid.client import HyperliquidClient, ModifyPayload
from airflow_batchmod.exchanges.hyperliquid.cloids import derived_cloid
from airflow_batchmod.exchanges.hyperliquid.metadata import build_directory
from airflow_batchmod.exchanges.hyperliquid.signing import recover_l1_signer
from airflow_batchmod.exchanges.retry import ReadRetry
from tests.support.timing import RecordingLimiter

KEY = "0x0123456789012345678901234567890123456789012345678901234567890123"
ADDRESS = "0x14791697260E4c9A71f18484C9f997B308e59325"
USER = ADDRESS.lower()
VAULT = "0x1719884eb866cb12b2287399b15f7db5e7d775ea"
OWN_CLOID = "0x" + "11" * 16
NEW_CLOID = "0x" + "22" * 16

META = {
    "universe": [
        {"name": "BTC", "szDecimals": 5, "maxLeverage": 50},
        {"name": "OLD", "szDecimals": 2, "maxLeverage": 3, "isDelisted": True},
        {"name": "ETH", "szDecimals": 4, "maxLeverage": 50},
    ]
}
SPOT_META = {
    "tokens": [
        {"name": "USDC", "szDecimals": 8, "weiDecimals": 8, "index": 0},
        {"name": "PURR", "szDecimals": 0, "weiDecimals": 5, "index": 1},
        {"name": "HYPE", "szDecimals": 2, "weiDecimals": 8, "index": 150},
    ],
    "universe": [
        {"name": "PURR/USDC", "tokens": [1, 0], "index": 0},
        {"name": "@107", "tokens": [150, 0], "index": 107},
    ],
}


def _open_order(oid: int, coin: str = "BTC", cloid: str | None = None) -> dict[str, Any]:
    return {
        "coin": coin,
        "side": "B",
        "limitPx": "59000",
        "sz": "0.01",
        "oid": oid,
        "timestamp": 1,
        "origSz": "0.01",
        "cloid": cloid,
        "reduceOnly": False,
        "orderType": "Limit",
        "tif": "Gtc",
        "isTrigger": False,
        "triggerPx": "0",
    }


def _status(oid: int, status: str, cloid: str | None = None, coin: str = "BTC") -> dict[str, Any]:
    return {
        "status": "order",
        "order": {"order": _open_order(oid, coin, cloid), "status": status, "statusTimestamp": 1},
    }


def _ok(*statuses: Any) -> httpx.Response:
    return httpx.Response(
        200, json={"status": "ok", "response": {"type": "order", "data": {"statuses": list(statuses)}}}
    )


Answer = httpx.Response | Exception | Callable[[dict[str, Any]], httpx.Response]


WIDE_BOOK: dict[str, Any] = {
    "coin": "BTC",
    "time": 1,
    "levels": [[{"px": "1", "sz": "1", "n": 1}], [{"px": "1000000", "sz": "1", "n": 1}]],
}


@dataclass
class FakeVenue:
    """A scripted Hyperliquid: /info from tables, /exchange from a queue of answers."""

    open_orders: list[dict[str, Any]] = field(default_factory=list)
    #: orderStatus answers by oid or cloid; absent -> unknownOid. A list is consumed one per call.
    statuses: dict[int | str, Any] = field(default_factory=dict)
    exchange: list[Answer] = field(default_factory=list)
    info_failures: dict[str, list[Answer]] = field(default_factory=dict)
    sent: list[dict[str, Any]] = field(default_factory=list)
    info_calls: list[dict[str, Any]] = field(default_factory=list)
    sleeps: list[float] = field(default_factory=list)
    budget: dict[str, Any] | None = None
    #: l2Book answer for every coin: a wide book that nothing crosses unless a test says otherwise.
    book: dict[str, Any] = field(default_factory=lambda: dict(WIDE_BOOK))

    def _answer(self, answer: Answer, body: dict[str, Any], request: httpx.Request) -> httpx.Response:
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, httpx.Response):
            return answer
        return answer(body)

    def handle(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if request.url.path == "/exchange":
            self.sent.append(body)
            return self._answer(self.exchange.pop(0), body, request)
        self.info_calls.append(body)
        kind = body["type"]
        failures = self.info_failures.get(kind)
        if failures:
            return self._answer(failures.pop(0), body, request)
        if kind == "meta":
            return httpx.Response(200, json=META)
        if kind == "spotMeta":
            return httpx.Response(200, json=SPOT_META)
        if kind == "frontendOpenOrders":
            return httpx.Response(200, json=self.open_orders)
        if kind == "userRole":
            return httpx.Response(200, json={"role": "user"})
        if kind == "l2Book":
            return httpx.Response(200, json=self.book)
        if kind == "userRateLimit" and self.budget is not None:
            return httpx.Response(200, json=self.budget)
        if kind == "orderStatus":
            answer = self.statuses.get(body["oid"], {"status": "unknownOid"})
            if isinstance(answer, list):
                answer = answer.pop(0) if len(answer) > 1 else answer[0]
            return httpx.Response(200, json=answer)
        return httpx.Response(422, text="Failed to deserialize the JSON body")

    def client(self, **options: Any) -> HyperliquidClient:
        options.setdefault("base_url", "http://venue.invalid")
        # The account is named, as a scheduled run's connection does: no userRole (weight 60).
        options.setdefault("account_address", USER)
        options.setdefault("read_retry", ReadRetry(sleep=self.sleeps.append))
        return HyperliquidClient(KEY, transport=httpx.MockTransport(self.handle), **options)


def _edit(oid: int | str = 1000001, **values: Any) -> dict[str, Any]:
    edit: dict[str, Any] = {"coin": "BTC", "is_buy": True, "price": "59500", "size": "0.02"}
    edit["cloid" if isinstance(oid, str) else "oid"] = oid
    edit.update(values)
    return edit


def _prepared(
    venue: FakeVenue, *raw: dict[str, Any], **options: Any
) -> tuple[HyperliquidClient, list[PreparedEdit]]:
    client = venue.client(**options)
    preparation = client.prepare(list(raw))
    assert preparation.problems == [], [problem.describe() for problem in preparation.problems]
    return client, preparation.edits


# --- identity, secrets, interface ------------------------------------------------------------


def test_a_batch_weighs_one_plus_one_per_forty_modifies() -> None:
    client = FakeVenue().client()
    assert [client.request_weight(n) for n in (1, 39, 40, 79, 80, 200)] == [1, 1, 2, 2, 3, 6]


def test_every_request_takes_its_weight_from_the_one_limiter() -> None:
    venue = FakeVenue(open_orders=[_open_order(1)], exchange=[_ok({"resting": {"oid": 9}})])
    limiter = RecordingLimiter()
    client = venue.client(limiter=limiter, account_address=None)
    edits = client.prepare([_edit(1), _edit(77)]).edits  # 77 is not open: orderStatus
    client.submit(edits)
    client.user_role()
    kinds = [call["type"] for call in venue.info_calls]
    assert kinds == ["userRole", "meta", "frontendOpenOrders", "orderStatus", "l2Book", "userRole"]
    # No account given: the signer's role first (60), then meta 20 (no spot edit: no spotMeta),
    # open orders 20, orderStatus 2, the BTC book 2 (the Gtc edit rests as Alo), the modify 1,
    # userRole 60.
    assert limiter.weights == [60, 20, 20, 2, 2, 1, 60]


def test_acting_user() -> None:
    venue = FakeVenue()
    assert venue.client().signer_address == ADDRESS
    assert venue.client().user_address == USER
    assert venue.client(account_address="0x" + "AB" * 20).user_address == "0x" + "ab" * 20
    assert (
        venue.client(
            account_address="0x" + "AB" * 20, vault_address=VAULT.upper().replace("0X", "0x")
        ).user_address
        == VAULT
    )


def test_default_urls_and_network() -> None:
    assert HyperliquidClient(KEY).base_url == "https://api.hyperliquid.xyz"
    assert HyperliquidClient(KEY, network="testnet").base_url == "https://api.hyperliquid-testnet.xyz"
    assert HyperliquidClient(KEY, base_url="http://proxy.invalid/").base_url == "http://proxy.invalid"
    with pytest.raises(ValueError, match="network"):
        HyperliquidClient(KEY, network="devnet")  # type: ignore[arg-type]


def test_key_never_shown(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    client = FakeVenue().client()
    bare = KEY[2:]
    assert bare not in repr(client) and bare not in str(client)
    assert bare not in repr(vars(client))
    assert KEY in client.secrets() and bare in client.secrets()
    bad_key = "0x" + "zz" * 32
    with pytest.raises(ValueError) as caught:
        HyperliquidClient(bad_key)
    assert "zz" not in str(caught.value)
    assert caught.value.__context__ is None and caught.value.__cause__ is None
    with pytest.raises(ValueError):
        HyperliquidClient(KEY, vault_address="0x123")
    assert bare not in caplog.text


# --- metadata ----------------------------------------------------------------------------------


def test_directory_ids_and_size_decimals() -> None:
    directory = build_directory(META, SPOT_META)
    btc, old, eth = directory.by_name("BTC"), directory.by_name("OLD"), directory.by_name("ETH")
    assert btc is not None and (btc.asset, btc.sz_decimals, btc.max_price_decimals) == (0, 5, 1)
    assert old is not None and (old.asset, old.is_delisted) == (1, True)
    assert eth is not None and eth.asset == 2  # the delisted entry keeps its index
    purr = directory.by_name("PURR/USDC")
    assert purr is not None and (purr.asset, purr.sz_decimals, purr.max_price_decimals) == (10000, 0, 8)
    hype = directory.by_name("@107")
    assert hype is not None and (hype.asset, hype.sz_decimals) == (10107, 2)  # base token's szDecimals
    assert directory.by_name("HYPE/USDC") is hype
    assert directory.by_id(10107) is hype and directory.by_id(3) is None


def test_metadata_fetched_once_per_client() -> None:
    venue = FakeVenue(open_orders=[_open_order(1000001)])
    client = venue.client()
    client.prepare([_edit()])
    client.prepare([_edit()])
    kinds = [call["type"] for call in venue.info_calls]
    # BTC edits only: no spotMeta (weight 20) until an edit names a spot pair.
    assert kinds.count("meta") == 1 and kinds.count("spotMeta") == 0
    assert kinds.count("frontendOpenOrders") == 2
    client.prepare([_edit(coin="PURR/USDC", price="0.2", size="100")])
    kinds = [call["type"] for call in venue.info_calls]
    assert kinds.count("meta") == 1 and kinds.count("spotMeta") == 1
    assert {call.get("user") for call in venue.info_calls if call["type"] == "frontendOpenOrders"} == {USER}


# --- prepare ---------------------------------------------------------------------------------


def test_prepare_keys_groups_labels() -> None:
    venue = FakeVenue(
        open_orders=[
            _open_order(1000001),
            _open_order(1000002, cloid=OWN_CLOID),
            _open_order(1000003, coin="ETH"),
        ]
    )
    _, edits = _prepared(
        venue,
        _edit(1000001),
        _edit(OWN_CLOID, order_type={"limit": {"tif": "Alo"}}),
        _edit(
            1000003,
            coin="ETH",
            is_buy=False,
            price="3000",
            size="1",
            order_type={"trigger": {"isMarket": True, "triggerPx": "2900", "tpsl": "sl"}},
            reduce_only=True,
        ),
    )
    assert [edit.order_key for edit in edits] == ["oid:1000001", f"cloid:{OWN_CLOID}", "oid:1000003"]
    assert [edit.batch_group for edit in edits] == ["other", "alo", "other"]
    assert edits[0].label == "oid=1000001 BTC buy 0.02@59500"
    assert edits[1].label == f"cloid={OWN_CLOID} BTC buy 0.02@59500 Alo"
    assert edits[2].label == "oid=1000003 ETH sell 1@3000 sl market trigger@2900 reduce-only"


def test_always_place_groups() -> None:
    venue = FakeVenue(open_orders=[_open_order(1), _open_order(2)])
    _, edits = _prepared(venue, _edit(1), _edit(2, order_type={"limit": {"tif": "Alo"}}), always_place=True)
    assert [edit.batch_group for edit in edits] == ["other+always", "alo"]


def test_cloid_choice() -> None:
    venue = FakeVenue(
        open_orders=[_open_order(1, cloid=OWN_CLOID), _open_order(2), _open_order(3, cloid="0x" + "33" * 16)],
        statuses={4: _status(4, "canceled", cloid="0x" + "44" * 16)},
    )
    _, edits = _prepared(
        venue,
        _edit(1),  # carries the order's own cloid
        _edit(2),  # no cloid anywhere: derived
        _edit(3, new_cloid=NEW_CLOID),  # its own new cloid wins
        _edit("0x" + "33" * 16),  # addressed by cloid: that cloid
    )
    cloids = [edit.payload.cloid for edit in edits]
    assert cloids[0] == OWN_CLOID
    assert cloids[1] == derived_cloid(USER, 1, 2, "59500", "0.02")
    assert cloids[2] == NEW_CLOID
    assert cloids[3] == "0x" + "33" * 16
    assert [edit.payload.known_oid for edit in edits] == [1, 2, 3, 3]
    gone = venue.client().prepare([_edit(4)])  # no longer open: not sent, its state named
    assert [(s.status.value, s.message) for s in gone.skipped] == [("not_open", "order oid=4 is canceled")]
    # orderStatus was asked only about the order that is not open
    assert [call["oid"] for call in venue.info_calls if call["type"] == "orderStatus"] == [4]
    assert gone.edits == []


def test_derived_cloid_is_deterministic_and_well_formed() -> None:
    first = derived_cloid(USER, 0, 1000001, "59000", "0.01")
    assert first == derived_cloid(USER.upper().replace("0X", "0x"), 0, 1000001, "59000", "0.01")
    assert len(first) == 34 and first.startswith("0x") and first == first.lower()
    others = {
        derived_cloid(USER, 1, 1000001, "59000", "0.01"),
        derived_cloid(USER, 0, 1000002, "59000", "0.01"),
        derived_cloid(USER, 0, 1000001, "59001", "0.01"),
        derived_cloid(USER, 0, 1000001, "59000", "0.02"),
        derived_cloid(VAULT, 0, 1000001, "59000", "0.01"),
    }
    assert first not in others and len(others) == 5


def test_prepare_problems() -> None:
    venue = FakeVenue(
        open_orders=[
            _open_order(1, coin="ETH"),
            _open_order(2, cloid=OWN_CLOID),
            _open_order(3),
            _open_order(8),
            _open_order(9),
        ]
    )
    client = venue.client()
    preparation = client.prepare(
        [
            _edit(1),  # the order is on ETH
            _edit(5, coin="DOGE"),
            {"oid": 6, "asset": 99, "is_buy": True, "price": 1, "size": 1},
            _edit(7, coin="OLD", price="1.5", size="1"),
            _edit(3, new_cloid=OWN_CLOID),  # belongs to open order 2
            _edit(8, new_cloid=NEW_CLOID),
            _edit(9, new_cloid=NEW_CLOID),  # a second order under the same new cloid
            {"oid": 10},
        ]
    )
    assert preparation.edits[0].index == 5 and len(preparation.edits) == 1
    described = {problem.index: problem.describe() for problem in preparation.problems}
    assert sorted(described) == [0, 1, 2, 3, 4, 6, 7]
    assert "coin: order 1 is on ETH, not BTC" in described[0]
    assert "coin: unknown coin 'DOGE'" in described[1]
    assert "asset: unknown asset id 99" in described[2]
    assert "coin: OLD is delisted" in described[3]
    assert f"new order cloid {OWN_CLOID} already belongs to open order 2" in described[4]
    assert "is also sent by edit #5 for another order" in described[6]
    assert described[7].startswith("edit #7 (oid=10)")


def test_same_order_twice_shares_its_cloid() -> None:
    venue = FakeVenue(open_orders=[_open_order(1, cloid=OWN_CLOID)])
    _, edits = _prepared(venue, _edit(1), _edit(1, price="59600"))
    assert [edit.payload.cloid for edit in edits] == [OWN_CLOID, OWN_CLOID]


def test_rounding_when_asked() -> None:
    venue = FakeVenue(open_orders=[_open_order(1), _open_order(2)])
    raw = [
        _edit(1, price="59000.56", size="0.0123456"),
        _edit(2, is_buy=False, price="59000.56", size="0.0123456"),
    ]
    refused = venue.client().prepare(raw)
    assert len(refused.problems) == 2 and refused.edits == []
    _, edits = _prepared(venue, *raw, round_to_rules=True)
    assert [(edit.payload.order["p"], edit.payload.order["s"]) for edit in edits] == [
        ("59000", "0.01234"),
        ("59001", "0.01234"),
    ]
    tiny = venue.client(round_to_rules=True).prepare([_edit(1, size="0.000001")])
    assert "size: 0.000001 rounds to zero for BTC" in tiny.problems[0].describe()


def test_prepare_read_failures_raise_metadata_error_only() -> None:
    venue = FakeVenue(info_failures={"meta": [httpx.Response(500)] * 3})
    with pytest.raises(MetadataError, match="meta failed after 3 attempts: HTTP 500") as caught:
        venue.client().prepare([_edit()])
    assert caught.value.kind is FailureKind.SERVER_ERROR
    assert venue.sent == []
    # The backoff between attempts, with no Retry-After: 0.25 s, then 0.5 s.
    assert venue.sleeps == [0.25, 0.5]
    venue = FakeVenue(info_failures={"frontendOpenOrders": [httpx.Response(200, json={"no": "list"})]})
    with pytest.raises(MetadataError, match="not a list"):
        venue.client().prepare([_edit()])
    venue = FakeVenue(info_failures={"meta": [httpx.Response(422, text="bad")]})
    with pytest.raises(MetadataError, match="HTTP 422"):
        venue.client().prepare([_edit()])
    venue = FakeVenue(info_failures={"meta": [httpx.Response(200, json={"universe": "no"})]})
    with pytest.raises(MetadataError, match="universe"):
        venue.client().prepare([_edit()])
    venue = FakeVenue(info_failures={"orderStatus": [httpx.ConnectError("down")] * 3})
    with pytest.raises(MetadataError, match="orderStatus failed after 3 attempts") as caught:
        venue.client().prepare([_edit(5)])
    assert caught.value.kind is FailureKind.NETWORK


def test_info_reads_wait_what_retry_after_says_and_no_more() -> None:
    throttled = httpx.Response(429, headers={"Retry-After": "2"}, json=None)
    venue = FakeVenue(info_failures={"meta": [throttled, httpx.Response(503)]})
    venue.client().prepare([_edit()])
    assert venue.sleeps == [2.0, 0.5]


def test_prepare_without_valid_edits_makes_no_call() -> None:
    venue = FakeVenue()
    preparation = venue.client().prepare([{"oid": 1}])
    assert preparation.edits == [] and len(preparation.problems) == 1
    assert venue.info_calls == []


# --- submit: the request -----------------------------------------------------------------------


def test_submit_body() -> None:
    venue = FakeVenue(
        open_orders=[_open_order(1000001, cloid=OWN_CLOID)], exchange=[_ok({"resting": {"oid": 9}})]
    )
    client, edits = _prepared(venue, _edit(1000001))
    assert [r.outcome for r in client.submit(edits)] == [Outcome.APPLIED]
    (body,) = venue.sent
    assert list(body) == ["action", "nonce", "signature", "vaultAddress", "expiresAfter"]
    assert body["vaultAddress"] is None and body["expiresAfter"] is None
    assert body["action"] == {
        "type": "batchModify",
        "modifies": [
            {
                "oid": 1000001,
                "order": {
                    "a": 0,
                    "b": True,
                    "p": "59500",
                    "s": "0.02",
                    "r": False,
                    "t": {"limit": {"tif": "Gtc"}},
                    "c": OWN_CLOID,
                },
            }
        ],
    }
    signer = recover_l1_signer(body["action"], None, body["nonce"], None, body["signature"], mainnet=True)
    assert signer == ADDRESS


def test_submit_vault_expiry_always_place() -> None:
    venue = FakeVenue(open_orders=[_open_order(1)], exchange=[_ok({"resting": {"oid": 9}})])
    client, edits = _prepared(
        venue, _edit(1), vault_address=VAULT, expires_after_ms=30_000, always_place=True
    )
    client.submit(edits)
    (body,) = venue.sent
    assert body["vaultAddress"] == VAULT
    assert body["expiresAfter"] - body["nonce"] == pytest.approx(30_000, abs=2_000)
    assert body["action"]["a"] is True and list(body["action"]) == ["type", "modifies", "a"]
    assert (
        recover_l1_signer(
            body["action"], VAULT, body["nonce"], body["expiresAfter"], body["signature"], mainnet=True
        )
        == ADDRESS
    )


def test_testnet_signs_with_source_b_whatever_the_url() -> None:
    venue = FakeVenue(open_orders=[_open_order(1)], exchange=[_ok({"resting": {"oid": 9}})])
    client, edits = _prepared(venue, _edit(1), network="testnet", base_url="https://api.hyperliquid.xyz")
    client.submit(edits)
    (body,) = venue.sent
    assert (
        recover_l1_signer(body["action"], None, body["nonce"], None, body["signature"], mainnet=False)
        == ADDRESS
    )
    assert (
        recover_l1_signer(body["action"], None, body["nonce"], None, body["signature"], mainnet=True)
        != ADDRESS
    )


def test_nonces_increase_between_requests() -> None:
    venue = FakeVenue(open_orders=[_open_order(1)], exchange=[_ok({"resting": {"oid": 9}})] * 3)
    client, edits = _prepared(venue, _edit(1))
    for _ in range(3):
        client.submit(edits)
    nonces = [body["nonce"] for body in venue.sent]
    assert nonces == sorted(set(nonces))


def test_mixed_always_place_refused() -> None:
    venue = FakeVenue(open_orders=[_open_order(1), _open_order(2)])
    client, edits = _prepared(
        venue, _edit(1), _edit(2, order_type={"limit": {"tif": "Alo"}}), always_place=True
    )
    with pytest.raises(ValueError, match="always-place"):
        client.submit(edits)
    assert client.submit([]) == []


# --- submit: the answer ------------------------------------------------------------------------


def _submit_two(answer: Answer) -> list[Any]:
    venue = FakeVenue(open_orders=[_open_order(1), _open_order(2)], exchange=[answer])
    client, edits = _prepared(venue, _edit(1), _edit(2))
    return client.submit(edits)


def test_statuses_map_one_to_one() -> None:
    results = _submit_two(
        _ok(
            {"filled": {"totalSz": "0.02", "avgPx": "59500", "oid": 12}}, {"error": "Order has invalid size."}
        )
    )
    assert [(r.index, r.outcome, r.order_id, r.message) for r in results] == [
        (0, Outcome.APPLIED, "12", None),
        (1, Outcome.REJECTED, None, "Order has invalid size."),
    ]


@pytest.mark.parametrize("waiting", ["waitingForFill", "waitingForTrigger"])
def test_waiting_statuses_are_unknown(waiting: str) -> None:
    results = _submit_two(_ok(waiting, {"resting": {"oid": 13, "cloid": OWN_CLOID}}))
    assert [r.outcome for r in results] == [Outcome.UNKNOWN, Outcome.APPLIED]
    assert results[0].order_id is None and waiting in (results[0].message or "")
    assert results[1].order_id == "13"


@pytest.mark.parametrize(
    "status", [{"resting": {}}, {"resting": {"oid": "13"}}, {"resting": {"oid": True}}, 42, None]
)
def test_unreadable_statuses_are_unknown(status: Any) -> None:
    results = _submit_two(_ok(status, {"resting": {"oid": 13}}))
    assert results[0].outcome is Outcome.UNKNOWN


def test_single_batch_error_rejects_every_edit() -> None:
    results = _submit_two(_ok({"error": "Order price cannot be more than 80% away from the reference price"}))
    assert [r.outcome for r in results] == [Outcome.REJECTED, Outcome.REJECTED]
    assert all("80% away" in (r.message or "") for r in results)


@pytest.mark.parametrize(
    "answer",
    [
        _ok({"resting": {"oid": 5}}),
        _ok({"resting": {"oid": 5}}, {"resting": {"oid": 6}}, {"resting": {"oid": 7}}),
        _ok(),
        httpx.Response(200, json={"status": "ok", "response": {"type": "default"}}),
    ],
)
def test_count_mismatch_is_unknown(answer: httpx.Response) -> None:
    assert [r.outcome for r in _submit_two(answer)] == [Outcome.UNKNOWN, Outcome.UNKNOWN]


def test_http_429_is_transient() -> None:
    with pytest.raises(TransientRequestError) as caught:
        _submit_two(httpx.Response(429, content=b"null", headers={"Retry-After": "2"}))
    assert caught.value.code == "429" and caught.value.retry_after == 2.0
    assert caught.value.kind is FailureKind.THROTTLED
    with pytest.raises(TransientRequestError) as caught:
        _submit_two(httpx.Response(429, content=b"null"))
    assert caught.value.retry_after is None


def test_http_5xx_is_an_unknown_outcome_from_the_server() -> None:
    with pytest.raises(OutcomeUnknownError) as caught:
        _submit_two(httpx.Response(502, text="bad gateway"))
    assert caught.value.kind is FailureKind.SERVER_ERROR


@pytest.mark.parametrize("code", [500, 502, 503, 504])
def test_http_5xx_is_outcome_unknown(code: int) -> None:
    with pytest.raises(OutcomeUnknownError):
        _submit_two(httpx.Response(code, text="upstream error"))


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(200, text="<html>"),
        httpx.Response(200, json=None),
        httpx.Response(200, json={"status": "?"}),
    ],
)
def test_unreadable_200_is_outcome_unknown(answer: httpx.Response) -> None:
    with pytest.raises(OutcomeUnknownError):
        _submit_two(answer)


def test_http_4xx_is_fatal() -> None:
    with pytest.raises(FatalRequestError, match="HTTP 422"):
        _submit_two(httpx.Response(422, text="Failed to deserialize the JSON body into the target type"))


def _err(message: Any) -> httpx.Response:
    return httpx.Response(200, json={"status": "err", "response": message})


@pytest.mark.parametrize(
    ("message", "error", "code"),
    [
        ("Invalid nonce: duplicate nonce 1700000000000", TransientRequestError, "nonce"),
        ("Invalid nonce: nonce too low 5 < 7", TransientRequestError, "nonce"),
        ("Invalid nonce: nonce too far from current time", TransientRequestError, "nonce"),
        (
            "Too many cumulative requests sent (10001 > 10000) for cumulative volume traded $0.",
            BudgetExhaustedError,
            "address_rate_limit",
        ),
        ("Action expired", TransientRequestError, "expired"),
        ("User or API Wallet 0xabc does not exist.", FatalRequestError, "auth"),
        ("L1 error: User or API Wallet 0xabc does not exist.", FatalRequestError, "auth"),
        ("Must deposit before performing actions. User: 0xabc", FatalRequestError, "auth"),
        ("Empty batch", FatalRequestError, "rejected"),
        ({"weird": 1}, FatalRequestError, "rejected"),
    ],
)
def test_whole_action_refusals(message: Any, error: type[Exception], code: str) -> None:
    with pytest.raises(error) as caught:
        _submit_two(_err(message))
    assert type(caught.value) is error
    assert caught.value.code == code  # type: ignore[attr-defined]
    if code == "address_rate_limit":
        assert caught.value.retry_after == 10.0  # type: ignore[attr-defined]


def test_unknown_signer_is_fatal_and_names_network_and_recovered_address() -> None:
    recovered = "0x" + "ab" * 20
    with pytest.raises(FatalRequestError) as caught:
        _submit_two(_err(f"L1 error: User or API Wallet {recovered} does not exist."))
    message = caught.value.message
    assert recovered in message
    assert "check `network`" in message and "testnet signatures are not valid on mainnet" in message
    assert "API wallet not approved" in message


def test_an_echoed_key_is_not_taken_for_the_recovered_address() -> None:
    with pytest.raises(FatalRequestError) as caught:
        _submit_two(_err(f"User or API Wallet {KEY} does not exist."))
    assert "recovered an address from" in caught.value.message
    assert KEY[2:42] not in caught.value.message.split("(venue:")[0]


def test_transport_failures() -> None:
    request = httpx.Request("POST", "http://venue.invalid/exchange")
    with pytest.raises(TransientRequestError) as refused:
        _submit_two(httpx.ConnectError("refused", request=request))
    with pytest.raises(OutcomeUnknownError) as slow:
        _submit_two(httpx.ReadTimeout("slow", request=request))
    with pytest.raises(OutcomeUnknownError) as dropped:
        _submit_two(httpx.RemoteProtocolError("dropped", request=request))
    assert {error.value.kind for error in (refused, slow, dropped)} == {FailureKind.NETWORK}


# --- reconcile ---------------------------------------------------------------------------------


def _book_after(statuses: dict[int | str, Any]) -> list[dict[str, Any]]:
    """The open-orders list that agrees with ``statuses``: every order they show as open."""
    shown = {st["order"]["order"]["oid"]: st for st in statuses.values() if isinstance(st, dict)}
    return [st["order"]["order"] for st in shown.values() if st["order"]["status"] == "open"]


def _reconcile(statuses: dict[int | str, Any], *raw: dict[str, Any], **fails: list[Answer]) -> list[Any]:
    venue = FakeVenue(open_orders=[_open_order(1, cloid=OWN_CLOID), _open_order(2)])
    client, edits = _prepared(venue, *raw)
    venue.statuses.update(statuses)
    venue.open_orders = _book_after(statuses)
    venue.info_failures.update(fails)
    return client.reconcile(edits)


def test_reconcile_settles_from_the_open_orders_list_first(caplog: pytest.LogCaptureFixture) -> None:
    replaced = derived_cloid(USER, 1, 2, "59500", "0.02")
    gone = derived_cloid(USER, 2, 3, "59500", "0.02")
    venue = FakeVenue(open_orders=[_open_order(1, cloid=OWN_CLOID), _open_order(2), _open_order(3)])
    client, edits = _prepared(venue, _edit(1), _edit(2), _edit(3))
    # After the lost answer: order 1 untouched, order 2 replaced by 88, order 3 replaced by 99 that filled.
    venue.open_orders = [_open_order(1, cloid=OWN_CLOID), _open_order(88, cloid=replaced)]
    venue.statuses.update({gone: _status(99, "filled", gone)})
    venue.info_calls.clear()
    with caplog.at_level(logging.INFO):
        results = client.reconcile(edits)
    assert [(r.outcome, r.order_id) for r in results] == [
        (Outcome.RETRY, None),
        (Outcome.APPLIED, "88"),
        (Outcome.APPLIED, "99"),
    ]
    assert [call["type"] for call in venue.info_calls] == ["frontendOpenOrders", "orderStatus"]
    assert (
        "reconciling 3 in-doubt edits: 2 settled from the open-orders list, 1 by order status" in caplog.text
    )


def test_reconcile_falls_back_to_order_status_when_the_list_is_unreadable() -> None:
    cloid = derived_cloid(USER, 0, 2, "59500", "0.02")
    down: list[Answer] = [httpx.Response(500)] * 3
    (result,) = _reconcile({cloid: _status(88, "open", cloid)}, _edit(2), frontendOpenOrders=down)
    assert (result.outcome, result.order_id) == (Outcome.APPLIED, "88")


def test_reconcile_applied_by_cloid() -> None:
    (result,) = _reconcile(
        {OWN_CLOID: _status(77, "open", OWN_CLOID), 1: _status(1, "canceled", OWN_CLOID)}, _edit(1)
    )
    assert (result.outcome, result.order_id) == (Outcome.APPLIED, "77")


def test_reconcile_applied_when_the_replacement_filled() -> None:
    (result,) = _reconcile({OWN_CLOID: _status(77, "filled", OWN_CLOID)}, _edit(1))
    assert (result.outcome, result.order_id) == (Outcome.APPLIED, "77")


def test_reconcile_retry_when_the_original_is_still_open() -> None:
    # the cloid still points at the original order itself: nothing replaced it
    (result,) = _reconcile(
        {OWN_CLOID: _status(1, "open", OWN_CLOID), 1: _status(1, "open", OWN_CLOID)}, _edit(1)
    )
    assert result.outcome is Outcome.RETRY


def test_reconcile_derived_cloid() -> None:
    cloid = derived_cloid(USER, 0, 2, "59500", "0.02")
    (applied,) = _reconcile({cloid: _status(88, "open", cloid)}, _edit(2))
    assert (applied.outcome, applied.order_id) == (Outcome.APPLIED, "88")
    (retry,) = _reconcile({2: _status(2, "open")}, _edit(2))
    assert retry.outcome is Outcome.RETRY


@pytest.mark.parametrize("state", ["filled", "rejected", "marginCanceled"])
def test_reconcile_rejected_when_gone_without_replacement(state: str) -> None:
    (result,) = _reconcile({2: _status(2, state)}, _edit(2))
    assert result.outcome is Outcome.REJECTED and state in (result.message or "")


def test_reconcile_cancelled_when_the_modify_took_the_order_and_placed_nothing() -> None:
    (result,) = _reconcile({2: _status(2, "canceled")}, _edit(2))
    assert result.outcome is Outcome.CANCELLED and "canceled" in (result.message or "")


def test_reconcile_unknown_when_the_cloid_lookup_names_the_cancelled_original() -> None:
    # Original and replacement share a cloid; the venue may answer the original for it.
    (result,) = _reconcile(
        {OWN_CLOID: _status(1, "canceled", OWN_CLOID), 1: _status(1, "canceled")}, _edit(1)
    )
    assert result.outcome is Outcome.UNKNOWN and "replacement may still exist" in (result.message or "")


def test_reconcile_rejected_when_unknown() -> None:
    (result,) = _reconcile({}, _edit(2))
    assert result.outcome is Outcome.REJECTED and "unknown" in (result.message or "")


def test_reconcile_replacement_that_was_rejected_does_not_count() -> None:
    cloid = derived_cloid(USER, 0, 2, "59500", "0.02")
    (result,) = _reconcile({cloid: _status(88, "rejected", cloid), 2: _status(2, "canceled")}, _edit(2))
    # The original was cancelled by the modify and its replacement refused: off the book.
    assert result.outcome is Outcome.CANCELLED


def test_reconcile_by_cloid_target() -> None:
    (applied,) = _reconcile({OWN_CLOID: _status(99, "open", OWN_CLOID)}, _edit(OWN_CLOID))
    assert (applied.outcome, applied.order_id) == (Outcome.APPLIED, "99")
    (retry,) = _reconcile({OWN_CLOID: _status(1, "open", OWN_CLOID)}, _edit(OWN_CLOID))
    assert retry.outcome is Outcome.RETRY


def test_reconcile_retries_reads_then_gives_unknown() -> None:
    cloid = derived_cloid(USER, 0, 2, "59500", "0.02")
    flaky: list[Answer] = [httpx.Response(502), httpx.Response(429, content=b"null")]
    (result,) = _reconcile({cloid: _status(88, "filled", cloid)}, _edit(2), orderStatus=flaky)
    assert (result.outcome, result.order_id) == (Outcome.APPLIED, "88")
    down: list[Answer] = [httpx.Response(500)] * 3
    (result,) = _reconcile({}, _edit(2), orderStatus=down)
    assert result.outcome is Outcome.UNKNOWN and "HTTP 500" in (result.message or "")
    garbage: list[Answer] = [httpx.Response(200, json={"status": "order"})]
    (result,) = _reconcile({}, _edit(2), orderStatus=garbage)
    assert result.outcome is Outcome.UNKNOWN


def test_retarget() -> None:
    venue = FakeVenue(open_orders=[_open_order(1, cloid=OWN_CLOID)], exchange=[_ok({"resting": {"oid": 9}})])
    client, (edit,) = _prepared(venue, _edit(OWN_CLOID))
    moved = client.retarget(edit, "77")
    payload = moved.payload
    assert isinstance(payload, ModifyPayload)
    assert (payload.target, payload.known_oid, payload.cloid) == (77, 77, OWN_CLOID)
    assert moved.order_key == edit.order_key and moved.index == edit.index
    assert moved.label == "oid=77 BTC buy 0.02@59500"
    assert edit.payload.target == OWN_CLOID  # the original is untouched
    client.submit([moved])
    assert venue.sent[0]["action"]["modifies"][0]["oid"] == 77


# --- address budget ----------------------------------------------------------------------------


def test_check_budget_refuses_a_batch_the_address_cannot_afford() -> None:
    venue = FakeVenue(budget={"cumVlm": "2854574.59", "nRequestsUsed": 12_955, "nRequestsCap": 13_000})
    client = venue.client()
    client.check_budget(45)
    with pytest.raises(BudgetExhaustedError) as caught:
        client.check_budget(46)
    message = caught.value.message
    assert "needs 46 requests but has 45 left (12955 of 13000 used)" in message
    assert "USDC traded frees 1 request" in message and "1 request per 10 s" in message
    assert venue.info_calls[-1] == {"type": "userRateLimit", "user": USER}
    assert venue.sent == []


def test_check_budget_asks_for_the_acting_vault() -> None:
    venue = FakeVenue(budget={"cumVlm": "0", "nRequestsUsed": 10_000, "nRequestsCap": 10_000})
    with pytest.raises(BudgetExhaustedError, match="has 0 left"):
        venue.client(vault_address=VAULT).check_budget(40)
    assert venue.info_calls[-1]["user"] == VAULT


def test_an_unreadable_budget_does_not_stop_the_run(caplog: pytest.LogCaptureFixture) -> None:
    venue = FakeVenue(budget={"surprise": True})
    with caplog.at_level(logging.WARNING):
        venue.client().check_budget(100)
    assert "could not read the request budget" in caplog.text


def test_confirm_reads_nothing_for_answers_that_name_the_replacement() -> None:
    venue = FakeVenue(
        open_orders=[_open_order(1), _open_order(2)],
        exchange=[_ok({"resting": {"oid": 11}}, {"error": "Insufficient margin to place order."})],
    )
    client, edits = _prepared(venue, _edit(1), _edit(2))
    applied, _ = client.submit(edits)
    calls = len(venue.info_calls)
    (landed,) = client.confirm([client.retarget(edits[0], applied.order_id or "")])
    assert (landed.landing, landed.after) == (Landing.LANDED, edits[0].wanted)
    assert len(venue.info_calls) == calls
    # Settled by asking (no final answer), the book is read.
    client.confirm([client.retarget(edits[1], "12")])
    assert venue.info_calls[calls]["type"] == "frontendOpenOrders"


def test_user_role() -> None:
    venue = FakeVenue()
    assert venue.client().user_role() == {"role": "user"}
    assert venue.info_calls[-1] == {"type": "userRole", "user": USER}
    venue.client().user_role(VAULT.upper().replace("0X", "0x"))
    assert venue.info_calls[-1]["user"] == VAULT


# --- noop ----------------------------------------------------------------------------------------


def test_noop_is_a_signed_action_that_touches_no_order() -> None:
    venue = FakeVenue(exchange=[httpx.Response(200, json={"status": "ok", "response": {"type": "default"}})])
    venue.client().noop()
    (sent,) = venue.sent
    assert sent["action"] == {"type": "noop"}
    signer = recover_l1_signer(
        sent["action"], None, sent["nonce"], sent["expiresAfter"], sent["signature"], mainnet=True
    )
    assert signer.lower() == USER


def test_noop_from_the_wrong_network_names_the_cause() -> None:
    recovered = "0x" + "cd" * 20
    venue = FakeVenue(exchange=[_err(f"User or API Wallet {recovered} does not exist.")])
    with pytest.raises(FatalRequestError, match="check `network`") as caught:
        venue.client(network="testnet").noop()
    assert recovered in caught.value.message


def test_a_lost_answer_is_reconciled_only_after_the_action_expired() -> None:
    venue = FakeVenue(open_orders=[_open_order(1)])
    client, edits = _prepared(venue, _edit(1), expires_after_ms=3000)
    request = httpx.Request("POST", "http://venue.invalid/exchange")
    venue.exchange.append(httpx.ReadTimeout("slow", request=request))
    with pytest.raises(OutcomeUnknownError):
        client.submit(edits)
    assert venue.sleeps == []
    (result,) = client.reconcile(edits)
    assert result.outcome is Outcome.RETRY
    (waited,) = venue.sleeps
    assert 0 < waited <= 3.5  # at most the action's 3 s lifetime plus the clock-skew grace
