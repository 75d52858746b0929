"""The Bitget UTA client the operator drives: validate, send one batch, reconcile."""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import Any

import httpx
from pydantic import TypeAdapter, ValidationError

from airflow_batchmod.exchanges.base import (
    AccountRef,
    Confirmation,
    ExchangeError,
    FailureKind,
    FatalRequestError,
    ItemResult,
    Landing,
    MetadataError,
    MetadataRefusedError,
    Preparation,
    PreparedEdit,
    RateLimit,
    ReconcileError,
    TransientRequestError,
)
from airflow_batchmod.exchanges.bitget import signing
from airflow_batchmod.exchanges.bitget.book import BookReader, BookReadError, BookView
from airflow_batchmod.exchanges.bitget.confirmation import confirmation
from airflow_batchmod.exchanges.bitget.credentials import BitgetCredentials, mask
from airflow_batchmod.exchanges.bitget.errors import ErrorClass, classify, is_success
from airflow_batchmod.exchanges.bitget.isolation import isolate
from airflow_batchmod.exchanges.bitget.limits import check_limits
from airflow_batchmod.exchanges.bitget.models import (
    BatchModifyItem,
    BitgetEdit,
    BitgetEnvelope,
    Instrument,
)
from airflow_batchmod.exchanges.bitget.planning import check_edits, plan_edits
from airflow_batchmod.exchanges.bitget.reconciliation import (
    payload_of,
    reconcile,
    ref_of,
    settle_auto_cancels,
)
from airflow_batchmod.exchanges.bitget.responses import (
    BatchRefusedError,
    envelope_error,
    modify_results,
    parse_envelope,
    safe_message,
)
from airflow_batchmod.exchanges.bitget.validation import echo, parse_edit
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
INSTRUMENTS_PATH = "/api/v3/market/instruments"
SETTINGS_PATH = "/api/v3/account/settings"

#: Bitget's limit per UID for batch-modify: 10 requests a second.
MODIFY_LIMIT = RateLimit(limit=10, window_seconds=1.0)
#: order-info and unfilled-orders allow 20 requests a second per UID. Reads go out one per 60 ms,
#: a steady stream clearly below it, never a burst at the edge of the venue's window.
READ_INTERVAL_SECONDS = 0.06

#: How long a batch-modify whose answer never came may still be applied. Bitget refuses a request
#: whose ACCESS-TIMESTAMP is more than 30 s from its clock, and has no expiry of its own: a request
#: held on the way in can land until then (docs/venue-behaviour.md).
LATE_APPLY_SECONDS = 30.0

_ITEMS = TypeAdapter(list[BatchModifyItem])


