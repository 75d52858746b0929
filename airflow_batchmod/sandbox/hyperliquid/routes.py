"""Hyperliquid ``/exchange`` (batchModify, signed L1 actions) and ``/info``."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from airflow_batchmod.exchanges.hyperliquid.signing import Signature, recover_l1_signer
from airflow_batchmod.sandbox.config import SandboxConfig
from airflow_batchmod.sandbox.faults import FaultRule
from airflow_batchmod.sandbox.hyperliquid import info as hyperliquid_info
from airflow_batchmod.sandbox.hyperliquid.fills import fill_order
from airflow_batchmod.sandbox.hyperliquid.modify import apply_modify, find_order
from airflow_batchmod.sandbox.hyperliquid.state import HyperliquidBook
from airflow_batchmod.sandbox.hyperliquid.wire import ExchangeRequest, Modify, ShapeError, parse_exchange_body
from airflow_batchmod.sandbox.ratelimit import SlidingWindow, arrival_time
from airflow_batchmod.sandbox.wire import Call, Request, Response, parse_json
from airflow_batchmod.sandbox.world import World

EXCHANGE_PATH = "/exchange"
INFO_PATH = "/info"
#: An exchange action weighs 1 plus 1 per 40 modifies.
BATCH_WEIGHT_STEP = 40
#: An action cancelled because its ``expiresAfter`` passed costs 5x on the address budget (documented).
EXPIRED_ACTION_COST = 5


def _err(message: str) -> Response:
    return Response.json({"status": "err", "response": message})


def _unprocessable(message: str) -> Response:
    return Response.text(f"Failed to deserialize the JSON body into the target type: {message}", 422)


class HyperliquidVenue:
    name = "hyperliquid"

    def __init__(
        self, world: World, config: Callable[[], SandboxConfig], clock: Callable[[], float] = time.time
    ) -> None:
        self._world = world
        self._config = config
        self._clock = clock
        self.weight_limit = SlidingWindow(1200, 60.0)

    def reset(self) -> None:
        self.weight_limit.clear()

    # --- classification --------------------------------------------------------------------------
    def describe(self, request: Request) -> Call:
        try:
            body = parse_json(request.body)
        except ValueError:
            body = None
        if request.path == EXCHANGE_PATH:
            action = body.get("action") if isinstance(body, dict) else None
            action_type = action.get("type") if isinstance(action, dict) else None
            kind = action_type if isinstance(action_type, str) else None
            if kind == "noop":
                # Only uses up a nonce: faults aimed at modifies leave it alone.
                return Call("other", kind=kind)
            modifies = action.get("modifies") if isinstance(action, dict) else None
            if not isinstance(modifies, list):
                return Call("modify", kind=kind)
            keys = [m.get("oid") if isinstance(m, dict) else None for m in modifies]
            return Call("modify", len(modifies), keys, kind=kind)
        if request.path == INFO_PATH and isinstance(body, dict):
            kind = body.get("type") if isinstance(body.get("type"), str) else None
            if kind == "orderStatus":
                return Call("query", 1, [body.get("oid")], kind=kind)
            if kind in hyperliquid_info.QUERY_TYPES:
                return Call("query", kind=kind)
            if kind in hyperliquid_info.INFO_TYPES:
                return Call("info", kind=kind)
            return Call("info", kind=kind)
        return Call("info" if request.path == INFO_PATH else "other")

    # --- dispatch --------------------------------------------------------------------------------
    def settle(self) -> None:
        """Nothing is ever queued on Hyperliquid: a modify is applied when it arrives."""

    def handle(self, request: Request, rule: FaultRule | None = None) -> Response:
        if request.path not in (EXCHANGE_PATH, INFO_PATH):
            return Response.text("Not Found", 404)
        if request.method != "POST":
            return Response.text("Method Not Allowed", 405)
        try:
            body = parse_json(request.body)
        except (ValueError, UnicodeDecodeError) as exc:
            return _unprocessable(str(exc))
        if request.path == INFO_PATH:
            if not self._admit(request, hyperliquid_info.info_weight(body), info=True):
                return Response.json(None, status=429)
            return self._info(body)
        return self._exchange(
            request, body, fill_first=rule is not None and rule.fault == "fill_before_apply"
        )

    def _admit(self, request: Request, weight: int, *, info: bool = False) -> bool:
        """Charge ``weight`` to the client IP's 1200-per-minute budget; ``False`` means HTTP 429."""
        config = self._config()
        if not config.rate_limits or (info and not config.hyperliquid_info_weight):
            return True
        self.weight_limit.limit = config.hyperliquid_weight_per_minute
        return self.weight_limit.try_acquire(request.client, arrival_time(request, self._clock), weight)

    def fault_response(self, rule: FaultRule) -> Response:
        if rule.fault == "http_429":
            return Response.json(None, status=429)
        return Response.text("Internal Server Error", 500)

    # --- /info -----------------------------------------------------------------------------------
    def _info(self, body: Any) -> Response:
        if not isinstance(body, dict):
            return _unprocessable("expected a JSON object")
        try:
            with self._world.lock:
                cloid_answer = self._config().hyperliquid_shared_cloid_status
                return Response.json(hyperliquid_info.answer(self._world.hyperliquid, body, cloid_answer))
        except hyperliquid_info.InfoError as exc:
            return _unprocessable(str(exc))

    # --- /exchange -------------------------------------------------------------------------------
    def _exchange(self, request: Request, body: Any, *, fill_first: bool = False) -> Response:
        try:
            parsed = parse_exchange_body(body)
        except ShapeError as exc:
            return _unprocessable(str(exc))
        if not self._admit(request, 1 + len(parsed.modifies) // BATCH_WEIGHT_STEP):
            return Response.json(None, status=429)
        with self._world.lock:
            mainnet = self._world.hyperliquid.mainnet
        signature: Signature = {
            "r": str(parsed.signature["r"]),
            "s": str(parsed.signature["s"]),
            "v": int(parsed.signature["v"]),
        }
        try:
            signer = recover_l1_signer(
                parsed.action,
                parsed.vault_raw,
                parsed.nonce,
                parsed.expires_after,
                signature,
                mainnet=mainnet,
            ).lower()
        except Exception:  # a malformed signature recovers nothing, whatever the library raises
            return _err("Invalid signature: could not recover a signer")
        now = self._clock()
        with self._world.lock:
            if fill_first and parsed.modifies:
                self._fill_before_apply(parsed.modifies[0], signer, now)
            return self._apply(self._world.hyperliquid, parsed, signer, now)

    def _fill_before_apply(self, modify: Modify, signer: str, now: float) -> None:
        """The ``fill_before_apply`` fault: the market trades the first modify's whole order just
        before the modify reaches it (the caller holds the world lock)."""
        book = self._world.hyperliquid
        user = book.agents.get(signer, signer)
        order = find_order(book, user, modify.oid, modify.asset)
        if order is not None and order.status == "open":
            fill_order(self._world, order, None, int(now * 1000))

    def _apply(self, book: HyperliquidBook, request: ExchangeRequest, signer: str, now: float) -> Response:
        now_ms = int(now * 1000)
        if signer in book.users:
            user = signer
        elif signer in book.agents:
            user = book.agents[signer]
        else:
            return _err(f"User or API Wallet {signer} does not exist.")
        vault = request.vault
        if vault is not None:
            owner = book.vaults.get(vault)
            if owner is None:
                return _err(f"Vault {vault} does not exist.")
            if owner != user:
                return _err(f"User or API Wallet {signer} is not allowed to trade for vault {vault}.")
            user = vault
        if request.expires_after is not None and request.expires_after < now_ms:
            # The venue charges an action refused for a stale expiresAfter 5x on the address budget.
            book.budgets.penalise(user, EXPIRED_ACTION_COST * max(1, len(request.modifies)))
            return _err(f"Action expired: expiresAfter {request.expires_after} is before {now_ms}.")
        nonce_error = book.nonces.use(signer, request.nonce, now_ms)
        if nonce_error is not None:
            return _err(nonce_error)
        if request.action_type not in ("batchModify", "noop"):
            return _err(f"The sandbox only supports batchModify and noop, not {request.action_type}.")
        if request.action_type == "batchModify" and not request.modifies:
            return _err("Empty batchModify.")
        if request.action_type == "noop":
            return Response.json({"status": "ok", "response": {"type": "default"}})
        # Each modify counts one request against the acting address (a vault has its own budget).
        budget_error = book.budgets.charge(user, len(request.modifies), now)
        if budget_error is not None:
            return _err(budget_error)
        failed_modify = self._config().hyperliquid_failed_modify
        statuses = [
            apply_modify(
                book, user, m, always_place=request.always_place, now_ms=now_ms, failed_modify=failed_modify
            )
            for m in request.modifies
        ]
        return Response.json({"status": "ok", "response": {"type": "order", "data": {"statuses": statuses}}})
