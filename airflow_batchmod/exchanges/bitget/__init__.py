"""Bitget Unified Trading Account (UTA v3) batch order modification."""

from __future__ import annotations

from airflow_batchmod.exchanges.bitget.client import BitgetClient
from airflow_batchmod.exchanges.bitget.credentials import BitgetCredentials
from airflow_batchmod.exchanges.bitget.models import BitgetEdit

__all__ = ["BitgetClient", "BitgetCredentials", "BitgetEdit"]
