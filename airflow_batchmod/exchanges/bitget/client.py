"""The Bitget UTA client the operator drives: validate, send one batch, reconcile."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import Any

import httpx
from pydantic import TypeAdapter, ValidationError

from airflow_batchmod.exchanges.base import (
    Confirmation,
    EditProblem,
    FailureKind,
    FatalRequestError,
    ItemResult,
    MetadataError,
    Outcome,
    Preparation,
    PreparedEdit,
    RateLimit,
    ReconcileError,
    TransientRequestError,
)
from airflow_batchmod.exchanges.bitget import signing
from airflow_batchmod.exchanges.bitget.credentials import BitgetCredentials, mask
from airflow_batchmod.exchanges.bitget.errors import ErrorClass, classify, is_success
from airflow_batchmod.exchanges.bitget.models import (
    BatchModifyItem,
    BitgetEdit,
    BitgetEnvelope,
    Instrument,
    OrderInfo,
)
from airflow_batchmod.exchanges.bitget.precision import check_edit
from airflow_batchmod.exchanges.bitget.reconciliation import judge
from airflow_batchmod.exchanges.bitget.responses import (
    envelope_error,
    modify_results,
    parse_envelope,
    safe_message,
)
from airflow_batchmod.exchanges.bitget.validation import echo, edit_label, parse_edit, raw_label, to_wire
from airflow_batchmod.exchanges.http import make_http_client, send_modification
from airflow_batchmod.exchanges.ratelimit import Limiter, SlidingWindowLimiter
from airflow_batchmod.exchanges.retry import (
    ReadFailed,
    ReadRetry,
    RetryableRead,
    failure_of_status,
    retry_after_seconds,
)

__all__ = ["BitgetClient", "BitgetCredentials"]

log = logging.getLogger(__name__)

MODIFY_PATH = "/api/v3/trade/batch-modify-order"
ORDER_INFO_PATH = "/api/v3/trade/order-info"
INSTRUMENTS_PATH = "/api/v3/market/instruments"
SETTINGS_PATH = "/api/v3/account/settings"

#: "Order does not exist" in its UTA and older spellings.
ORDER_NOT_FOUND_CODES = frozenset({"25204", "43001", "40768", "40109"})

#: Bitget's limit per UID for batch-modify: 10 requests a second.
MODIFY_LIMIT = RateLimit(limit=10, window_seconds=1.0)
#: order-info and unfilled-orders allow 20 requests a second per UID. Reads go out one per 60 ms,
#: a steady stream clearly below it, never a burst at the edge of the venue's window.
READ_INTERVAL_SECONDS = 0.06

_ITEMS = TypeAdapter(list[BatchModifyItem])


class BitgetClient:
    """One Bitget Unified Trading Account, as :class:`~airflow_batchmod.exchanges.base.ExchangeClient`."""

    exchange = "bitget"
    max_batch_size = 20
    rate_limit = MODIFY_LIMIT

    def __init__(
        self,
        credentials: BitgetCredentials,
        *,
        base_url: str = "https://api.bitget.com",
        demo_trading: bool = False,
        timeout: httpx.Timeout | None = None,
        transport: httpx.BaseTransport | None = None,
        max_connections: int = 16,
        proxy: str | None = None,
        clock: Callable[[], float] = time.time,
        read_retry: ReadRetry | None = None,
        modify_limiter: Limiter | None = None,
        read_limiter: Limiter | None = None,
    ) -> None:
        self._credentials = credentials
        self._base_url = base_url
        self._demo_trading = demo_trading
        self._clock = clock
        self._retry = read_retry or ReadRetry()
        self._modify_limiter = modify_limiter or SlidingWindowLimiter(
            MODIFY_LIMIT.limit, MODIFY_LIMIT.window_seconds
        )
        self._read_limiter = read_limiter or SlidingWindowLimiter(
            1, READ_INTERVAL_SECONDS, safety_seconds=0.0
        )
        self._http = make_http_client(
            base_url, timeout=timeout, transport=transport, max_connections=max_connections, proxy=proxy
        )
        self._instruments: dict[str, dict[str, Instrument]] = {}
        self._instruments_lock = threading.Lock()

    def __repr__(self) -> str:
        return (
            f"BitgetClient(base_url={self._base_url!r}, api_key={mask(self._credentials.api_key)!r}, "
            f"demo_trading={self._demo_trading})"
        )

    def secrets(self) -> list[str]:
        """Texts to redact from anything shown to people."""
        return self._credentials.secrets()

    def __enter__(self) -> BitgetClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def request_weight(self, batch_size: int) -> int:
        # Bitget counts requests, not the orders in them.
        return 1

    def check_budget(self, edit_count: int) -> None:
        """Placeholder until the budget check lands: assumes the budget suffices."""

    def confirm(self, edits: Sequence[PreparedEdit]) -> list[Confirmation]:
        raise NotImplementedError("book confirmation is not implemented yet")

    def retarget(self, edit: PreparedEdit, order_id: str) -> PreparedEdit:
        # Bitget modifies in place: the order keeps its id.
        return edit

    # -- validation ---------------------------------------------------------------------------

    def prepare(self, raw_edits: Sequence[object]) -> Preparation:
        parsed = [(index, raw, parse_edit(raw)) for index, raw in enumerate(raw_edits)]
        categories = sorted({edit.category for _, _, edit in parsed if isinstance(edit, BitgetEdit)})
        instruments = {category: self.instruments(category) for category in categories}

        edits: list[PreparedEdit] = []
        problems: list[EditProblem] = []
        for index, raw, edit in parsed:
            if not isinstance(edit, BitgetEdit):
                problems.append(EditProblem(index, raw_label(raw), tuple(edit)))
                continue
            label = edit_label(edit)
            instrument = instruments[edit.category].get(edit.symbol)
            if instrument is None:
                issues = [f"symbol {edit.symbol} is not a {edit.category} instrument on Bitget"]
            else:
                issues = check_edit(instrument, price=edit.price, qty=edit.qty)
            if issues:
                problems.append(EditProblem(index, label, tuple(issues)))
            else:
                edits.append(PreparedEdit(index, edit.order_key, edit.category, label, to_wire(edit)))
        return Preparation(edits=edits, problems=problems)

    def instruments(self, category: str) -> dict[str, Instrument]:
        """The instruments of one category by symbol, fetched once per client."""
        with self._instruments_lock:
            cached = self._instruments.get(category)
            if cached is None:
                cached = self._fetch_instruments(category)
                self._instruments[category] = cached
            return cached

    def _fetch_instruments(self, category: str) -> dict[str, Instrument]:
        try:
            status, envelope = self._read(INSTRUMENTS_PATH, {"category": category}, signed=False)
        except ReadFailed as exc:
            raise MetadataError(
                f"could not read Bitget {category} instruments: {exc}", kind=exc.kind
            ) from None
        if not is_success(envelope.code) or not isinstance(envelope.data, list):
            message = safe_message(envelope.msg, self._credentials.secrets())
            raise MetadataError(
                f"could not read Bitget {category} instruments (HTTP {status}, code {echo(envelope.code)}): "
                f"{message}",
                code=envelope.code,
            )
        found: dict[str, Instrument] = {}
        for element in envelope.data:
            try:
                instrument = Instrument.model_validate(element)
            except ValidationError:
                continue  # one malformed entry must not hide the others
            found[instrument.symbol.upper()] = instrument
        return found

    # -- modification ---------------------------------------------------------------------------

    def submit(self, edits: Sequence[PreparedEdit]) -> list[ItemResult]:
        if not edits:
            return []
        payloads = [_payload(edit) for edit in edits]
        # Bitget would refuse these as a whole; say so without spending a request.
        if len(payloads) > self.max_batch_size:
            raise FatalRequestError(
                f"{len(payloads)} edits in one request, Bitget takes {self.max_batch_size}"
            )
        if len({payload.category for payload in payloads}) > 1:
            raise FatalRequestError("edits of different categories cannot share a Bitget request")

        # Serialised once: these exact bytes are both signed and sent.
        body = _ITEMS.dump_json(payloads, exclude_none=True)
        self._modify_limiter.acquire()
        headers = self._headers("POST", MODIFY_PATH, "", body.decode())
        request = self._http.build_request("POST", MODIFY_PATH, content=body, headers=headers)
        response = send_modification(self._http, request)
        log.info("Bitget batch-modify of %d edits answered HTTP %d", len(edits), response.status_code)
        return modify_results(
            response.status_code,
            response.content,
            edits,
            self._credentials.secrets(),
            retry_after=retry_after_seconds(response),
        )

    # -- reconciliation -------------------------------------------------------------------------

    def reconcile(self, edits: Sequence[PreparedEdit]) -> list[ItemResult]:
        results: list[ItemResult] = []
        auth_failure: str | None = None
        for edit in edits:
            if auth_failure is not None:
                # Every further query would fail the same way.
                results.append(ItemResult(edit.index, Outcome.UNKNOWN, message=auth_failure))
                continue
            result, auth_failure = self._reconcile_one(edit)
            results.append(result)
        return results

    def _reconcile_one(self, edit: PreparedEdit) -> tuple[ItemResult, str | None]:
        payload = _payload(edit)
        if payload.orderId is not None:
            params = {"orderId": payload.orderId}
        else:
            params = {"clientOid": payload.clientOid or ""}
        try:
            status, envelope = self._read(ORDER_INFO_PATH, params, signed=True)
        except ReadFailed as exc:
            return ItemResult(edit.index, Outcome.UNKNOWN, message=f"order query failed: {exc}"), None

        code = envelope.code
        if is_success(code):
            try:
                info = OrderInfo.model_validate(envelope.data)
            except ValidationError:
                message = "order query answered with an unreadable order"
                return ItemResult(edit.index, Outcome.UNKNOWN, message=message), None
            return judge(edit.index, payload, info), None

        message = safe_message(envelope.msg, self._credentials.secrets())
        if code in ORDER_NOT_FOUND_CODES:
            result = ItemResult(
                edit.index, Outcome.REJECTED, code=code, message=f"order does not exist: {message}"
            )
            return result, None
        failure = f"order query refused (HTTP {status}, code {echo(code)}): {message}"
        result = ItemResult(edit.index, Outcome.UNKNOWN, code=code, message=failure)
        return result, failure if classify(code) is ErrorClass.FATAL_AUTH else None

    # -- account --------------------------------------------------------------------------------

    def account_settings(self) -> dict[str, Any]:
        """``data`` of ``GET /api/v3/account/settings``: proves the key, passphrase and signature work."""
        try:
            _, envelope = self._read(SETTINGS_PATH, {}, signed=True)
        except ReadFailed as exc:
            raise TransientRequestError(
                f"could not read Bitget account settings: {exc}", kind=exc.kind
            ) from None
        if not is_success(envelope.code):
            raise envelope_error(envelope, self._credentials.secrets())
        if not isinstance(envelope.data, dict):
            raise ReconcileError("Bitget account settings answer has no data")
        return envelope.data

    # -- plumbing -------------------------------------------------------------------------------

    def _headers(self, method: str, path: str, query: str, body: str) -> dict[str, str]:
        timestamp = str(int(self._clock() * 1000))
        creds = self._credentials
        headers = {
            "ACCESS-KEY": creds.api_key,
            "ACCESS-SIGN": signing.sign(creds.secret, timestamp, method, path, query, body),
            "ACCESS-TIMESTAMP": timestamp,
            "ACCESS-PASSPHRASE": creds.passphrase,
            "Content-Type": "application/json",
            "locale": "en-US",
        }
        if self._demo_trading:
            headers["paptrading"] = "1"
        return headers

    def _public_headers(self) -> dict[str, str]:
        headers = {"locale": "en-US"}
        if self._demo_trading:
            headers["paptrading"] = "1"
        return headers

    def _read(self, path: str, params: Mapping[str, str], *, signed: bool) -> tuple[int, BitgetEnvelope]:
        """GET with bounded retries of transient failures; returns any readable envelope.

        Reads change nothing, so a dropped connection, a throttle or a 5xx may simply be tried
        again. Raises :class:`ReadFailed` when the attempts run out.
        """
        query = signing.sorted_query(params)
        url = f"{path}?{query}" if query else path

        def attempt() -> tuple[int, BitgetEnvelope]:
            self._read_limiter.acquire()
            headers = self._headers("GET", path, query, "") if signed else self._public_headers()
            try:
                response = self._http.send(self._http.build_request("GET", url, headers=headers))
            except httpx.TransportError as exc:
                raise RetryableRead(
                    f"transport error {type(exc).__name__}", kind=FailureKind.NETWORK
                ) from None
            failure = failure_of_status(response.status_code)
            if failure is not None:
                retry_after = retry_after_seconds(response)
                raise RetryableRead(f"HTTP {response.status_code}", kind=failure, retry_after=retry_after)
            envelope = parse_envelope(response.content)
            if envelope is None:
                problem = f"HTTP {response.status_code} without a Bitget envelope"
                raise RetryableRead(problem, kind=FailureKind.OTHER)
            if classify(envelope.code) is ErrorClass.RETRYABLE:
                raise RetryableRead(f"code {echo(envelope.code)}", kind=FailureKind.THROTTLED)
            return response.status_code, envelope

        try:
            return self._retry.run(attempt)
        except ReadFailed as exc:
            log.warning("Bitget read of %s failed: %s", path, exc)
            raise


def _payload(edit: PreparedEdit) -> BatchModifyItem:
    payload = edit.payload
    if not isinstance(payload, BatchModifyItem):
        raise TypeError(f"edit #{edit.index} was not prepared by BitgetClient")
    return payload
