"""Driving the sandbox application in-process with a fake clock."""

from __future__ import annotations

import json
from typing import Any

from airflow_batchmod.exchanges.bitget.signing import sign, sorted_query
from airflow_batchmod.exchanges.hyperliquid.signing import sign_l1_action
from airflow_batchmod.sandbox.app import SandboxApp
from airflow_batchmod.sandbox.wire import Request, Response
from tests.support.timing import FakeClock

MODIFY = "/api/v3/trade/batch-modify-order"
HL_KEY_A = "0x0123456789012345678901234567890123456789012345678901234567890123"
HL_USER_A = "0x14791697260e4c9a71f18484c9f997b308e59325"
HL_KEY_B = "0x1111111111111111111111111111111111111111111111111111111111111111"


#: Any fixed moment will do; a realistic one keeps nonces and timestamps plausible.
NOW = 1_750_000_000.0


def sandbox_clock() -> FakeClock:
    return FakeClock(NOW)


def make_app(clock: FakeClock) -> SandboxApp:
    return SandboxApp(clock=clock, sleep=lambda seconds: None)


def payload(response: Response) -> Any:
    return json.loads(response.body)


def bitget_request(
    app: SandboxApp,
    method: str,
    path: str,
    timestamp_ms: int,
    *,
    params: dict[str, str] | None = None,
    body: str = "",
) -> Response:
    """A request signed with the default seed's uid 1001 credentials."""
    query = sorted_query(params or {})
    ts = str(timestamp_ms)
    headers = {
        "ACCESS-KEY": "bg_demo_key",
        "ACCESS-SIGN": sign("bg_demo_secret", ts, method, path, query, body),
        "ACCESS-TIMESTAMP": ts,
        "ACCESS-PASSPHRASE": "bg_demo_pass",
    }
    target = f"{path}?{query}" if query else path
    return app.handle(Request.from_target(method, target, headers, body.encode()))


def bitget_call(app: SandboxApp, items: list[dict[str, str]], timestamp_ms: int) -> Response:
    return bitget_request(app, "POST", MODIFY, timestamp_ms, body=json.dumps(items))


def bitget_codes(response: Response) -> list[str | None]:
    return [item.get("code") for item in payload(response)["data"]]


def hl_action(
    app: SandboxApp, key: str, action: dict[str, Any], nonce: int, *, mainnet: bool = True
) -> Response:
    body = {
        "action": action,
        "nonce": nonce,
        "signature": sign_l1_action(key, action, None, nonce, None, mainnet=mainnet),
        "vaultAddress": None,
    }
    return app.handle(Request.from_target("POST", "/exchange", {}, json.dumps(body).encode()))


def hl_info(app: SandboxApp, request: dict[str, Any]) -> Response:
    return app.handle(Request.from_target("POST", "/info", {}, json.dumps(request).encode()))


def hl_modify_action(*oids: int, price: str = "59000", size: str = "0.001") -> dict[str, Any]:
    """A batchModify that re-prices the named BTC buys (Alo, so they rest)."""
    order = {"a": 0, "b": True, "p": price, "s": size, "r": False, "t": {"limit": {"tif": "Alo"}}}
    return {"type": "batchModify", "modifies": [{"oid": oid, "order": dict(order)} for oid in oids]}
