"""The exchange clients, built with the options ``BatchModifyOrdersOperator._client()`` passes."""

from __future__ import annotations

import httpx

from airflow_batchmod.exchanges.bitget.client import BitgetClient, BitgetCredentials
from airflow_batchmod.exchanges.hyperliquid.client import HyperliquidClient
from benchmarks.seeds import BITGET_ACCOUNT, HYPERLIQUID_KEY, HYPERLIQUID_USER

#: The operator's defaults: ``request_timeout=15`` (connect at most 5 s), pool of max_in_flight + 2.
REQUEST_TIMEOUT = httpx.Timeout(15.0, connect=5.0)


def bitget_client(url: str, max_in_flight: int) -> BitgetClient:
    credentials = BitgetCredentials(
        str(BITGET_ACCOUNT["login"]),
        str(BITGET_ACCOUNT["password"]),
        str(BITGET_ACCOUNT["extra"]["passphrase"]),
    )
    return BitgetClient(credentials, base_url=url, timeout=REQUEST_TIMEOUT, max_connections=max_in_flight + 2)


def hyperliquid_client(url: str, max_in_flight: int) -> HyperliquidClient:
    return HyperliquidClient(
        HYPERLIQUID_KEY,
        account_address=HYPERLIQUID_USER,
        network="mainnet",
        base_url=url,
        timeout=REQUEST_TIMEOUT,
        max_connections=max_in_flight + 2,
    )
