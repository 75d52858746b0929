"""Ready-made edits of the default seed's orders, for tests that need a valid batch and not its details."""

from __future__ import annotations

from decimal import Decimal
from typing import Any


def sol_edits(count: int = 8) -> list[dict[str, Any]]:
    """Edits for Hyperliquid account A's SOL ladder: buys 1000037-1000044, then sells 1000045-1000052.

    Every price moves half a dollar down from the seed's, which keeps buys below and sells above
    the mark (150): no edit can cross it.
    """
    edits = []
    for offset in range(count):
        oid = 1000037 + offset
        is_buy = oid <= 1000044
        price = Decimal("148.75") - offset if is_buy else Decimal("150.25") + (offset - 8)
        edits.append({"oid": oid, "coin": "SOL", "is_buy": is_buy, "price": str(price), "size": "2"})
    return edits
