"""Signed requests to the sandbox, built by hand, for the sandbox's own integration tests.

Signatures come from the provider's own signing modules, so these tests also pin the sandbox to
the exact wire format the clients produce.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx

from airflow_batchmod.exchanges.bitget.signing import sign, sorted_query
from airflow_batchmod.exchanges.hyperliquid.signing import address_of, sign_l1_action

BITGET_MAIN = {"key": "bg_demo_key", "secret": "bg_demo_secret", "passphrase": "bg_demo_pass"}
BITGET_SECOND = {"key": "bg_demo_key_2", "secret": "bg_demo_secret_2", "passphrase": "bg_demo_pass_2"}
BITGET_PAPER = {"key": "bg_paper_key", "secret": "bg_paper_secret", "passphrase": "bg_paper_pass"}
MODIFY_PATH = "/api/v3/trade/batch-modify-order"
ORDER_INFO_PATH = "/api/v3/trade/order-info"
UNFILLED_ORDERS_PATH = "/api/v3/trade/unfilled-orders"
TICKERS_PATH = "/api/v3/market/tickers"

HL_KEY_A = "0x0123456789012345678901234567890123456789012345678901234567890123"
HL_KEY_AGENT = "0x2222222222222222222222222222222222222222222222222222222222222222"
HL_KEY_B = "0x1111111111111111111111111111111111111111111111111111111111111111"
HL_USER_A = address_of(HL_KEY_A).lower()
HL_AGENT = address_of(HL_KEY_AGENT).lower()
HL_USER_B = address_of(HL_KEY_B).lower()
HL_VAULT = "0x1719884eb866cb12b2287399b15f7db5e7d775ea"
BTC, ETH, SOL, PURR = 0, 1, 2, 10_000

_nonce_lock = threading.Lock()
_nonce_state = {"last": 0}


def now_ms() -> int:
    return int(time.time() * 1000)


def next_nonce() -> int:
    """Millisecond nonces that never repeat within a test session."""
    with _nonce_lock:
        value = max(now_ms(), _nonce_state["last"] + 1)
        _nonce_state["last"] = value
        return value


# --- Bitget ---------------------------------------------------------------------------------------------
def bitget_headers(
    method: str,
    path: str,
    query: str = "",
    body: str = "",
    *,
    creds: dict[str, str] = BITGET_MAIN,
    timestamp: str | None = None,
    paptrading: bool = False,
) -> dict[str, str]:
    ts = timestamp or str(now_ms())
    headers = {
        "ACCESS-KEY": creds["key"],
        "ACCESS-SIGN": sign(creds["secret"], ts, method, path, query, body),
        "ACCESS-TIMESTAMP": ts,
        "ACCESS-PASSPHRASE": creds["passphrase"],
        "Content-Type": "application/json",
        "locale": "en-US",
    }
    if paptrading:
        headers["paptrading"] = "1"
    return headers


def bitget_modify(
    client: httpx.Client,
    items: list[dict[str, str]],
    *,
    creds: dict[str, str] = BITGET_MAIN,
    paptrading: bool = False,
    mutate_headers: Callable[[dict[str, str]], None] | None = None,
) -> httpx.Response:
    body = json.dumps(items, separators=(",", ":"))
    headers = bitget_headers("POST", MODIFY_PATH, body=body, creds=creds, paptrading=paptrading)
    if mutate_headers is not None:
        mutate_headers(headers)
    return client.post(MODIFY_PATH, content=body.encode(), headers=headers)


def bitget_get(
    client: httpx.Client, path: str, params: dict[str, str], *, creds: dict[str, str] = BITGET_MAIN
) -> httpx.Response:
    """A signed private GET, the query sorted in both the URL and the prehash."""
    query = sorted_query(params)
    headers = bitget_headers("GET", path, query=query, creds=creds)
    return client.get(f"{path}?{query}" if query else path, headers=headers)


def bitget_order_info(
    client: httpx.Client, params: dict[str, str], *, creds: dict[str, str] = BITGET_MAIN
) -> httpx.Response:
    return bitget_get(client, ORDER_INFO_PATH, params, creds=creds)


def bitget_unfilled(
    client: httpx.Client, params: dict[str, str], *, creds: dict[str, str] = BITGET_MAIN
) -> httpx.Response:
    return bitget_get(client, UNFILLED_ORDERS_PATH, params, creds=creds)


def item_codes(response: httpx.Response) -> list[str | None]:
    return [item.get("code") for item in response.json()["data"]]


# --- Hyperliquid ----------------------------------------------------------------------------------------
def hl_order(
    asset: int,
    is_buy: bool,
    px: str,
    sz: str,
    tif: str = "Gtc",
    *,
    reduce_only: bool = False,
    cloid: str | None = None,
) -> dict[str, Any]:
    order: dict[str, Any] = {
        "a": asset,
        "b": is_buy,
        "p": px,
        "s": sz,
        "r": reduce_only,
        "t": {"limit": {"tif": tif}},
    }
    if cloid is not None:
        order["c"] = cloid
    return order


def hl_body(
    key: str,
    modifies: list[dict[str, Any]],
    *,
    always_place: bool = False,
    vault: str | None = None,
    nonce: int | None = None,
    expires_after: int | None = None,
    mainnet: bool = True,
) -> dict[str, Any]:
    action: dict[str, Any] = {"type": "batchModify", "modifies": modifies}
    if always_place:
        action["a"] = True
    return hl_signed(key, action, vault=vault, nonce=nonce, expires_after=expires_after, mainnet=mainnet)


def hl_signed(
    key: str,
    action: dict[str, Any],
    *,
    vault: str | None = None,
    nonce: int | None = None,
    expires_after: int | None = None,
    mainnet: bool = True,
) -> dict[str, Any]:
    """An ``/exchange`` body for any L1 action (``{"type": "noop"}``, a batchModify, ...)."""
    nonce = nonce if nonce is not None else next_nonce()
    signature = sign_l1_action(key, action, vault, nonce, expires_after, mainnet=mainnet)
    return {
        "action": action,
        "nonce": nonce,
        "signature": signature,
        "vaultAddress": vault,
        "expiresAfter": expires_after,
    }


def hl_exchange(client: httpx.Client, body: dict[str, Any]) -> httpx.Response:
    return client.post(
        "/exchange", content=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )


def hl_modify(
    client: httpx.Client, key: str, modifies: list[dict[str, Any]], **kwargs: Any
) -> httpx.Response:
    return hl_exchange(client, hl_body(key, modifies, **kwargs))


def hl_info(client: httpx.Client, request: dict[str, Any]) -> Any:
    response = client.post("/info", json=request)
    response.raise_for_status()
    return response.json()


def statuses(response: httpx.Response) -> list[dict[str, Any]]:
    payload = response.json()
    assert payload["status"] == "ok", payload
    result: list[dict[str, Any]] = payload["response"]["data"]["statuses"]
    return result
