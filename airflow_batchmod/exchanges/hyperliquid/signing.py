"""Hyperliquid L1 action signing (EIP-712 "Agent" message over a msgpack action hash).

Small pure functions: the same bytes go into the client's signature and the sandbox's
signer recovery, and known-answer tests pin both to the published vectors.
"""

from __future__ import annotations

from typing import Any, TypedDict

import msgpack
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils.crypto import keccak

#: Hyperliquid signs L1 actions with chain id 1337 on both networks; only the source differs.
L1_CHAIN_ID = 1337
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"


class Signature(TypedDict):
    r: str
    s: str
    v: int


def action_hash(action: Any, vault_address: str | None, nonce: int, expires_after: int | None) -> bytes:
    """keccak256 of ``msgpack(action) ‖ nonce ‖ vault marker [‖ 0x00 ‖ expiresAfter]``.

    Key order in ``action`` is part of the hash, and the action must hold no floats.
    """
    data = msgpack.packb(action) + nonce.to_bytes(8, "big")
    if vault_address is None:
        data += b"\x00"
    else:
        data += b"\x01" + bytes.fromhex(vault_address.removeprefix("0x"))
    if expires_after is not None:
        # The marker before expiresAfter is 0x00, unlike the vault's 0x01.
        data += b"\x00" + expires_after.to_bytes(8, "big")
    return bytes(keccak(data))


def l1_typed_data(connection_id: bytes, *, mainnet: bool) -> dict[str, Any]:
    """The EIP-712 message whose signature authorises an L1 action."""
    return {
        "domain": {
            "chainId": L1_CHAIN_ID,
            "name": "Exchange",
            "verifyingContract": ZERO_ADDRESS,
            "version": "1",
        },
        "types": {
            "Agent": [{"name": "source", "type": "string"}, {"name": "connectionId", "type": "bytes32"}],
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
        },
        "primaryType": "Agent",
        "message": {"source": "a" if mainnet else "b", "connectionId": connection_id},
    }


def sign_l1_action(
    private_key: str,
    action: Any,
    vault_address: str | None,
    nonce: int,
    expires_after: int | None,
    *,
    mainnet: bool,
) -> Signature:
    """Sign an L1 action; r and s are zero-padded to 32 bytes (the exchange accepts either form)."""
    message = encode_typed_data(
        full_message=l1_typed_data(action_hash(action, vault_address, nonce, expires_after), mainnet=mainnet)
    )
    signed = Account.sign_message(message, private_key)
    return {"r": f"0x{signed.r:064x}", "s": f"0x{signed.s:064x}", "v": int(signed.v)}


def recover_l1_signer(
    action: Any,
    vault_address: str | None,
    nonce: int,
    expires_after: int | None,
    signature: Signature,
    *,
    mainnet: bool,
) -> str:
    """The address that produced ``signature``, recovered as the exchange does it."""
    message = encode_typed_data(
        full_message=l1_typed_data(action_hash(action, vault_address, nonce, expires_after), mainnet=mainnet)
    )
    vrs = (int(signature["v"]), int(str(signature["r"]), 16), int(str(signature["s"]), 16))
    return str(Account.recover_message(message, vrs=vrs))


def address_of(private_key: str) -> str:
    """The checksummed address of a private key."""
    return str(Account.from_key(private_key).address)
