"""What the hostile-input tests share: a reset between examples, the edits a failure names, order pools."""

from __future__ import annotations

import re
from decimal import Decimal

from airflow_batchmod.testing.sandbox import DEFAULT_SEED, Sandbox


def reset(sandbox: Sandbox) -> None:
    """Each example starts from the seed: same orders, no faults, an empty request log."""
    sandbox.reset(DEFAULT_SEED)
    sandbox.clear_requests()


def named_edits(message: str) -> set[int]:
    """The indices the failure message lists, one ``  - edit #i (label): ...`` line each.

    Labels cannot forge such a line: echoed values have their line breaks escaped.
    """
    return {int(i) for i in re.findall(r"^  - edit #(\d+) \(", message, flags=re.MULTILINE)}


BITGET_POOL = [
    {
        "orderId": str(1001 + i),
        "symbol": "BTCUSDT",
        "category": "USDT-FUTURES",
        "price": str(59900 - 100 * i - 5),
    }
    for i in range(10)
] + [
    {"orderId": str(1031 + i), "symbol": "ETHUSDT", "category": "USDT-FUTURES", "qty": "0.2"}
    for i in range(5)
]
HL_POOL = [
    {
        "oid": 1000037 + i,
        "coin": "SOL",
        "is_buy": True,
        "price": str(Decimal("149.25") - i - Decimal("0.5")),
        "size": "2",
    }
    for i in range(8)
]
