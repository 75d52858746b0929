"""Reading the exchange's answers to ``/exchange`` actions.

The question behind every branch of :func:`read_exchange_response` is whether the
exchange may have acted. An HTTP 5xx or an unreadable 200 may follow an applied
action, so those are "outcome unknown"; a 429 or a refusal of the whole action
(``{"status": "err"}``) means nothing was applied.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from airflow_batchmod.exchanges.base import (
    FailureKind,
    FatalRequestError,
    ItemResult,
    Outcome,
    OutcomeUnknownError,
    TransientRequestError,
)
from airflow_batchmod.exchanges.hyperliquid.errors import quote, refusal_error
from airflow_batchmod.exchanges.retry import retry_after_seconds

WAITING_STATUSES = ("waitingForFill", "waitingForTrigger")


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
