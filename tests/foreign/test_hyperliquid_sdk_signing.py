"""The official hyperliquid-python-sdk re-signs random ``batchModify`` actions; bytes and r/s/v must equal ours.

The SDK side runs its own ``Exchange.bulk_modify_orders_new`` (float prices through its
``float_to_wire``, its ``Cloid``, its ``action_hash`` and EIP-712 signing), with the nonce and
the outgoing POST intercepted. Our side builds the same modifies with ``wire.py`` from
Decimals and signs with ``signing.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import msgpack
import pytest
from eth_account import Account
from hyperliquid import exchange as sdk_exchange
from hyperliquid.exchange import Exchange
from hyperliquid.utils.constants import MAINNET_API_URL, TESTNET_API_URL
from hyperliquid.utils.signing import recover_agent_or_user_from_l1_action
from hyperliquid.utils.types import Cloid
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airflow_batchmod.exchanges.hyperliquid.signing import address_of, sign_l1_action
from airflow_batchmod.exchanges.hyperliquid.wire import (
    OrderTypeWire,
    Tif,
    Tpsl,
    batch_modify_action,
    limit_order_type,
    modify_wire,
    order_wire,
    trigger_order_type,
)
from airflow_batchmod.testing.sandbox import DEFAULT_SEED, load_seed_document

#: secp256k1's group order: private keys are 1..N-1.
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141

_SEED = load_seed_document(DEFAULT_SEED)["hyperliquid"]
#: The SDK learns asset ids from meta and spotMeta; the default seed's are the ones the sandbox serves.
META: dict[str, Any] = {"universe": _SEED["perps"]}
SPOT_META: dict[str, Any] = _SEED["spot"]
COINS = [perp["name"] for perp in _SEED["perps"]] + [pair["name"] for pair in _SEED["spot"]["universe"]]


def asset_of(coin: str) -> int:
    """Perps by position in the universe; spot pairs at 10000 + index (the documented rule)."""
    names = [perp["name"] for perp in _SEED["perps"]]
    if coin in names:
        return names.index(coin)
    return 10000 + int(next(pair["index"] for pair in _SEED["spot"]["universe"] if pair["name"] == coin))


@dataclass(frozen=True)
class Modify:
    oid: int | str
    coin: str
    is_buy: bool
    price: Decimal
    size: Decimal
    reduce_only: bool
    tif: Tif | None
    trigger: tuple[bool, Decimal, Tpsl] | None
    new_cloid: str | None


def float_carries(value: Decimal) -> bool:
    """The SDK takes prices as floats: it writes ``107374182.4`` as ``"107374182.40000001"``.

    Only numbers whose nearest float prints back as themselves at 8 decimals are a fair
    comparison; on the others the SDK, not we, would send what the user did not mean.
    """
    return Decimal(f"{float(value):.8f}") == value


decimals = st.builds(
    lambda mantissa, places: Decimal(mantissa).scaleb(-places),
    st.integers(0, 10**13 - 1),
    st.integers(0, 8),
).filter(float_carries)
cloids = st.binary(min_size=16, max_size=16).map(lambda raw: "0x" + raw.hex())
addresses = st.binary(min_size=20, max_size=20).map(lambda raw: "0x" + raw.hex())
triggers = st.tuples(st.booleans(), decimals, st.sampled_from(["tp", "sl"]))

modifies = st.builds(
    Modify,
    oid=st.one_of(st.integers(0, 2**64 - 1), cloids),
    coin=st.sampled_from(COINS),
    is_buy=st.booleans(),
    price=decimals,
    size=decimals,
    reduce_only=st.booleans(),
    tif=st.sampled_from(["Gtc", "Alo", "Ioc", None]),
    trigger=triggers,
    new_cloid=st.one_of(st.none(), cloids),
)


def ours(modify: Modify) -> Any:
    order_type: OrderTypeWire
    if modify.tif is not None:
        order_type = limit_order_type(modify.tif)
    else:
        assert modify.trigger is not None
        is_market, trigger_px, tpsl = modify.trigger
        order_type = trigger_order_type(is_market=is_market, trigger_px=trigger_px, tpsl=tpsl)
    order = order_wire(
        asset=asset_of(modify.coin),
        is_buy=modify.is_buy,
        price=modify.price,
        size=modify.size,
        reduce_only=modify.reduce_only,
        order_type=order_type,
        cloid=modify.new_cloid,
    )
    return modify_wire(modify.oid, order)


def sdk_request(modify: Modify) -> dict[str, Any]:
    """The SDK's ``ModifyRequest``: floats, Cloid objects, the trigger in its own key order."""
    if modify.tif is not None:
        order_type: dict[str, Any] = {"limit": {"tif": modify.tif}}
    else:
        assert modify.trigger is not None
        is_market, trigger_px, tpsl = modify.trigger
        order_type = {"trigger": {"triggerPx": float(trigger_px), "isMarket": is_market, "tpsl": tpsl}}
    return {
        "oid": Cloid.from_str(modify.oid) if isinstance(modify.oid, str) else modify.oid,
        "order": {
            "coin": modify.coin,
            "is_buy": modify.is_buy,
            "sz": float(modify.size),
            "limit_px": float(modify.price),
            "order_type": order_type,
            "reduce_only": modify.reduce_only,
            "cloid": None if modify.new_cloid is None else Cloid.from_str(modify.new_cloid),
        },
    }