class BitgetClient:
    """One Bitget Unified Trading Account, as :class:`~airflow_batchmod.exchanges.base.ExchangeClient`."""

    exchange = "bitget"
    max_batch_size = 20

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
        late_apply_seconds: float = LATE_APPLY_SECONDS,
    ) -> None:
        if not late_apply_seconds >= 0:
            raise ValueError("late_apply_seconds must be a number of seconds, 0 or more")
        self.late_apply_seconds = float(late_apply_seconds)
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
        #: Reads of the account's orders and of market prices (see :mod:`.book`).
        self.book = BookReader(
            lambda path, params, signed: self._read(path, params, signed=signed), self.secrets
        )

    def __repr__(self) -> str:
        return (
            f"BitgetClient(base_url={self._base_url!r}, api_key={mask(self._credentials.api_key)!r}, "
            f"demo_trading={self._demo_trading})"
        )

    @property
    def account(self) -> AccountRef:
        """Demo trading (``paptrading``) is its own network: its orders are not the live book's.
        Bitget names the account (its uid) only in answer to a request, so no name here."""
        return AccountRef("bitget", "demo" if self._demo_trading else None)

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

    def check_budget(self, edit_count: int) -> None:
        """Placeholder until the budget check lands: assumes the budget suffices."""

    def retarget(self, edit: PreparedEdit, order_id: str) -> PreparedEdit:
        """``edit`` aimed at ``order_id`` when a modify gave its order a new id (clientOid kept)."""
        payload = payload_of(edit)
        if payload.orderId is None or payload.orderId == order_id:
            return edit
        return dataclasses.replace(edit, payload=payload.model_copy(update={"orderId": order_id}))

    # -- validation ---------------------------------------------------------------------------

    def prepare(self, raw_edits: Sequence[object]) -> Preparation:
        """Validate every edit against its instrument, then read the book (the open-orders list
        per category and symbol, ``order-info`` only for orders not in it) and plan: ``before``
        and ``wanted`` on each edit to send, ``unchanged`` / ``not_open`` skips, and ``invalid``
        for edits the order itself refuses (reduce-only, qty below the filled quantity).

        Raises :class:`MetadataError` when the instruments or the book cannot be read.
        """
        parsed = [(index, raw, parse_edit(raw)) for index, raw in enumerate(raw_edits)]
        categories = sorted({edit.category for _, _, edit in parsed if isinstance(edit, BitgetEdit)})
        instruments: dict[str, dict[str, Instrument]] = {c: self.instruments(c) for c in categories}

        checked, problems = check_edits(parsed, instruments)
        if not checked:
            return Preparation(edits=[], problems=problems)

        view = self._read_book(checked, MetadataError)
        failure = next(iter(view.failures.values()), None)
        if failure is not None:
            raise MetadataError(f"could not read the Bitget book: {failure.message}", kind=failure.kind)
        infos = {edit.index: view.orders[ref_of(payload_of(edit)).key] for edit in checked}
        edits, skipped, refused_by_order = plan_edits(checked, infos)
        problems += refused_by_order
        try:
            edits, refused = check_limits(edits, infos, instruments, self.book.ticker)
        except BookReadError as exc:
            raise MetadataError(f"could not read the Bitget market: {exc.message}", kind=exc.kind) from None
        problems = sorted(problems + refused, key=lambda problem: problem.index)
        return Preparation(edits=edits, problems=problems, skipped=skipped)

    def _read_book(self, edits: Sequence[PreparedEdit], error: type[ExchangeError]) -> BookView:
        """The book of ``edits``' orders; a listing that fails becomes ``error``."""
        try:
            view = self.book.read([ref_of(payload_of(edit)) for edit in edits])
        except BookReadError as exc:
            if exc.fatal and error is MetadataError:
                error = MetadataRefusedError
            raise error(f"could not read the Bitget book: {exc.message}", kind=exc.kind) from None
        log.info(
            "Read the Bitget book of %d orders: %d open-orders pages, %d order-info lookups",
            len(edits),
            view.pages,
            view.by_status,
        )
        return view

    def confirm(self, edits: Sequence[PreparedEdit]) -> list[Confirmation]:
        """Whether the book shows each accepted edit's ``wanted`` price and qty (Bitget may queue
        a modification it accepted): ``landed``, ``pending`` or ``gone`` (filled or cancelled first)."""
        if not edits:
            return []
        view = self._read_book(edits, ReconcileError)
        answers: list[Confirmation] = []
        for edit in edits:
            key = ref_of(payload_of(edit)).key
            failure = view.failures.get(key)
            if failure is not None:
                answers.append(Confirmation(edit.index, Landing.PENDING, message=failure.message))
            else:
                answers.append(confirmation(edit, view.orders[key]))
        return answers

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
        payloads = [payload_of(edit) for edit in edits]
        # Bitget would refuse these as a whole; say so without spending a request.
        if len(payloads) > self.max_batch_size:
            raise FatalRequestError(
                f"{len(payloads)} edits in one request, Bitget takes {self.max_batch_size}"
            )
        if len({payload.category for payload in payloads}) > 1:
            raise FatalRequestError("edits of different categories cannot share a Bitget request")
        try:
            results = self._send_batch(edits)
        except BatchRefusedError as refusal:
            results = isolate(edits, refusal, self._send_batch, self.reconcile)
        return settle_auto_cancels(edits, results, self.reconcile)

    def _send_batch(self, edits: Sequence[PreparedEdit]) -> list[ItemResult]:
        """One batch-modify request; raises the request-level errors of :func:`.modify_results`."""
        payloads = [payload_of(edit) for edit in edits]
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
        """Settle in-doubt edits from the book (see :func:`.reconciliation.reconcile`)."""
        return reconcile(self.book, edits)

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
