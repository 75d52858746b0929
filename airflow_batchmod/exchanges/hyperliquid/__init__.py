"""Hyperliquid ``batchModify``: cancel-and-replace modification of resting orders."""

from __future__ import annotations

from airflow_batchmod.exchanges.hyperliquid.client import HyperliquidClient
from airflow_batchmod.exchanges.hyperliquid.models import ReadableEdit, WireEdit

__all__ = ["HyperliquidClient", "ReadableEdit", "WireEdit"]
