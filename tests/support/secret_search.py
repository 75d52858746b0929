"""The sandbox accounts' secrets, and a search for them in any text, in every spelling that shows them."""

from __future__ import annotations

import base64
import json
from typing import Any

from airflow_batchmod.testing.dags import SANDBOX_ACCOUNTS
from airflow_batchmod.testing.operator_run import OperatorRun

BITGET_KEY = str(SANDBOX_ACCOUNTS["bitget_default"]["login"])
BITGET_SECRET = str(SANDBOX_ACCOUNTS["bitget_default"]["password"])
BITGET_PASSPHRASE = str(SANDBOX_ACCOUNTS["bitget_default"]["extra"]["passphrase"])
HL_KEY = str(SANDBOX_ACCOUNTS["hyperliquid_default"]["password"])

SECRETS = {
    "Bitget API secret": BITGET_SECRET,
    "Bitget passphrase": BITGET_PASSPHRASE,
    "Hyperliquid key": HL_KEY,
}

#: A fragment this long of a secret is a leak (the default key's hex repeats, so shorter windows
#: could match innocent digits; 16 hex characters are 64 bits of a key).
FRAGMENT = 16


def secret_forms(secret: str) -> set[str]:
    """The spellings of ``secret`` that count as showing it."""
    bare = secret.removeprefix("0x")
    forms = {secret, bare, secret.upper(), secret.lower(), bare.upper(), bare.lower()}
    forms.add(base64.b64encode(secret.encode()).decode())
    forms.add(base64.b64encode(bare.encode()).decode())
    if len(bare) % 2 == 0 and all(c in "0123456789abcdefABCDEF" for c in bare):
        raw = bytes.fromhex(bare)
        forms.add(base64.b64encode(raw).decode())
        forms.add(base64.urlsafe_b64encode(raw).decode().rstrip("="))
    if len(bare) > FRAGMENT:
        forms.update(bare[i : i + FRAGMENT] for i in range(len(bare) - FRAGMENT + 1))
    return forms


def leaks(text: str) -> list[str]:
    """Where ``text`` shows a secret: for each secret found, its longest spelling and the text around it."""
    lowered = text.lower()
    found = []
    for name, secret in SECRETS.items():
        hits = [form for form in secret_forms(secret) if form.lower() in lowered]
        if hits:
            form = max(hits, key=len)
            at = lowered.index(form.lower())
            found.append(f"{name} as {form!r} in ...{text[max(0, at - 80) : at + len(form) + 40]!r}...")
    return found


def assert_clean(text: str, where: str) -> None:
    found = leaks(text)
    assert not found, f"{where} shows " + "\n".join(found)


def assert_run_clean(run: OperatorRun, logs: str) -> None:
    """Nothing the run left behind shows a secret: logs, report, XCom, the exception and its chain."""
    assert_clean(logs, "the task log")
    assert_clean(json.dumps(run.report), "the returned report")
    assert_clean(json.dumps(run.ti.xcoms), "the XCom")
    error: BaseException | None = run.error
    while error is not None:
        assert_clean(f"{type(error).__name__}: {error} {error!r}", "the exception")
        error = error.__cause__ or error.__context__


def sol_edit(oid: int = 1000037, price: str = "148.5") -> dict[str, Any]:
    return {"oid": oid, "coin": "SOL", "is_buy": True, "price": price, "size": "2"}


def btc_edit(order_id: str = "1001", price: str = "59895.5") -> dict[str, Any]:
    return {"orderId": order_id, "symbol": "BTCUSDT", "category": "USDT-FUTURES", "price": price}
