"""The Hyperliquid implementation of :class:`~airflow_batchmod.exchanges.base.ExchangeClient`."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Literal

import httpx
from eth_account import Account
from pydantic import SecretStr

from airflow_batchmod.exchanges.base import (
    Confirmation,
    EditProblem,
    ItemResult,
    Outcome,
    Preparation,
    PreparedEdit,
    RateLimit,
    ReconcileError,
)
from airflow_batchmod.exchanges.decimals import format_decimal
from airflow_batchmod.exchanges.http import make_http_client, send_modification
from airflow_batchmod.exchanges.hyperliquid import precision
from airflow_batchmod.exchanges.hyperliquid.cloids import choose_cloid
from airflow_batchmod.exchanges.hyperliquid.metadata import (
    AssetDirectory,
    AssetInfo,
    MetadataCache,
    MetadataError,
    build_directory,
)
from airflow_batchmod.exchanges.hyperliquid.models import (
    EditInputError,
    EditRequest,
    describe_target,
    parse_edit,
    raw_label,
    target_key,
)
from airflow_batchmod.exchanges.hyperliquid.nonce import nonce_source_for, now_ms
from airflow_batchmod.exchanges.hyperliquid.responses import (
    OrderView,
    quote,
    read_exchange_response,
    read_open_orders,
    read_order_status,
)
from airflow_batchmod.exchanges.hyperliquid.signing import sign_l1_action
from airflow_batchmod.exchanges.hyperliquid.wire import (
    OrderTypeWire,
    OrderWire,
    batch_modify_action,
    decimal_to_wire,
    limit_order_type,
    modify_wire,
    order_wire,
    trigger_order_type,
)

MAINNET_API_URL = "https://api.hyperliquid.xyz"
TESTNET_API_URL = "https://api.hyperliquid-testnet.xyz"

#: Order states that prove a replacement order was really placed.
_REPLACEMENT_STATES = ("open", "filled", "triggered")
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")


def _address(value: str | None, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _ADDRESS.fullmatch(value):
        raise ValueError(f"{name} must be '0x' followed by 40 hex digits")
    # The exchange compares lower-case addresses; upper case is a known signing pitfall.
    return value.lower()


@dataclass(frozen=True, slots=True)
class ModifyPayload:
    """What a prepared edit sends, and what reconciling it needs."""

    #: The ``oid`` of the modify: the order id, or the cloid the edit addresses the order by.
    target: int | str
    #: The oid of the addressed order when it was prepared (None if no such order was found).
    known_oid: int | None
    order: OrderWire
    #: The ``c`` of the new order; the handle on it if the response is lost.
    cloid: str
    always_place: bool
    #: The label without its target, e.g. ``BTC buy 0.01@59000``.
    summary: str


class HyperliquidClient:
    """Batch-modify resting Hyperliquid orders of one account (or vault / subaccount).

    ``private_key`` belongs to the signer: the account itself or an approved API wallet.
    The acting user is ``vault_address`` when given (the signer trades for a vault or
    subaccount), else ``account_address`` (the account an API wallet trades for), else
    the signer. ``network`` alone picks the signature source ("a" for mainnet, "b" for
    testnet); ``base_url`` only says where requests go, so a proxy or a sandbox URL can
    never flip the network.

    **Every modify carries a new-order cloid (``c``).** A modify is cancel-and-replace, and
    only the response names the new oid; when a response is lost, the cloid is the only way
    to find the new order. ``c`` is, in order of preference: the edit's ``new_cloid``; the
    cloid the edit addresses the order by; the cloid the order already has (looked up in
    the open orders, or with ``orderStatus`` for an order that is no longer open); or a
    cloid derived with keccak from (acting user, edit index, oid, price, size), which a
    later try of the same task computes again. :meth:`reconcile` looks that cloid up.

    ``always_place=True`` sends the action-level ``"a": true``, which the exchange needs to
    modify into a trigger, Ioc or executable Gtc order. ALO limit edits never need it and
    are kept out of it: ``"a": true`` also places the new order when the cancel fails (for
    instance because the order just filled), which could double an exposure.

    ``round_to_rules=True`` rounds prices and sizes to the tick and lot rules (see
    :mod:`.precision` for the directions) instead of refusing edits that break them.
    """

    exchange = "hyperliquid"
    #: The exchange documents no cap. A request weighs ``1 + n // 40``, so 39 edits still
    #: weigh 1, and bigger batches save almost nothing (2/79 vs 1/39 per edit) while a lost
    #: response leaves more edits to reconcile, one ``orderStatus`` lookup (or two) each.
    max_batch_size = 39
    #: A steady 20 weight/s keeps any 60 s window within the per-IP 1200 weight/minute.
    rate_limit = RateLimit(limit=20, window_seconds=1.0)

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
        # The expiresAfter each edit was last sent with: reconciliation waits it out.
        self._expiries: dict[int, int] = {}
        self._expiry_lock = threading.Lock()
        self._always_place = always_place
        self._round = round_to_rules
        self._http = make_http_client(
            self.base_url, timeout=timeout, transport=transport, max_connections=max_connections
        )
        self._nonces = nonce_source_for(signer)
        self._metadata = MetadataCache(self._fetch_directory)
        #: Pauses between attempts of a read; tests shorten them.
        self.read_retry_delays: tuple[float, ...] = (0.25, 1.0)

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
        """The acting user (lower case): the vault, else the account, else the signer."""
        return self._vault or self._account or self._signer.lower()

    def secrets(self) -> list[str]:
        """Texts to redact from anything shown to people (the key, with and without ``0x``)."""
        key = self._key.get_secret_value()
        bare = key.removeprefix("0x").removeprefix("0X")
        return list(dict.fromkeys(text for text in (key, bare, bare.lower(), bare.upper()) if text))

    def __repr__(self) -> str:
        return (
            f"HyperliquidClient(network={self.network!r}, signer={self._signer}, user={self.user_address}, "
            f"vault={self._vault}, base_url={self.base_url!r})"
        )

    # -- ExchangeClient -----------------------------------------------------------------

    def request_weight(self, batch_size: int) -> int:
        return 1 + batch_size // 40

    def prepare(self, raw_edits: Sequence[object]) -> Preparation:
        """Validate every edit; read-only calls: ``meta``/``spotMeta`` (once per client), the
        acting user's open orders, and ``orderStatus`` for targets that are no longer open.

        Raises :class:`ReconcileError` when those reads fail; never raises for bad input.
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
        directory = self._metadata.get()
        user = self.user_address
        open_orders = read_open_orders(
            self._info({"type": "frontendOpenOrders", "user": user}, keep_keys=OPEN_ORDER_KEYS)
        )
        by_oid = {order.oid: order for order in open_orders}
        by_cloid = {order.cloid: order for order in open_orders if order.cloid is not None}
        edits: list[PreparedEdit] = []
        closed: dict[int | str, OrderView | None] = {}
        cloid_users: dict[str, PreparedEdit] = {}
        for index, request in parsed:
            target = request.target
            existing = by_cloid.get(target) if isinstance(target, str) else by_oid.get(target)
            if existing is None:
                # Rules checked locally come first: an edit they refuse needs no order lookup.
                early = self._prepare_one(index, request, directory, None, user)
                if isinstance(early, EditProblem):
                    problems.append(early)
                    continue
                # Not open: its cloid (and oid, for a cloid target) still decide what to send.
                if target not in closed:
                    closed[target] = self._order_status(user, target)
                existing = closed[target]
            result = self._prepare_one(index, request, directory, existing, user)
            if isinstance(result, PreparedEdit):
                clash = _cloid_clash(result, existing, by_cloid, cloid_users)
                if clash is None:
                    edits.append(result)
                    cloid_users.setdefault(self._payload(result).cloid, result)
                    continue
                result = EditProblem(index, result.label, (clash,))
            problems.append(result)
        problems.sort(key=lambda problem: problem.index)
        return Preparation(edits=edits, problems=problems)

    def submit(self, edits: Sequence[PreparedEdit]) -> list[ItemResult]:
        if not edits:
            return []
        payloads = [self._payload(edit) for edit in edits]
        always = {payload.always_place for payload in payloads}
        if len(always) != 1:
            raise ValueError("edits with and without always-place cannot share one request")
        action = batch_modify_action(
            [modify_wire(payload.target, payload.order) for payload in payloads], always_place=always.pop()
        )
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
            with self._expiry_lock:
                for edit in edits:
                    self._expiries[edit.index] = expires_after
        response = send_modification(self._http, request)
        return read_exchange_response(response, [edit.index for edit in edits])

    def reconcile(self, edits: Sequence[PreparedEdit]) -> list[ItemResult]:
        """Find each edit's replacement order by the cloid it was sent with.

        APPLIED when an order carrying that cloid, other than the original, is open or
        filled; otherwise RETRY if the original order is still open, REJECTED if it is gone.
        UNKNOWN when the lookups keep failing.
        """
        self._wait_for_expiry(edits)
        user = self.user_address
        return [self._reconcile_one(user, edit) for edit in edits]

    def _wait_for_expiry(self, edits: Sequence[PreparedEdit]) -> None:
        """Ask only once the actions in doubt can no longer take effect.

        A request still queued when we look would otherwise land after the lookup said "not
        applied", and the resend would modify the order a second time. With ``expiresAfter``
        set, the exchange refuses an action that arrives later, so after it the answer is final.
        """
        with self._expiry_lock:
            latest = max((self._expiries.get(edit.index, 0) for edit in edits), default=0)
        delay = (latest + EXPIRY_GRACE_MS - now_ms()) / 1000
        if delay > 0:
            time.sleep(delay)

    def check_budget(self, edit_count: int) -> None:
        """Placeholder until the budget check lands: assumes the budget suffices."""

    def confirm(self, edits: Sequence[PreparedEdit]) -> list[Confirmation]:
        raise NotImplementedError("book confirmation is not implemented yet")

    def retarget(self, edit: PreparedEdit, order_id: str) -> PreparedEdit:
        """The same edit, addressed to the order ``order_id`` (the oid that replaced its target).

        The order key stays the one the input used; the cloid sent as ``c`` stays too.
        """
        payload = self._payload(edit)
        oid = int(order_id)
        moved = replace(payload, target=oid, known_oid=oid)
        return replace(edit, payload=moved, label=f"oid={oid} {payload.summary}")

    def close(self) -> None:
        self._http.close()

    def user_role(self, address: str | None = None) -> dict[str, Any]:
        """``/info userRole`` of ``address`` (default: the signer); e.g. ``{"role": "user"}``."""
        who = _address(address, "address") if address is not None else self._signer.lower()
        body = self._info({"type": "userRole", "user": who})
        if not isinstance(body, dict) or not isinstance(body.get("role"), str):
            raise ReconcileError(f"userRole: unexpected answer {quote(json.dumps(body))}")
        return body

    # -- preparing one edit -------------------------------------------------------------

    def _prepare_one(
        self,
        index: int,
        request: EditRequest,
        directory: AssetDirectory,
        existing: OrderView | None,
        user: str,
    ) -> PreparedEdit | EditProblem:
        fields = _field_names(request)
        asset = directory.by_name(request.coin) if request.coin is not None else None
        if request.asset is not None:
            asset = directory.by_id(request.asset)
        side = "buy" if request.is_buy else "sell"
        where = request.coin if request.coin is not None else f"asset {request.asset}"
        draft_label = (
            f"{describe_target(request.target)} {where} {side} "
            f"{format_decimal(request.size)}@{format_decimal(request.price)}"
        )
        if asset is None:
            what = (
                f"unknown coin {request.coin!r}"
                if request.coin is not None
                else f"unknown asset id {request.asset}"
            )
            return EditProblem(index, draft_label, (f"{fields['asset']}: {what}",))
        problems: list[str] = []
        if asset.is_delisted:
            problems.append(f"{fields['asset']}: {asset.name} is delisted")
        if existing is not None and existing.status == "open":
            held = directory.by_name(existing.coin)
            if held is not None and held.asset != asset.asset:
                problems.append(
                    f"{fields['asset']}: order {existing.oid} is on {held.name}, not {asset.name}"
                )
        price, size, trigger_px = self._fit(request, asset, fields, problems)
        summary = _summary(asset, request, price, size, trigger_px)
        label = f"{describe_target(request.target)} {summary}"
        if problems:
            return EditProblem(index, label, tuple(problems))
        order_type = _order_type_wire(request, trigger_px)
        cloid = choose_cloid(
            new_cloid=request.new_cloid,
            target=request.target,
            existing_cloid=existing.cloid if existing is not None else None,
            user=user,
            index=index,
            price=decimal_to_wire(price),
            size=decimal_to_wire(size),
        )
        order = order_wire(
            asset=asset.asset,
            is_buy=request.is_buy,
            price=price,
            size=size,
            reduce_only=request.reduce_only,
            order_type=order_type,
            cloid=cloid,
        )
        always_place = self._always_place and not request.order_type.is_alo
        group = "alo" if request.order_type.is_alo else "other"
        payload = ModifyPayload(
            target=request.target,
            known_oid=existing.oid if existing is not None else None,
            order=order,
            cloid=cloid,
            always_place=always_place,
            summary=summary,
        )
        return PreparedEdit(
            index=index,
            order_key=target_key(request.target),
            batch_group=group + ("+always" if always_place else ""),
            label=label,
            payload=payload,
        )

    def _fit(
        self, request: EditRequest, asset: AssetInfo, fields: dict[str, str], problems: list[str]
    ) -> tuple[Decimal, Decimal, Decimal | None]:
        """The price, size and trigger price to send: checked, or rounded when asked to."""
        price, size = request.price, request.size
        trigger = request.order_type.trigger
        trigger_px = trigger.triggerPx if trigger is not None else None
        if self._round:
            price = precision.round_limit_price(price, asset, is_buy=request.is_buy)
            size = precision.round_size(size, asset)
            requested = {"price": request.price, "size": request.size, "trigger_px": trigger_px}
            if trigger_px is not None:
                trigger_px = precision.round_trigger_price(trigger_px, asset)
            for name, value in (("price", price), ("size", size), ("trigger_px", trigger_px)):
                if value is not None and value <= 0:
                    shown = format_decimal(requested[name] or Decimal(0))
                    problems.append(f"{fields[name]}: {shown} rounds to zero for {asset.name}")
        problems.extend(precision.price_problems(price, asset, fields["price"]))
        problems.extend(precision.size_problems(size, asset, fields["size"]))
        if trigger_px is not None:
            problems.extend(precision.price_problems(trigger_px, asset, fields["trigger_px"]))
        return price, size, trigger_px

    # -- reconciling one edit -----------------------------------------------------------

    def _reconcile_one(self, user: str, edit: PreparedEdit) -> ItemResult:
        payload = self._payload(edit)
        try:
            carrier = self._order_status(user, payload.cloid)
            replaced = _replaced(edit, payload, carrier)
            if replaced is not None:
                return replaced
            own = carrier if payload.target == payload.cloid else self._order_status(user, payload.target)
            if own is not None and own.status != "open" and own is not carrier:
                # Cancel and replacement are one step on the exchange: if the original is gone
                # now, a replacement made by our modify exists now, though the first lookup
                # (made before the modify landed) missed it.
                replaced = _replaced(edit, payload, self._order_status(user, payload.cloid))
                if replaced is not None:
                    return replaced
        except ReconcileError as exc:
            return ItemResult(edit.index, Outcome.UNKNOWN, message=f"lookup failed: {exc.message}")
        target = describe_target(payload.target)
        if own is not None and own.status == "open":
            return ItemResult(edit.index, Outcome.RETRY, message=f"order {target} is still open, unchanged")
        state = "unknown" if own is None else str(own.status)
        return ItemResult(
            edit.index,
            Outcome.REJECTED,
            message=f"order {target} is {state} and no order carrying cloid {payload.cloid} replaced it",
        )

    # -- reads ----------------------------------------------------------------------------

    def _order_status(self, user: str, target: int | str) -> OrderView | None:
        return read_order_status(self._info({"type": "orderStatus", "user": user, "oid": target}))

    def _fetch_directory(self) -> AssetDirectory:
        meta = self._info({"type": "meta"})
        spot_meta = self._info({"type": "spotMeta"})
        try:
            return build_directory(meta, spot_meta)
        except MetadataError as exc:
            raise ReconcileError(f"unreadable asset metadata: {exc}") from None

    def _info(self, query: dict[str, Any], keep_keys: frozenset[str] | None = None) -> Any:
        """POST /info with bounded retries of failures that a later attempt can cure.

        ``keep_keys`` trims every JSON object to those keys as it is decoded: an account's
        open-order listing is then never held in memory in full.
        """
        kind = query["type"]
        failure = ""
        for delay in (*self.read_retry_delays, None):
            try:
                response = self._http.post("/info", json=query)
            except httpx.TransportError as exc:
                failure = type(exc).__name__
            else:
                if response.status_code == 200:
                    try:
                        if keep_keys is None:
                            return response.json()
                        return json.loads(response.content, object_hook=lambda o: _trimmed(o, keep_keys))
                    except ValueError:
                        raise ReconcileError(f"/info {kind}: the answer is not JSON") from None
                failure = f"HTTP {response.status_code}"
                if response.status_code != 429 and response.status_code < 500:
                    raise ReconcileError(f"/info {kind}: {failure}: {quote(response.text)}")
            if delay is None:
                break
            time.sleep(delay)
        raise ReconcileError(
            f"/info {kind} failed after {len(self.read_retry_delays) + 1} attempts: {failure}"
        )

    @staticmethod
    def _payload(edit: PreparedEdit) -> ModifyPayload:
        if not isinstance(edit.payload, ModifyPayload):
            raise TypeError(f"edit #{edit.index} was not prepared by a HyperliquidClient")
        return edit.payload


