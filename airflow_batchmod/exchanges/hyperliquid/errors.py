"""What a Hyperliquid refusal means for the next step: retry, stop sending, or give up for good.

An action refused whole (``{"status": "err", "response": text}``) applied nothing; the text says
whether sending again can succeed.
"""

from __future__ import annotations

import re
import threading

from airflow_batchmod.exchanges.base import (
    BudgetExhaustedError,
    ExchangeError,
    FailureKind,
    FatalRequestError,
    TransientRequestError,
)

#: Longest piece of an exchange message we quote.
QUOTE_LIMIT = 300
#: Once over its address limit, an address may send one request per 10 seconds.
ADDRESS_LIMIT_RETRY_AFTER = 10.0


def quote(text: str) -> str:
    return text if len(text) <= QUOTE_LIMIT else text[: QUOTE_LIMIT - 3] + "..."


#: An address, and not the first 40 digits of something longer (an echoed key).
_ADDRESS = re.compile(r"\b0x[0-9a-fA-F]{40}\b")


def unknown_signer_hint(message: str, network: str) -> str:
    """What an "User or API Wallet 0x… does not exist" answer most likely means.

    The venue recovers an address from the signature and looks it up: a signature made for the
    other network, with another key, or by an API wallet nobody approved recovers an address
    it does not know.
    """
    found = _ADDRESS.search(message)
    recovered = found.group(0) if found else "an address"
    other = "testnet" if network == "mainnet" else "mainnet"
    return (
        f"the venue recovered {recovered} from the signature and does not know it. Likely causes: "
        f"check `network` (this connection signs for {network}; {other} signatures are not valid "
        f"on {network}), a wrong private key, or an API wallet not approved for the account"
    )


def refusal_error(message: str, *, network: str = "mainnet") -> ExchangeError:
    """The error for an action refused whole with ``{"status": "err", "response": message}``.

    Nothing was applied either way; the split is whether sending again can succeed.
    """
    text = quote(message)
    lowered = message.lower()
    if "nonce" in lowered:
        # Another process signed with the same key in the same millisecond, or a clock jump.
        return TransientRequestError(f"action refused: {text}", code="nonce")
    if "too many cumulative requests" in lowered:
        # Only trading frees this budget: resending merely spends the one request per 10 s.
        return BudgetExhaustedError(
            f"the address's request budget is spent: {text}",
            code="address_rate_limit",
            retry_after=ADDRESS_LIMIT_RETRY_AFTER,
            kind=FailureKind.THROTTLED,
        )
    if "expire" in lowered:
        # A fresh expiresAfter is taken for every request, so a resend can pass.
        return TransientRequestError(f"action refused: {text}", code="expired")
    if "does not exist" in lowered:
        return FatalRequestError(
            f"action refused: {unknown_signer_hint(message, network)} (venue: {text})", code="auth"
        )
    if "must deposit" in lowered or "signature" in lowered:
        return FatalRequestError(f"action refused (signer or account not recognised): {text}", code="auth")
    return FatalRequestError(f"action refused: {text}", code="rejected")


#: An action refused because its ``expiresAfter`` passed is sent again at most this often.
MAX_EXPIRY_RETRIES = 1


class ExpiryRefusals:
    """Counts expiry refusals: one may be retried; each costs 5x on the address budget, and a
    second means the clock or ``expires_after_ms`` is wrong, which no retry cures."""

    def __init__(self) -> None:
        self._count = 0
        self._lock = threading.Lock()

    def checked(self, exc: TransientRequestError) -> ExchangeError:
        """``exc`` itself, or a :class:`FatalRequestError` once expiries passed the allowance."""
        if exc.code != "expired":
            return exc
        with self._lock:
            self._count += 1
            count = self._count
        if count <= MAX_EXPIRY_RETRIES:
            return exc
        return FatalRequestError(
            f"{exc.message} (refused as expired {count} times: check the clock and expires_after_ms; "
            "each expired action costs 5 requests of the address budget)",
            code="expired",
        )
