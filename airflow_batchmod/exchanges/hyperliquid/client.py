"""The Hyperliquid implementation of :class:`~airflow_batchmod.exchanges.base.ExchangeClient`:
identity, signing and sending. Reads live in :mod:`.info`, planning in :mod:`.preparation`,
reconciliation in :mod:`.reconciliation`."""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, Literal

import httpx
from eth_account import Account
from pydantic import SecretStr

from airflow_batchmod.exchanges.base import (
    AccountRef,
    BudgetExhaustedError,
    Confirmation,
    EditProblem,
    FailureKind,
    FatalRequestError,
    ItemResult,
    MetadataError,
    MetadataRefusedError,
    Outcome,
    Preparation,
    PreparedEdit,
    RateLimit,
    ReconcileError,
    TransientRequestError,
)
from airflow_batchmod.exchanges.http import make_http_client, send_modification
from airflow_batchmod.exchanges.hyperliquid.confirmation import FinalAnswers, confirm_edits
from airflow_batchmod.exchanges.hyperliquid.crossing import screen_crossing
from airflow_batchmod.exchanges.hyperliquid.errors import ExpiryRefusals
from airflow_batchmod.exchanges.hyperliquid.exposure import note_original_fills
from airflow_batchmod.exchanges.hyperliquid.failed_modifies import settle_refusals
from airflow_batchmod.exchanges.hyperliquid.identity import acting_user_of, check_acts_for
from airflow_batchmod.exchanges.hyperliquid.info import InfoReader
from airflow_batchmod.exchanges.hyperliquid.metadata import MetadataCache, needed_parts
from airflow_batchmod.exchanges.hyperliquid.models import EditInputError, EditRequest, parse_edit, raw_label
from airflow_batchmod.exchanges.hyperliquid.nonce import nonce_source_for, now_ms
from airflow_batchmod.exchanges.hyperliquid.planning import ModifyPayload, payload_of, plan
from airflow_batchmod.exchanges.hyperliquid.reconciliation import EXPIRY_GRACE_MS, ExpiryBook, Reconciler
from airflow_batchmod.exchanges.hyperliquid.responses import read_action_answer, read_exchange_response
from airflow_batchmod.exchanges.hyperliquid.signing import sign_l1_action
from airflow_batchmod.exchanges.hyperliquid.wire import batch_modify_action, modify_wire
from airflow_batchmod.exchanges.ratelimit import Limiter, SlidingWindowLimiter
from airflow_batchmod.exchanges.retry import ReadRetry

__all__ = ["HyperliquidClient", "ModifyPayload"]

log = logging.getLogger(__name__)

MAINNET_API_URL = "https://api.hyperliquid.xyz"
TESTNET_API_URL = "https://api.hyperliquid-testnet.xyz"

_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")

#: One address may send 10,000 requests plus one per USDC traded; once spent, one per 10 s.
FREES_BUDGET = "each USDC traded frees 1 request; once spent, the address may send 1 request per 10 s"


