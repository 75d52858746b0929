"""Reading the exchange's answers: the ``/exchange`` response and ``/info`` order records.

The question behind every branch of :func:`read_exchange_response` is whether the
exchange may have acted. An HTTP 5xx or an unreadable 200 may follow an applied
action, so those are "outcome unknown"; a 429 or a refusal of the whole action
(``{"status": "err"}``) means nothing was applied.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx

from airflow_batchmod.exchanges.base import (
    BudgetExhaustedError,
    ExchangeError,
    FailureKind,
    FatalRequestError,
    ItemResult,
    Outcome,
    OutcomeUnknownError,
    ReconcileError,
    TransientRequestError,
)
from airflow_batchmod.exchanges.retry import retry_after_seconds

#: Longest piece of an exchange message we quote.
QUOTE_LIMIT = 300
#: Once over its address limit, an address may send one request per 10 seconds.
ADDRESS_LIMIT_RETRY_AFTER = 10.0
WAITING_STATUSES = ("waitingForFill", "waitingForTrigger")


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


def status_result(index: int, status: object) -> ItemResult:
    """One entry of ``statuses``: a new oid (resting/filled), an error, or something unreadable."""
    if isinstance(status, Mapping):
        if "error" in status:
            return ItemResult(index, Outcome.REJECTED, message=quote(str(status["error"])))
        for key in ("resting", "filled"):
            body = status.get(key)
            if isinstance(body, Mapping):
                oid = body.get("oid")
                if isinstance(oid, int) and not isinstance(oid, bool):
                    return ItemResult(index, Outcome.APPLIED, order_id=str(oid))
    if status in WAITING_STATUSES:
        # Accepted, but the answer names no order: only a lookup can say which order now carries it.
        return ItemResult(index, Outcome.UNKNOWN, message=f"exchange answered {status!r} without an oid")
    return ItemResult(index, Outcome.UNKNOWN, message=f"unreadable status {quote(json.dumps(status))}")


def _statuses(body: Mapping[str, Any]) -> list[Any] | None:
    response = body.get("response")
    data = response.get("data") if isinstance(response, Mapping) else None
    statuses = data.get("statuses") if isinstance(data, Mapping) else None
    return statuses if isinstance(statuses, list) else None


def read_action_answer(response: httpx.Response, *, network: str = "mainnet") -> Mapping[str, Any]:
    """The body of an ``/exchange`` answer with ``"status": "ok"``, or the request-level error."""
    code = response.status_code
    if code == 429:
        raise TransientRequestError(
            "HTTP 429: rate limited",
            code="429",
            retry_after=retry_after_seconds(response),
            kind=FailureKind.THROTTLED,
        )
    if code >= 500:
        raise OutcomeUnknownError(
            f"HTTP {code} after the action was sent; it may have been applied",
            code=str(code),
            kind=FailureKind.SERVER_ERROR,
        )
    if code != 200:
        raise FatalRequestError(f"HTTP {code}: {quote(response.text)}", code=str(code))
    try:
        body = response.json()
    except ValueError:
        raise OutcomeUnknownError("HTTP 200 with a body that is not JSON") from None
    if not isinstance(body, Mapping):
        raise OutcomeUnknownError(f"HTTP 200 with an unexpected body: {quote(response.text)}")
    if body.get("status") == "err":
        message = body.get("response")
        raise refusal_error(message if isinstance(message, str) else json.dumps(message), network=network)
    if body.get("status") != "ok":
        raise OutcomeUnknownError(f"HTTP 200 with an unexpected body: {quote(response.text)}")
    return body


def read_exchange_response(
    response: httpx.Response, indices: Sequence[int], *, network: str = "mainnet"
) -> list[ItemResult]:
    """One result per edit (``indices`` in request order), or the request-level error."""
    statuses = _statuses(read_action_answer(response, network=network))
    if statuses is None:
        return [
            ItemResult(i, Outcome.UNKNOWN, message="the answer carries no per-order statuses")
            for i in indices
        ]
    if len(statuses) != len(indices):
        # A payload-level check answers one error for the whole batch.
        only = statuses[0] if len(statuses) == 1 else None
        if isinstance(only, Mapping) and "error" in only:
            message = quote(str(only["error"]))
            return [ItemResult(i, Outcome.REJECTED, message=message) for i in indices]
        message = f"the answer has {len(statuses)} statuses for {len(indices)} modifies"
        return [ItemResult(i, Outcome.UNKNOWN, message=message) for i in indices]
    return [status_result(i, status) for i, status in zip(indices, statuses, strict=True)]


@dataclass(frozen=True)
class OrderView:
    """What the ``/info`` endpoints tell about one order. The values planning compares are None
    when the record does not carry them (then nothing is taken to be unchanged)."""

    oid: int
    cloid: str | None
    coin: str
    #: ``open``, ``filled``, ``canceled``, ... (None in open-order lists, where it is implied).
    status: str | None = None
    #: ``B`` (buy) or ``A`` (sell).
    side: str | None = None
    price: Decimal | None = None
    #: The size still resting (``sz``); ``orig_size`` is what the order was placed with.
    size: Decimal | None = None
    orig_size: Decimal | None = None
    reduce_only: bool | None = None
    #: ``Limit``, ``Stop Market``, ``Take Profit Limit``, ...
    order_type: str | None = None
    tif: str | None = None
    trigger_px: Decimal | None = None


def _decimal(value: object) -> Decimal | None:
    if not isinstance(value, str | int) or isinstance(value, bool):
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _order_view(record: object, status: str | None, where: str) -> OrderView:
    if not isinstance(record, Mapping):
        raise ReconcileError(f"{where}: an order is not an object")
    oid = record.get("oid")
    if isinstance(oid, bool) or not isinstance(oid, int):
        raise ReconcileError(f"{where}: an order has no integer oid")
    cloid = record.get("cloid")
    side, reduce_only = record.get("side"), record.get("reduceOnly")
    order_type, tif = record.get("orderType"), record.get("tif")
    return OrderView(
        oid=oid,
        cloid=cloid.lower() if isinstance(cloid, str) else None,
        coin=str(record.get("coin", "")),
        status=status,
        side=side if side in ("A", "B") else None,
        price=_decimal(record.get("limitPx")),
        size=_decimal(record.get("sz")),
        orig_size=_decimal(record.get("origSz")),
        reduce_only=reduce_only if isinstance(reduce_only, bool) else None,
        order_type=order_type if isinstance(order_type, str) else None,
        tif=tif if isinstance(tif, str) else None,
        trigger_px=_decimal(record.get("triggerPx")) if record.get("isTrigger") is True else None,
    )


def read_open_orders(body: object) -> list[OrderView]:
    """``frontendOpenOrders`` / ``openOrders``: a list of open orders."""
    if not isinstance(body, list):
        raise ReconcileError("open orders: the answer is not a list")
    return [_order_view(record, "open", "open orders") for record in body]


def read_order_status(body: object) -> OrderView | None:
    """``orderStatus``: the order and its status, or None for ``unknownOid``."""
    if not isinstance(body, Mapping):
        raise ReconcileError("orderStatus: the answer is not an object")
    if body.get("status") == "unknownOid":
        return None
    wrapper = body.get("order")
    if body.get("status") != "order" or not isinstance(wrapper, Mapping):
        raise ReconcileError(f"orderStatus: unexpected answer {quote(json.dumps(body))}")
    status = wrapper.get("status")
    if not isinstance(status, str):
        raise ReconcileError("orderStatus: the order has no status")
    return _order_view(wrapper.get("order"), status, "orderStatus")
