"""HyperliquidClient before it modifies (scripted venue): identity, metadata, prepare, budget, noop."""

from __future__ import annotations

import logging

import httpx
import pytest

from airflow_batchmod.exchanges.base import (
    BudgetExhaustedError,
    FailureKind,
    FatalRequestError,
    MetadataError,
)
from airflow_batchmod.exchanges.hyperliquid.client import HyperliquidClient
from airflow_batchmod.exchanges.hyperliquid.cloids import derived_cloid
from airflow_batchmod.exchanges.hyperliquid.metadata import build_directory
from airflow_batchmod.exchanges.hyperliquid.signing import recover_l1_signer
from tests.support.hl_venue import (
    META,
    NEW_CLOID,
    OWN_CLOID,
    SPOT_META,
    USER,
    FakeVenue,
    _edit,
    _err,
    _ok,
    _open_order,
    _prepared,
    _status,
)
from tests.support.hyperliquid_keys import ADDRESS, KEY, VAULT
from tests.support.timing import RecordingLimiter

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