def _address(value: str | None, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _ADDRESS.fullmatch(value):
        raise ValueError(f"{name} must be '0x' followed by 40 hex digits")
    # The exchange compares lower-case addresses; upper case is a known signing pitfall.
    return value.lower()


class HyperliquidClient:
    """Batch-modify resting Hyperliquid orders of one account (or vault / subaccount).

    ``private_key`` belongs to the signer: the account itself or an approved API wallet.
    The acting user is ``vault_address`` when given (the signer trades for a vault or
    subaccount), else ``account_address`` (the account an API wallet trades for), else
    the signer. ``network`` alone picks the signature source ("a" for mainnet, "b" for
    testnet); ``base_url`` only says where requests go, so a proxy or a sandbox URL can
    never flip the network.

    **Every modify carries a new-order cloid (``c``)** (see :func:`.cloids.choose_cloid`): a
    modify is cancel-and-replace, only the response names the new oid, and when a response is
    lost the cloid is the only way to find the new order. :meth:`reconcile` looks it up.

    ``always_place=True`` sends the action-level ``"a": true``, which the exchange needs to
    modify into a trigger, Ioc or executable Gtc order (never for ALO edits, see
    :func:`.preparation.build_edit`). ``round_to_rules=True`` rounds prices and sizes to the
    tick and lot rules (see :mod:`.precision`) instead of refusing edits that break them.

    Every request, ``/exchange`` or ``/info``, first takes its weight from one limiter: the
    exchange counts both against the same per-IP budget.
    """

    exchange = "hyperliquid"
    #: The exchange documents no cap. A request weighs ``1 + n // 40``, so 39 edits still
    #: weigh 1, and bigger batches save almost nothing (2/79 vs 1/39 per edit) while a lost
    #: response leaves more edits to reconcile.
    max_batch_size = 39
    #: 1200 weight a minute per IP, for modifies and reads together. Any 60 s span is ten 6 s
    #: windows, so 120 per 6 s keeps within it: a steady 20 weight/s, with room for planning's
    #: reads (60) beside the first modifies and for the heaviest read (``userRole``, 60).
    rate_limit = RateLimit(limit=120, window_seconds=6.0)

    def __init__(
        self,
        private_key: str,
        *,
        account_address: str | None = None,
        vault_address: str | None = None,
        network: Literal["mainnet", "testnet"] = "mainnet",
        base_url: str | None = None,
        expires_after_ms: int | None = None,
        always_place: bool = False,
        round_to_rules: bool = False,
        timeout: httpx.Timeout | None = None,
        transport: httpx.BaseTransport | None = None,
        max_connections: int = 16,
        proxy: str | None = None,
        read_retry: ReadRetry | None = None,
        limiter: Limiter | None = None,
    ) -> None:
        if network not in ("mainnet", "testnet"):
            raise ValueError("network must be 'mainnet' or 'testnet'")
        signer = self._signer_of(private_key)
        if expires_after_ms is not None and (
            isinstance(expires_after_ms, bool)
            or not isinstance(expires_after_ms, int)
            or expires_after_ms <= 0
        ):
            raise ValueError("expires_after_ms must be a positive number of milliseconds")
        self._key = SecretStr(private_key)
        self._signer = signer
        self._account = _address(account_address, "account_address")
        self._vault = _address(vault_address, "vault_address")
        self.network = network
        self._mainnet = network == "mainnet"
        self.base_url = (base_url or (MAINNET_API_URL if self._mainnet else TESTNET_API_URL)).rstrip("/")
        self._expires_after_ms = expires_after_ms
        # An action is refused once its expiresAfter has passed. Within a try, reconcile() waits
        # that out before it reads; a resumed try cannot know when the earlier try sent, so the run
        # holds what it finds unapplied this long. Without an expiry nothing bounds a late action
        # (the hook always sets one).
        self.late_apply_seconds = (expires_after_ms + EXPIRY_GRACE_MS) / 1000 if expires_after_ms else 0.0
        self._always_place = always_place
        self._round = round_to_rules
        self._http = make_http_client(
            self.base_url, timeout=timeout, transport=transport, max_connections=max_connections, proxy=proxy
        )
        self._nonces = nonce_source_for(signer)
        retry = read_retry or ReadRetry()
        self._limiter = limiter or SlidingWindowLimiter(self.rate_limit.limit, self.rate_limit.window_seconds)
        self.info = InfoReader(self._http, self._limiter, retry)
        self._metadata = MetadataCache.reading(self.info.query)
        # The read policy's sleep serves every wait but the limiter's, so tests can record them.
        self._expiries = ExpiryBook(sleep=retry.sleep)
        self._acting = self._vault or self._account
        self._acting_lock = threading.Lock()
        self._reconciler = Reconciler(self.info, lambda: self.user_address, self._expiries)
        self._expiries_refused = ExpiryRefusals()
        self._answered = FinalAnswers()

    @staticmethod
    def _signer_of(private_key: str) -> str:
        try:
            address = str(Account.from_key(private_key).address)
        except Exception:
            address = ""
        if not address:
            # Raised outside the except block so no chained exception can quote the key.
            raise ValueError("private_key is not a valid secp256k1 private key")
        return address

    # -- identity -----------------------------------------------------------------------

    @property
    def signer_address(self) -> str:
        """The checksummed address of the signing key."""
        return self._signer

    @property
    def user_address(self) -> str:
        """The acting user (lower case): the vault, else the account; with neither, the venue is
        asked once whose orders the signer acts on (see :func:`.identity.acting_user_of`).

        Raises :class:`ReconcileError` when the signer's role cannot be read and
        :class:`FatalRequestError` when the signer is no account and no account's API wallet.
        """
        with self._acting_lock:
            if self._acting is None:
                self._acting = acting_user_of(self.info, self._signer.lower())
            return self._acting

    def check_identity(self) -> None:
        """Prove the signer may act for the acting user: resolves it when the connection names
        no account, else checks the signer is the account or its API wallet (one ``userRole``)."""
        if self._account is not None and self._vault is None:
            check_acts_for(self.info, self._signer.lower(), self._account)
        else:
            _ = self.user_address

    @property
    def account(self) -> AccountRef:
        """The acting user, with its page on Hyperliquid's explorer (public: addresses are on chain)."""
        app = "https://app.hyperliquid.xyz" if self._mainnet else "https://app.hyperliquid-testnet.xyz"
        return AccountRef(
            "hyperliquid", self.network, self.user_address, f"{app}/explorer/address/{self.user_address}"
        )

    def secrets(self) -> list[str]:
        """Texts to redact from anything shown to people (the key, with and without ``0x``)."""
        key = self._key.get_secret_value()
        bare = key.removeprefix("0x").removeprefix("0X")
        return list(dict.fromkeys(text for text in (key, bare, bare.lower(), bare.upper()) if text))

    def __repr__(self) -> str:
        return (
            f"HyperliquidClient(network={self.network!r}, signer={self._signer}, user={self._acting}, "
            f"vault={self._vault}, base_url={self.base_url!r})"
        )

    # -- ExchangeClient -----------------------------------------------------------------

    def request_weight(self, batch_size: int) -> int:
        return 1 + batch_size // 40

    def prepare(self, raw_edits: Sequence[object]) -> Preparation:
        """Validate every edit; read-only calls: ``meta``/``spotMeta`` (once per client), the
        acting user's open orders, ``orderStatus`` for checked targets that are no longer open, and
        ``l2Book`` per coin with an edit that rests post-only (see :mod:`.crossing`).

        Raises :class:`MetadataError` when those reads fail; never raises for bad input.
        """
        parsed: list[tuple[int, EditRequest]] = []
        problems: list[EditProblem] = []
        for index, raw in enumerate(raw_edits):
            try:
                parsed.append((index, parse_edit(raw)))
            except EditInputError as exc:
                problems.append(EditProblem(index, raw_label(raw), tuple(exc.problems)))
        if not parsed:
            return Preparation(edits=[], problems=problems)
        try:
            user = self.user_address
            directory = self._metadata.get(**needed_parts([request for _, request in parsed]))
            planned = plan(
                parsed,
                directory,
                self.info.open_orders_on(user, self._metadata.builder_dexes()),
                lambda target: self.info.order_status(user, target),
                user=user,
                round_to_rules=self._round,
                always_place=self._always_place,
            )
            edits, crossing = screen_crossing(self.info, planned.edits, directory)
        except ReconcileError as exc:
            raise MetadataError(f"could not plan: {exc.message}", kind=exc.kind) from None
        except FatalRequestError as exc:
            raise MetadataRefusedError(f"could not plan: {exc.message}", code=exc.code) from None
        problems = sorted(problems + planned.problems + crossing, key=lambda problem: problem.index)
        return Preparation(edits=edits, problems=problems, skipped=planned.skipped)

    def check_budget(self, edit_count: int) -> None:
        """Raise :class:`BudgetExhaustedError` when the acting address has fewer requests left
        than ``edit_count`` (every modify in a batch counts one).

        A budget that cannot be read is not a reason to stop: the exchange still refuses a request
        over budget, and :meth:`submit` turns that refusal into the same error.
        """
        try:
            budget = self.info.address_budget(self.user_address)
        except ReconcileError as exc:
            log.warning("could not read the request budget of %s: %s", self.user_address, exc.message)
            return
        if edit_count > budget.left:
            raise BudgetExhaustedError(
                f"address {self.user_address} needs {edit_count} requests but has {budget.left} left "
                f"({budget.used} of {budget.cap} used); {FREES_BUDGET}",
                code="address_budget",
                kind=FailureKind.THROTTLED,
            )

    def submit(self, edits: Sequence[PreparedEdit]) -> list[ItemResult]:
        if not edits:
            return []
        payloads = [payload_of(edit) for edit in edits]
        always = {payload.always_place for payload in payloads}
        if len(always) != 1:
            raise ValueError("edits with and without always-place cannot share one request")
        action = batch_modify_action(
            [modify_wire(payload.target, payload.order) for payload in payloads], always_place=always.pop()
        )
        indices = [edit.index for edit in edits]
        response = self._send_action(action, self.request_weight(len(edits)), indices)
        log.info("Hyperliquid batchModify of %d edits answered HTTP %d", len(edits), response.status_code)
        try:
            results = read_exchange_response(response, indices, network=self.network)
        except FatalRequestError as exc:
            if exc.code != "rejected":
                raise
            # A refusal nobody classified: whether it cancelled anything only the book can say.
            refused = [ItemResult(i, Outcome.REJECTED, code=exc.code, message=exc.message) for i in indices]
            results = settle_refusals(self.info, self.user_address, edits, refused)
            if all(result.outcome is Outcome.REJECTED for result in results):
                raise
            return results
        except TransientRequestError as exc:
            raise self._expiries_refused.checked(exc) from None
        results = settle_refusals(self.info, self.user_address, edits, results)
        results = note_original_fills(self.info, self.user_address, edits, results)
        self._answered.note(results)
        return results

    def noop(self) -> None:
        """Send a signed ``noop`` (it only uses up a nonce; weight 1). Proves the key, the network
        and the account / API wallet / vault relation without touching an order; raises
        :class:`FatalRequestError` naming the likely cause when the venue does not know the signer."""
        response = self._send_action({"type": "noop"}, 1)
        read_action_answer(response, network=self.network)

    def _send_action(self, action: Any, weight: int, indices: Sequence[int] = ()) -> httpx.Response:
        """Sign ``action`` with a fresh nonce (and expiry) and POST it to /exchange, within the
        limiter. The expiry of the edits ``indices`` is noted before sending: if the answer is
        lost, reconciliation must wait it out."""
        self._limiter.acquire(weight)
        nonce = self._nonces.next()
        expires_after = now_ms() + self._expires_after_ms if self._expires_after_ms is not None else None
        signature = sign_l1_action(
            self._key.get_secret_value(), action, self._vault, nonce, expires_after, mainnet=self._mainnet
        )
        body = {
            "action": action,
            "nonce": nonce,
            "signature": signature,
            "vaultAddress": self._vault,
            "expiresAfter": expires_after,
        }
        request = self._http.build_request(
            "POST",
            "/exchange",
            content=json.dumps(body, separators=(",", ":")).encode(),
            headers={"Content-Type": "application/json"},
        )
        if expires_after is not None:
            self._expiries.note(indices, expires_after)
        return send_modification(self._http, request)

    def reconcile(self, edits: Sequence[PreparedEdit]) -> list[ItemResult]:
        """Find each edit's replacement order by the cloid it was sent with (see
        :class:`.reconciliation.Reconciler`): APPLIED, RETRY (original still open), REJECTED
        (original gone, no replacement) or UNKNOWN (the lookups keep failing)."""
        return self._reconciler.reconcile(edits)

    def confirm(self, edits: Sequence[PreparedEdit]) -> list[Confirmation]:
        """Whether the book shows each accepted edit on the order now carrying it. An edit whose
        modify answered with the replacement's oid is final (the venue applies a modify when it
        answers): it landed with what it asked for, no read. For the rest one ``frontendOpenOrders``
        read, ``orderStatus`` only for orders it does not list (see :mod:`.confirmation`). Raises
        :class:`ReconcileError` when the list cannot be read."""
        final, doubtful = self._answered.split(edits)
        answers = {
            answer.index: answer for answer in final + confirm_edits(self.info, self.user_address, doubtful)
        }
        return [answers[edit.index] for edit in edits]

    def retarget(self, edit: PreparedEdit, order_id: str) -> PreparedEdit:
        """The same edit, addressed to the order ``order_id`` (the oid that replaced its target).

        The order key stays the one the input used; the cloid sent as ``c`` stays too.
        """
        payload = payload_of(edit)
        oid = int(order_id)
        moved = replace(payload, target=oid, known_oid=oid)
        return replace(edit, payload=moved, label=f"oid={oid} {payload.summary}")

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> HyperliquidClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def user_role(self, address: str | None = None) -> dict[str, Any]:
        """``/info userRole`` of ``address`` (default: the signer); e.g. ``{"role": "user"}``."""
        who = _address(address, "address") if address is not None else self._signer.lower()
        assert who is not None
        return self.info.user_role(who)