def _replaced(edit: PreparedEdit, payload: ModifyPayload, carrier: OrderView | None) -> ItemResult | None:
    """APPLIED when ``carrier``, the order holding the cloid we sent, is a live replacement."""
    if carrier is None or carrier.oid == payload.known_oid or carrier.status not in _REPLACEMENT_STATES:
        return None
    return ItemResult(
        edit.index,
        Outcome.APPLIED,
        order_id=str(carrier.oid),
        message=f"replaced by oid {carrier.oid} ({carrier.status})",
    )


#: Seconds an action stays valid (``expiresAfter``) at most, unless the caller says otherwise.
#: Short, since reconciliation waits it out; long enough for transit and clock skew.
ACTION_LIFETIME_SECONDS = 5.0


def default_action_lifetime_ms(timeout: httpx.Timeout | None) -> int:
    """An action still unapplied when its answer times out must never apply later, after we have
    looked and resent: let it expire when we stop waiting for it."""
    read = timeout.read if timeout is not None and timeout.read is not None else ACTION_LIFETIME_SECONDS
    return int(min(read, ACTION_LIFETIME_SECONDS) * 1000)


#: Clock skew allowance between us and the exchange when waiting out an action's expiry.
EXPIRY_GRACE_MS = 500

#: What ``prepare`` needs to know of each open order.
OPEN_ORDER_KEYS = frozenset({"oid", "cloid", "coin"})


