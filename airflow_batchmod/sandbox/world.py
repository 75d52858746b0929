"""Both venues' books behind one lock. Every read and write happens under ``World.lock``."""

from __future__ import annotations

import threading
from typing import Any

from airflow_batchmod.sandbox.bitget.state import BitgetBook
from airflow_batchmod.sandbox.hyperliquid.state import HyperliquidBook


class World:
    """Both venues' books behind one lock, so a request is applied atomically."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.bitget = BitgetBook()
        self.hyperliquid = HyperliquidBook()

    def replace(self, bitget: BitgetBook, hyperliquid: HyperliquidBook) -> None:
        with self.lock:
            self.bitget = bitget
            self.hyperliquid = hyperliquid

    def view(self) -> dict[str, Any]:
        with self.lock:
            return {
                "bitget": {"orders": [order.view() for order in self.bitget.orders]},
                "hyperliquid": {"orders": [order.view() for order in self.hyperliquid.orders.values()]},
            }
