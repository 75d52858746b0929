"""Known-answer tests of Hyperliquid L1 signing, and an independent check of a request the client sent.

The batchModify vectors (V1-V5) are built through the client's own wire builders, so a
key-order or number-format slip in ``wire.py`` breaks the msgpack bytes, the
connectionId and the signature here. r/s are compared as integers because upstream
vectors drop leading zeros.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx
import msgpack
import pytest
from eth_account import Account
from eth_keys.datatypes import Signature
from eth_utils.crypto import keccak

from airflow_batchmod.exchanges.hyperliquid.client import HyperliquidClient
from airflow_batchmod.exchanges.hyperliquid.signing import action_hash, recover_l1_signer, sign_l1_action
from airflow_batchmod.exchanges.hyperliquid.wire import (
    batch_modify_action,
    limit_order_type,
    modify_wire,
    order_wire,
    trigger_order_type,
)
from tests.support.data import read_json
from tests.support.hyperliquid_keys import ADDRESS, KEY, VAULT, _same_signature

AGENT_TYPEHASH = bytes.fromhex("26f05c2f7239b6983075e58321292d77b3aa173d19b27257ac96ab362570f508")
DOMAIN_SEPARATOR = bytes.fromhex("d79297fcdf2ffcd4ae223d01edaa2ba214ff8f401d7c9300d995d17c82aa4040")

V1_HEX = (
    "82a474797065ab62617463684d6f64696679a86d6f6469666965739182a36f6964cd3039a56f7264657286"
    "a16101a162c3a170a431313035a173a3302e31a172c2a17481a56c696d697481a3746966a3477463"
)
V2_HEX = (
    "82a474797065ab62617463684d6f64696679a86d6f6469666965739282a36f6964cd3039a56f7264657286a16101a162"
    "c3a170a431313035a173a3302e31a172c2a17481a56c696d697481a3746966a347746382a36f6964d922307830303030"
    "30303030303030303030303030303030303030303030303030303031a56f7264657287a16100a162c2a170a535303030"
    "30a173a131a172c3a17481a56c696d697481a3746966a3416c6fa163d922307830303030303030303030303030303030"
    "30303030303030303030303030303032"
)
V3_HEX = (
    "82a474797065ab62617463684d6f64696679a86d6f6469666965739182a36f6964ce3ade68b1a56f7264657286a16101"
    "a162c2a170a6313530302e35a173a4302e3235a172c3a17481a77472696767657283a869734d61726b6574c3a9747269"
    "676765725078a431353130a47470736ca2736c"
)
V4_HEX = (
    "82a474797065ab62617463684d6f64696679a86d6f6469666965739182a36f6964cd3039a56f7264657286a161cd2710"
    "a162c3a170a6302e30313233a173a3313030a172c2a17481a56c696d697481a3746966a3477463"
)


def _v1_modify() -> Any:
    order = order_wire(
        asset=1,
        is_buy=True,
        price=Decimal("1105.0"),
        size=Decimal("0.10"),
        reduce_only=False,
        order_type=limit_order_type("Gtc"),
    )
    return modify_wire(12345, order)


def _v2_action() -> Any:
    second = order_wire(
        asset=0,
        is_buy=False,
        price=Decimal("50000"),
        size=Decimal("1"),
        reduce_only=True,
        order_type=limit_order_type("Alo"),
        cloid="0x00000000000000000000000000000002",
    )
    return batch_modify_action([_v1_modify(), modify_wire("0x00000000000000000000000000000001", second)])


def _v3_action() -> Any:
    order = order_wire(
        asset=1,
        is_buy=False,
        price=Decimal("1500.50"),
        size=Decimal("0.25"),
        reduce_only=True,
        order_type=trigger_order_type(is_market=True, trigger_px=Decimal("1510"), tpsl="sl"),
    )
    return batch_modify_action([modify_wire(987654321, order)])


def _v4_action() -> Any:
    order = order_wire(
        asset=10000,
        is_buy=True,
        price=Decimal("0.0123"),
        size=Decimal("100"),
        reduce_only=False,
        order_type=limit_order_type("Gtc"),
    )
    return batch_modify_action([modify_wire(12345, order)])


# name, action, msgpack hex, nonce, vault, expiresAfter, connectionId, mainnet (r, s, v), testnet (r, s, v)
BATCH_MODIFY_VECTORS: list[tuple[str, Any, str, int, str | None, int | None, str, Any, Any]] = [
    (
        "V1",
        batch_modify_action([_v1_modify()]),
        V1_HEX,
        0,
        None,
        None,
        "45b8b132a126de9ff35dfb6b77309110e3b94a854bcf018da8edcc04d01be2ef",
        (
            "0x42893d8d35703cf636c66b5e96e7bcb92c21ab7a90b4e0894e1df1e4596dbdeb",
            "0x5e9dd3413100c103769fe464517a0e3d7ed2b667880376b856879b73262e3f81",
            28,
        ),
        (
            "0x790682f7c7bf3fcdef4ea6408af97859805373bd6130a6e57e40511e689bd4d6",
            "0x41e61d3886ad1f00fa3ca397c265ef28194bac33ee4f19c69afd8f1e480415f3",
            28,
        ),
    ),
    (
        "V2",
        _v2_action(),
        V2_HEX,
        1700000000000,
        None,
        None,
        "014336d2c1000abfe12867838edbd3440009e17544b209be2b03d134fe203ade",
        (
            "0xf7a888562a5db7ccd04168ef0ebf674b75e23417a567dc2236ade4e4539718ea",
            "0x3ba70b1f4d3bb1401b0d3cc4213a96c5c9981c34068cf2b34642a29ec90f143c",
            27,
        ),
        (
            "0x7671b237e20b37f56b7a077791b4bd9d0b874ae10f17243e234c95a3539a64fe",
            "0x53cf0e1b2f35cea145e63fb9ab13baab0eb6cb1514697e1de4ee78330568c8d8",
            28,
        ),
    ),
    (
        "V3",
        _v3_action(),
        V3_HEX,
        1700000000001,
        None,
        None,
        "f7a5c89a8b1efaf6116d1d1c15d5000b69b3f6ae0e6289f98ce41d56fc90d2fd",
        (
            "0x872a63607bf2898ad65e0db63e6ef5cc444068a3ca730826e4f78c3d96ba7fd9",
            "0x50d3b7b0e7c679bf1a01414690ee39492132eb46a7bea99ea7684fc020f294da",
            27,
        ),
        (
            "0x2bc215c101c181380a5be66b7782233d41791f993a5a1b9f0d80ceb23b0ee23a",
            "0x324e348ddd73266465795f226eec5169b5c49ccecb7df196091e2f8acae147bf",
            27,
        ),
    ),
    (
        "V4",
        _v4_action(),
        V4_HEX,
        1700000000002,
        VAULT,
        1700000060000,
        "f1a98860b0572a204d3940150169a43074ee8aaacbf9eefddd3b158b68b8594b",
        (
            "0x9b8f351763f6f2a563e39daecb61eb377b6e457242aed8d94a01dd0b640f81f4",
            "0x2400be9b2a3e918e500bc3621560f355d2e697c72a004b262bace60d0e22bf57",
            27,
        ),
        (
            "0x7c043c3c86ff9be63569112ba0135c9a084c9eeffe9a187b2847f14a1932dd44",
            "0x610904ca9c3460e7d37f2de749ea34fa090e82323e81aec570f0c1ba97da8e2c",
            28,
        ),
    ),
]


@pytest.mark.parametrize("vector", BATCH_MODIFY_VECTORS, ids=[v[0] for v in BATCH_MODIFY_VECTORS])
def test_batch_modify_vectors(
    vector: tuple[str, Any, str, int, str | None, int | None, str, Any, Any],
) -> None:
    _, action, packed_hex, nonce, vault, expires, connection_id, main, test = vector
    assert msgpack.packb(action).hex() == packed_hex
    assert action_hash(action, vault, nonce, expires).hex() == connection_id
    _same_signature(sign_l1_action(KEY, action, vault, nonce, expires, mainnet=True), main)
    _same_signature(sign_l1_action(KEY, action, vault, nonce, expires, mainnet=False), test)


def test_vectors_match_the_research_file() -> None:
    """The hex copied into this file is the one the research computed (tests/data/hyperliquid-vectors.json)."""
    document = read_json("hyperliquid-vectors.json")
    assert len(document) == len(BATCH_MODIFY_VECTORS)
    by_prefix = {name.split("_")[0]: entry for name, entry in document.items()}
    for name, action, packed_hex, nonce, vault, expires, connection_id, main, test in BATCH_MODIFY_VECTORS:
        entry = by_prefix[name]
        assert entry["action"] == action
        assert json.dumps(entry["action"], separators=(",", ":")) == entry["action_json_compact"]
        assert entry["msgpack_hex"] == packed_hex
        assert (entry["nonce"], entry["vaultAddress"], entry["expiresAfter"]) == (nonce, vault, expires)
        assert entry["connectionId"] == "0x" + connection_id
        assert (entry["mainnet"]["r"], entry["mainnet"]["s"], entry["mainnet"]["v"]) == main
        assert (entry["testnet"]["r"], entry["testnet"]["s"], entry["testnet"]["v"]) == test


def test_v5_always_place() -> None:
    action = batch_modify_action([_v1_modify()], always_place=True)
    packed = msgpack.packb(action).hex()
    # V1 with one more top-level key (map of 3) and "a": true at the end.
    assert packed == "83" + V1_HEX[2:] + "a161c3"
    assert packed.endswith("a3477463a161c3")
    nonce = 1700000000003
    assert action_hash(action, None, nonce, None).hex() == (
        "7b509dc49254aa8386e47c693313fda01ec759ed3c4c0ae109c5a309d64b176c"
    )
    _same_signature(
        sign_l1_action(KEY, action, None, nonce, None, mainnet=True),
        (
            "0x7dc82b3210ef1b93cc54d621ea5fdb3aa1b200758f4673f5fc71e4e88f9e2073",
            "0x3650f04c57f27a26c587dde73a791947efcf0f41b385173bf83bd8812dd8882d",
            28,
        ),
    )
    # The research gives no testnet signature for V5; at least it must differ and recover the key.
    testnet = sign_l1_action(KEY, action, None, nonce, None, mainnet=False)
    assert int(testnet["r"], 16) != int(
        "0x7dc82b3210ef1b93cc54d621ea5fdb3aa1b200758f4673f5fc71e4e88f9e2073", 16
    )
    assert recover_l1_signer(action, None, nonce, None, testnet, mainnet=False) == ADDRESS


# --- independent recovery of the signer from a request the client sent ----------------------------


def _hand_digest(action: Any, nonce: int, vault: str | None, expires_after: int | None, source: str) -> bytes:
    """The EIP-712 digest built by hand from the published constants, not from signing.py."""
    data = msgpack.packb(action) + nonce.to_bytes(8, "big")
    data += b"\x00" if vault is None else b"\x01" + bytes.fromhex(vault[2:])
    if expires_after is not None:
        data += b"\x00" + expires_after.to_bytes(8, "big")
    connection_id = keccak(data)
    struct_hash = keccak(AGENT_TYPEHASH + keccak(source.encode()) + connection_id)
    return bytes(keccak(b"\x19\x01" + DOMAIN_SEPARATOR + struct_hash))


def test_eip712_constants() -> None:
    domain_type = b"EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
    domain = keccak(
        keccak(domain_type)
        + keccak(b"Exchange")
        + keccak(b"1")
        + (1337).to_bytes(32, "big")
        + bytes(32)  # the zero verifying contract, left-padded
    )
    assert domain == DOMAIN_SEPARATOR
    assert keccak(b"Agent(string source,bytes32 connectionId)") == AGENT_TYPEHASH


OPEN_ORDER = {
    "coin": "BTC",
    "side": "B",
    "limitPx": "59000",
    "sz": "0.01",
    "oid": 1000001,
    "timestamp": 1,
    "origSz": "0.01",
    "cloid": None,
    "reduceOnly": False,
    "orderType": "Limit",
    "tif": "Gtc",
    "isTrigger": False,
    "triggerPx": "0",
}


def _capturing_transport(sent: list[dict[str, Any]]) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if request.url.path == "/info":
            answers: dict[str, Any] = {
                "meta": {"universe": [{"name": "BTC", "szDecimals": 5}, {"name": "ETH", "szDecimals": 4}]},
                "spotMeta": {"tokens": [], "universe": []},
                "frontendOpenOrders": [OPEN_ORDER],
                "userRole": {"role": "user"},
                "l2Book": {
                    "coin": "BTC",
                    "time": 1,
                    "levels": [[{"px": "1", "sz": "1", "n": 1}], [{"px": "1000000", "sz": "1", "n": 1}]],
                },
            }
            return httpx.Response(200, json=answers[body["type"]])
        sent.append(body)
        return httpx.Response(
            200,
            json={
                "status": "ok",
                "response": {"type": "order", "data": {"statuses": [{"resting": {"oid": 7}}]}},
            },
        )

    return httpx.MockTransport(handle)


@pytest.mark.parametrize(
    ("network", "source", "vault", "expires_ms"),
    [("mainnet", "a", None, None), ("testnet", "b", VAULT, 60_000)],
)
def test_signer_recovered_from_sent_request(
    network: str, source: str, vault: str | None, expires_ms: int | None
) -> None:
    sent: list[dict[str, Any]] = []
    client = HyperliquidClient(
        KEY,
        account_address=ADDRESS,
        vault_address=vault,
        network=network,  # type: ignore[arg-type]
        base_url="http://sandbox.invalid",  # the URL must not influence the signature source
        expires_after_ms=expires_ms,
        transport=_capturing_transport(sent),
    )
    preparation = client.prepare(
        [{"oid": 1000001, "coin": "BTC", "is_buy": True, "price": "59500", "size": "0.02"}]
    )
    assert preparation.problems == []
    client.submit(preparation.edits)
    (body,) = sent
    assert list(body) == ["action", "nonce", "signature", "vaultAddress", "expiresAfter"]
    assert body["vaultAddress"] == vault
    assert (body["expiresAfter"] is None) == (expires_ms is None)
    digest = _hand_digest(body["action"], body["nonce"], body["vaultAddress"], body["expiresAfter"], source)
    signature = body["signature"]
    r, s, v = int(signature["r"], 16), int(signature["s"], 16), signature["v"]
    assert Account._recover_hash(digest, vrs=(v, r, s)) == ADDRESS
    recovered = Signature(vrs=(v - 27, r, s)).recover_public_key_from_msg_hash(digest)
    assert recovered.to_checksum_address() == ADDRESS
    # The other network's digest must not recover the wallet: the source really is in the signature.
    other_source = "b" if source == "a" else "a"
    other = _hand_digest(
        body["action"], body["nonce"], body["vaultAddress"], body["expiresAfter"], other_source
    )
    assert Account._recover_hash(other, vrs=(v, r, s)) != ADDRESS
