"""Reading a batch-modify answer: a request-level error, or one result per edit.

Results are matched to edits by the id each edit was sent with, never by position:
Bitget does not document the order of ``data``, and a wrong match would report one
order's fate as another's. An edit with no matching item is ``UNKNOWN`` and gets
reconciled.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence

from pydantic import ValidationError

from airflow_batchmod.exchanges.base import (
    ExchangeError,
    FailureKind,
    FatalRequestError,
    ItemResult,
    Outcome,
    OutcomeUnknownError,
    PreparedEdit,
    TransientRequestError,
    redact,
)
from airflow_batchmod.exchanges.bitget.errors import (
    WHOLE_REQUEST_CODES,
    ErrorClass,
    classify,
    describe,
    is_success,
    normalize_code,
)
from airflow_batchmod.exchanges.bitget.models import BatchModifyItem, BatchModifyResultItem, BitgetEnvelope
from airflow_batchmod.exchanges.bitget.validation import echo

#: Server messages are kept short in results and errors.
MESSAGE_LIMIT = 200


class BatchRefusedError(FatalRequestError):
    """Bitget refused a whole batch with a code known to refuse an item for good (REST batch-modify
    may name one item's problem in the envelope). The client isolates the item that caused it;
    should this ever reach the run engine, it stops the run like any other final refusal."""


def safe_message(text: str | None, secrets: Sequence[str]) -> str:
    """A server message fit for logs: secrets masked, control characters gone, length capped."""
    return echo(redact(text or "", secrets), MESSAGE_LIMIT)


def parse_envelope(body: bytes) -> BitgetEnvelope | None:
    """The envelope, or ``None`` if the body is not one (HTML error page, truncated JSON...)."""
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(document, dict):
        return None
    try:
        return BitgetEnvelope.model_validate(document)
    except ValidationError:
        return None


def envelope_error(
    envelope: BitgetEnvelope,
    secrets: Sequence[str],
    *,
    retry_after: float | None = None,
    kind: FailureKind = FailureKind.OTHER,
) -> ExchangeError:
    """The exception for a whole request Bitget answered with a non-success code.

    ``kind`` is the HTTP status's (5xx); a throttle or busy code is THROTTLED whatever the status.
    A code not known to be harmless is an unknown outcome (reconciled); a known final refusal of
    an item is :class:`BatchRefusedError`, which the client splits to find the item.
    """
    code = envelope.code
    message = safe_message(envelope.msg or describe(code), secrets)
    text = f"Bitget answered code {echo(code)}: {message}"
    group = classify(code)
    if group is ErrorClass.RETRYABLE:
        return TransientRequestError(text, code=code, retry_after=retry_after, kind=FailureKind.THROTTLED)
    if group is ErrorClass.OUTCOME_UNKNOWN:
        return OutcomeUnknownError(text, code=code, kind=kind)
    if group is ErrorClass.FINAL and normalize_code(code) not in WHOLE_REQUEST_CODES:
        return BatchRefusedError(message, code=code, kind=kind)
    return FatalRequestError(text, code=code, kind=kind)


def modify_results(
    status: int,
    body: bytes,
    edits: Sequence[PreparedEdit],
    secrets: Sequence[str],
    *,
    retry_after: float | None = None,
) -> list[ItemResult]:
    """One result per edit for a batch-modify answer, or the request-level exception.

    Only an answer that proves nothing was applied (a throttle, a busy code) lets the edits be
    sent again as they are. A 5xx, with or without a body, does not: the venue may have applied
    the batch and then failed to answer (the sandbox's ``http_500_after`` plays this), so the
    edits are reconciled first.
    """
    envelope = parse_envelope(body)
    if status == 429:
        code = envelope.code if envelope else "429"
        raise TransientRequestError(
            "Bitget rate limit hit (HTTP 429)", code=code, retry_after=retry_after, kind=FailureKind.THROTTLED
        )
    if status >= 500:
        server = FailureKind.SERVER_ERROR
        if envelope is not None and classify(envelope.code) is ErrorClass.RETRYABLE:
            raise envelope_error(envelope, secrets, retry_after=retry_after, kind=server)
        code = envelope.code if envelope is not None and not is_success(envelope.code) else str(status)
        raise OutcomeUnknownError(
            f"Bitget server error (HTTP {status}, code {echo(code)})", code=code, kind=server
        )
    if not 200 <= status < 300:
        if envelope is not None and not is_success(envelope.code):
            raise envelope_error(envelope, secrets, retry_after=retry_after)
        raise OutcomeUnknownError(f"Bitget answered HTTP {status} without an error code", code=str(status))
    if envelope is None:
        raise OutcomeUnknownError("Bitget answered HTTP 200 with a body that is not a Bitget envelope")
    if not is_success(envelope.code):
        raise envelope_error(envelope, secrets, retry_after=retry_after)
    return match_items(edits, envelope.data, secrets)


def _items(data: object) -> list[BatchModifyResultItem]:
    if not isinstance(data, list):
        return []
    items = []
    for element in data:
        try:
            items.append(BatchModifyResultItem.model_validate(element))
        except ValidationError:
            continue  # an unreadable item matches nothing; its edit becomes UNKNOWN
    return items


def match_items(edits: Sequence[PreparedEdit], data: object, secrets: Sequence[str]) -> list[ItemResult]:
    """Pair each edit with the answer item carrying its orderId (or, failing that, clientOid)."""
    by_order_id: dict[str, list[BatchModifyResultItem]] = defaultdict(list)
    by_client_oid: dict[str, list[BatchModifyResultItem]] = defaultdict(list)
    for item in _items(data):
        if item.orderId is not None:
            by_order_id[item.orderId].append(item)
        if item.clientOid is not None:
            by_client_oid[item.clientOid].append(item)

    results = []
    for edit in edits:
        payload = edit.payload
        assert isinstance(payload, BatchModifyItem)
        found: list[BatchModifyResultItem] = []
        if payload.orderId is not None:
            found = by_order_id.get(payload.orderId, [])
        if not found and payload.clientOid is not None:
            found = by_client_oid.get(payload.clientOid, [])
        if not found:
            results.append(
                ItemResult(edit.index, Outcome.UNKNOWN, message="no result for this order in the answer")
            )
        elif len(found) > 1:
            results.append(
                ItemResult(
                    edit.index, Outcome.UNKNOWN, message=f"the answer lists this order {len(found)} times"
                )
            )
        else:
            results.append(item_result(edit.index, payload, found[0], secrets))
    return results


def item_result(
    index: int, payload: BatchModifyItem, item: BatchModifyResultItem, secrets: Sequence[str]
) -> ItemResult:
    if item.code is None or is_success(item.code):
        return ItemResult(index, Outcome.APPLIED, order_id=item.orderId or payload.orderId)
    message = safe_message(item.msg or describe(item.code), secrets)
    group = classify(item.code)
    if group is ErrorClass.RETRYABLE:
        outcome = Outcome.RETRY
    elif group is ErrorClass.OUTCOME_UNKNOWN:
        outcome = Outcome.UNKNOWN
    else:
        outcome = Outcome.REJECTED
    return ItemResult(
        index, outcome, order_id=item.orderId or payload.orderId, code=item.code, message=message
    )
