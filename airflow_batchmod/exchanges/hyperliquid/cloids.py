"""Which client order id (``c``) a modify carries, so its outcome can always be looked up.

A modify is cancel-and-replace: the new order gets a new oid that only the response
reveals. If the response is lost, the only handle on the new order is its cloid, so
every modify carries one, chosen in this order:

1. the edit's own new cloid;
2. the cloid the edit addresses the order by;
3. the cloid the order already has (keeps the caller's own tracking intact);
4. a cloid derived from (acting user, edit index, oid, price, size), so that a later
   try of the same task computes the same value and can find what an earlier try did.
"""

from __future__ import annotations

from eth_utils.crypto import keccak

#: Separates our derived cloids from any other keccak use of the same fields.
DERIVATION_TAG = "airflow-batchmod/hyperliquid/cloid/v1"


def derived_cloid(user: str, index: int, target: int | str, price: str, size: str) -> str:
    """``0x`` + the first 16 bytes of keccak over the edit's identifying fields (wire strings)."""
    material = "|".join((DERIVATION_TAG, user.lower(), str(index), str(target), price, size))
    return "0x" + bytes(keccak(material.encode())).hex()[:32]


def choose_cloid(
    *,
    new_cloid: str | None,
    target: int | str,
    existing_cloid: str | None,
    user: str,
    index: int,
    price: str,
    size: str,
) -> str:
    if new_cloid is not None:
        return new_cloid
    if isinstance(target, str):
        return target
    if existing_cloid is not None:
        return existing_cloid
    return derived_cloid(user, index, target, price, size)
