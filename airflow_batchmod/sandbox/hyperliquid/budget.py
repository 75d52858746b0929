"""Hyperliquid's per-address request budget: ``userRateLimit`` and "Too many cumulative requests".

Every order, cancel or modify in an action counts one request against the acting address. The
exchange allows 10,000 plus 1 per USDC traded; the sandbox starts each address with a
configurable number left (``hyperliquid_address_budget``) and adds 1 per USDC of fills. Once an
address is over its cap, it may send one action per 10 seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from airflow_batchmod.exchanges.decimals import format_decimal

#: Once over its cap, an address may send one request per this many seconds.
LIMITED_INTERVAL_S = 10.0


@dataclass
class _Budget:
    base: int  # the cap without volume: cap = base + floor(volume)
    used: int = 0
    volume: Decimal = Decimal(0)
    next_slot: float | None = None  # when a limited address may next send

    @property
    def cap(self) -> int:
        return self.base + int(self.volume)


class AddressBudgets:
    def __init__(self, left_by_address: dict[str, int] | None = None, default_left: int = 0) -> None:
        self._budgets = {address: _Budget(base=left) for address, left in (left_by_address or {}).items()}
        self._default_left = default_left

    def _of(self, address: str) -> _Budget:
        # An address the seed does not know still has a budget: the exchange keeps one per address.
        return self._budgets.setdefault(address, _Budget(base=self._default_left))

    def view(self, address: str) -> dict[str, object]:
        budget = self._of(address)
        return {
            "cumVlm": format_decimal(budget.volume),
            "nRequestsUsed": budget.used,
            "nRequestsCap": budget.cap,
        }

    def left(self, address: str) -> int:
        budget = self._of(address)
        return budget.cap - budget.used

    def set_left_everywhere(self, left: int) -> None:
        """Give every address ``left`` requests from now on (``POST /sandbox/config``)."""
        self._default_left = left
        for budget in self._budgets.values():
            budget.base = budget.used + left - int(budget.volume)
            budget.next_slot = None

    def add_volume(self, address: str, usdc: Decimal) -> None:
        """A fill of ``usdc`` notional frees one request per USDC."""
        self._of(address).volume += usdc

    def penalise(self, address: str, requests: int) -> None:
        """Count ``requests`` for ``address`` whatever is left (the cost of a refused action)."""
        self._of(address).used += requests

    def charge(self, address: str, requests: int, now: float) -> str | None:
        """Count ``requests`` for ``address``; the exchange's error text when it may not send now."""
        budget = self._of(address)
        if budget.used + requests <= budget.cap:
            budget.used += requests
            return None
        if budget.next_slot is not None and now >= budget.next_slot:
            budget.used += requests
            budget.next_slot = now + LIMITED_INTERVAL_S
            return None
        if budget.next_slot is None:
            # The refusal that finds the budget spent starts the one-per-10-s clock.
            budget.next_slot = now + LIMITED_INTERVAL_S
        return (
            f"Too many cumulative requests sent ({budget.used + requests} > {budget.cap}) for cumulative "
            f"volume traded ${format_decimal(budget.volume)}. Place taker orders to free up 1 request "
            "per USDC traded."
        )