@dataclass
class Sent:
    action: Any
    signature: dict[str, Any]
    nonce: int


def sdk_sign(
    monkeypatch: pytest.MonkeyPatch,
    key: str,
    batch: list[Modify],
    *,
    vault: str | None,
    nonce: int,
    expires_after: int | None,
    mainnet: bool,
) -> Sent:
    """Run ``Exchange.bulk_modify_orders_new`` with the clock pinned and the POST captured (no network)."""
    sent: list[Sent] = []
    monkeypatch.setattr(sdk_exchange, "get_timestamp_ms", lambda: nonce)
    # The SDK signs as mainnet exactly when its base URL is the mainnet URL.
    url = MAINNET_API_URL if mainnet else TESTNET_API_URL
    client = Exchange(Account.from_key(key), url, meta=META, vault_address=vault, spot_meta=SPOT_META)
    client.set_expires_after(expires_after)
    monkeypatch.setattr(
        client, "_post_action", lambda action, signature, at: sent.append(Sent(action, signature, at))
    )
    client.bulk_modify_orders_new([sdk_request(modify) for modify in batch])
    assert len(sent) == 1
    return sent[0]


@settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    batch=st.lists(modifies, min_size=1, max_size=5),
    key=st.integers(1, SECP256K1_N - 1).map(lambda number: f"0x{number:064x}"),
    vault=st.one_of(st.none(), addresses),
    nonce=st.integers(0, 2**64 - 1),
    expires_after=st.one_of(st.none(), st.integers(0, 2**64 - 1)),
    mainnet=st.booleans(),
)
def test_the_sdk_signs_our_batch_modify_byte_for_byte(
    monkeypatch: pytest.MonkeyPatch,
    batch: list[Modify],
    key: str,
    vault: str | None,
    nonce: int,
    expires_after: int | None,
    mainnet: bool,
) -> None:
    sdk = sdk_sign(
        monkeypatch, key, batch, vault=vault, nonce=nonce, expires_after=expires_after, mainnet=mainnet
    )
    action = batch_modify_action([ours(modify) for modify in batch])

    assert msgpack.packb(action) == msgpack.packb(sdk.action)
    assert sdk.nonce == nonce
    mine = sign_l1_action(key, action, vault, nonce, expires_after, mainnet=mainnet)
    # The SDK drops leading zeros of r and s (to_hex of an int); compare the numbers.
    assert (int(mine["r"], 16), int(mine["s"], 16), mine["v"]) == (
        int(sdk.signature["r"], 16),
        int(sdk.signature["s"], 16),
        sdk.signature["v"],
    )
    # And the SDK's own recovery names our key's address from our signature.
    signer = recover_agent_or_user_from_l1_action(action, mine, vault, nonce, expires_after, mainnet)
    assert signer == address_of(key)


def test_the_networks_sign_differently(monkeypatch: pytest.MonkeyPatch) -> None:
    """A guard for the property above: had the SDK ignored ``mainnet``, it would pass vacuously."""
    batch = [Modify(12345, "BTC", True, Decimal("59900"), Decimal("0.002"), False, "Alo", None, None)]
    key = "0x" + "11" * 32
    main = sdk_sign(monkeypatch, key, batch, vault=None, nonce=1, expires_after=None, mainnet=True)
    test = sdk_sign(monkeypatch, key, batch, vault=None, nonce=1, expires_after=None, mainnet=False)
    assert main.action == test.action
    assert main.signature["r"] != test.signature["r"]