def _trimmed(record: dict[str, Any], keep: frozenset[str]) -> dict[str, Any]:
    return {key: value for key, value in record.items() if key in keep}


def _cloid_clash(
    edit: PreparedEdit,
    existing: OrderView | None,
    open_by_cloid: dict[str, OrderView],
    earlier: dict[str, PreparedEdit],
) -> str | None:
    """Why the cloid ``edit`` would send cannot identify its replacement order, if it cannot."""
    cloid = edit.payload.cloid
    other = earlier.get(cloid)
    if other is not None and other.order_key != edit.order_key:
        return f"new order cloid {cloid} is also sent by edit #{other.index} for another order"
    holder = open_by_cloid.get(cloid)
    target_open = existing is not None and existing.status == "open"
    if target_open and holder is not None and existing is not None and holder.oid != existing.oid:
        return f"new order cloid {cloid} already belongs to open order {holder.oid}"
    return None


def _field_names(request: EditRequest) -> dict[str, str]:
    """Where each value sat in the input, so messages name the user's own field."""
    if request.wire_form:
        return {
            "asset": "order.a",
            "price": "order.p",
            "size": "order.s",
            "trigger_px": "order.t.trigger.triggerPx",
        }
    return {
        "asset": "coin" if request.coin is not None else "asset",
        "price": "price",
        "size": "size",
        "trigger_px": "order_type.trigger.triggerPx",
    }


def _order_type_wire(request: EditRequest, trigger_px: Decimal | None) -> OrderTypeWire:
    spec = request.order_type
    if spec.limit is not None:
        return limit_order_type(spec.limit.tif)
    assert spec.trigger is not None and trigger_px is not None
    return trigger_order_type(is_market=spec.trigger.isMarket, trigger_px=trigger_px, tpsl=spec.trigger.tpsl)


def _summary(
    asset: AssetInfo, request: EditRequest, price: Decimal, size: Decimal, trigger_px: Decimal | None
) -> str:
    side = "buy" if request.is_buy else "sell"
    text = f"{asset.name} {side} {format_decimal(size)}@{format_decimal(price)}"
    spec = request.order_type
    if spec.limit is not None and spec.limit.tif != "Gtc":
        text += f" {spec.limit.tif}"
    if spec.trigger is not None and trigger_px is not None:
        kind = "market" if spec.trigger.isMarket else "limit"
        text += f" {spec.trigger.tpsl} {kind} trigger@{format_decimal(trigger_px)}"
    if request.reduce_only:
        text += " reduce-only"
    return text
