"""Turning parsed edits into modifies: a pure check against the asset rules, then a build step
that needs the order as the book shows it.

:func:`check_edit` reads nothing but the asset directory, so an edit it refuses costs no
lookup. :func:`build_edit` adds what only the book can tell: which asset the order is really
on, and the cloid the replacement order will carry. :func:`plan` runs both over a whole input
list, looking each target up at most once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from airflow_batchmod.exchanges.base import (
    EditProblem,
    PlannedSkip,
    PlanStatus,
    Preparation,
    PreparedEdit,
    Quote,
)
from airflow_batchmod.exchanges.decimals import format_decimal
from airflow_batchmod.exchanges.hyperliquid import precision
from airflow_batchmod.exchanges.hyperliquid.book import is_unchanged, quote, quote_of
from airflow_batchmod.exchanges.hyperliquid.cloids import choose_cloid
from airflow_batchmod.exchanges.hyperliquid.labels import draft_label, field_names, label, summary
from airflow_batchmod.exchanges.hyperliquid.metadata import AssetDirectory, AssetInfo
from airflow_batchmod.exchanges.hyperliquid.models import EditRequest, describe_target, target_key
from airflow_batchmod.exchanges.hyperliquid.orders import OrderView
from airflow_batchmod.exchanges.hyperliquid.wire import (
    OrderTypeWire,
    OrderWire,
    decimal_to_wire,
    limit_order_type,
    order_wire,
    trigger_order_type,
)


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


def payload_of(edit: PreparedEdit) -> ModifyPayload:
    if not isinstance(edit.payload, ModifyPayload):
        raise TypeError(f"edit #{edit.index} was not prepared by a HyperliquidClient")
    return edit.payload


@dataclass(frozen=True, slots=True)
class CheckedEdit:
    """An edit that passed the asset rules, with the values it will send."""

    index: int
    request: EditRequest
    asset: AssetInfo
    price: Decimal
    size: Decimal
    order_type: OrderTypeWire
    summary: str

    @property
    def label(self) -> str:
        return label(self.request.target, self.summary)


def check_edit(
    index: int, request: EditRequest, directory: AssetDirectory, *, round_to_rules: bool
) -> CheckedEdit | EditProblem:
    """The asset, tick and lot rules; reads nothing but ``directory``."""
    fields = field_names(request)
    if request.asset is not None:
        asset = directory.by_id(request.asset)
    else:
        asset = directory.by_name(request.coin) if request.coin is not None else None
    if asset is None:
        what = (
            f"unknown coin {request.coin!r}"
            if request.coin is not None
            else f"unknown asset id {request.asset}"
        )
        return EditProblem(index, draft_label(request), (f"{fields['asset']}: {what}",))
    problems: list[str] = []
    if asset.is_delisted:
        problems.append(f"{fields['asset']}: {asset.name} is delisted")
    price, size, trigger_px = _fit(request, asset, fields, problems, round_to_rules=round_to_rules)
    text = summary(asset, request, price, size, trigger_px)
    if problems:
        return EditProblem(index, label(request.target, text), tuple(problems))
    return CheckedEdit(index, request, asset, price, size, _order_type_wire(request, trigger_px), text)


def build_edit(
    checked: CheckedEdit,
    existing: OrderView | None,
    directory: AssetDirectory,
    *,
    user: str,
    always_place: bool,
) -> PreparedEdit | EditProblem:
    """The modify for ``checked``, given its order as the book shows it (None: not found)."""
    request, asset = checked.request, checked.asset
    if existing is not None and existing.status == "open":
        held = directory.by_name(existing.coin)
        if held is not None and held.asset != asset.asset:
            problem = (
                f"{field_names(request)['asset']}: order {existing.oid} is on {held.name}, not {asset.name}"
            )
            return EditProblem(checked.index, checked.label, (problem,))
    cloid = choose_cloid(
        new_cloid=request.new_cloid,
        target=request.target,
        existing_cloid=existing.cloid if existing is not None else None,
        user=user,
        index=checked.index,
        price=decimal_to_wire(checked.price),
        size=decimal_to_wire(checked.size),
    )
    order = order_wire(
        asset=asset.asset,
        is_buy=request.is_buy,
        price=checked.price,
        size=checked.size,
        reduce_only=request.reduce_only,
        order_type=checked.order_type,
        cloid=cloid,
    )
    # ALO never needs "a": true, and with it a failed cancel would still place the new order.
    wanted = request.always_place if request.always_place is not None else always_place
    place = wanted and not request.order_type.is_alo
    group = "alo" if request.order_type.is_alo else "other"
    payload = ModifyPayload(
        target=request.target,
        known_oid=existing.oid if existing is not None else None,
        order=order,
        cloid=cloid,
        always_place=place,
        summary=checked.summary,
    )
    return PreparedEdit(
        index=checked.index,
        order_key=target_key(request.target),
        batch_group=group + ("+always" if place else ""),
        label=checked.label,
        payload=payload,
    )


@dataclass
class _Book:
    """The open orders a plan reads, and what it learned of closed and replaced ones."""

    by_oid: dict[int, OrderView]
    by_cloid: dict[str, OrderView]
    look_up: Callable[[int | str], OrderView | None]
    user: str
    closed: dict[int | str, OrderView | None] = field(default_factory=dict)
    replaced: dict[int | str, OrderView] = field(default_factory=dict)
    #: The first planned edit sending each new cloid (two edits may not send the same one).
    cloid_users: dict[str, PreparedEdit] = field(default_factory=dict)
    #: The order key of the first edit planned against each open order: edits naming one order
    #: two ways (oid and cloid) share it, so they go out one at a time, in input order.
    keys: dict[int, str] = field(default_factory=dict)


def plan(
    parsed: Sequence[tuple[int, EditRequest]],
    directory: AssetDirectory,
    open_orders: Sequence[OrderView],
    look_up: Callable[[int | str], OrderView | None],
    *,
    user: str,
    round_to_rules: bool,
    always_place: bool,
) -> Preparation:
    """Check every parsed edit and plan it against the book: an order that is not open is
    ``not_open`` (``look_up``, i.e. ``orderStatus``, names its state; asked once per target, only
    for edits that passed the check), an edit that would change nothing is ``unchanged``, the
    rest are built with ``before`` and ``wanted``."""
    book = _Book(
        by_oid={order.oid: order for order in open_orders},
        by_cloid={order.cloid: order for order in open_orders if order.cloid is not None},
        look_up=look_up,
        user=user,
    )
    preparation = Preparation(edits=[], problems=[], skipped=[])
    for index, request in parsed:
        checked = check_edit(index, request, directory, round_to_rules=round_to_rules)
        if isinstance(checked, EditProblem):
            preparation.problems.append(checked)
            continue
        found = _open_order(index, checked, request, book)
        if isinstance(found, PlannedSkip):
            preparation.skipped.append(found)
            continue
        outcome = _plan_one(index, *found, request.target, directory, book, always_place=always_place)
        if isinstance(outcome, PreparedEdit):
            preparation.edits.append(outcome)
        elif isinstance(outcome, PlannedSkip):
            preparation.skipped.append(outcome)
        else:
            preparation.problems.append(outcome)
    return preparation


def _open_order(
    index: int, checked: CheckedEdit, request: EditRequest, book: _Book
) -> tuple[CheckedEdit, OrderView] | PlannedSkip:
    """The open order ``checked`` is planned against, or ``not_open`` with the order's state."""
    target = request.target
    existing = book.by_cloid.get(target) if isinstance(target, str) else book.by_oid.get(target)
    if existing is not None:
        return checked, existing
    # Not open: ``orderStatus`` names its state for the report.
    if target not in book.closed:
        book.closed[target] = book.look_up(target)
    gone = book.closed[target]
    existing = book.replaced.get(target) or _replacement(checked, gone, book.by_cloid, user=book.user)
    if existing is None:
        state = "unknown to the exchange" if gone is None else str(gone.status)
        before = quote_of(gone) if gone is not None else None
        order_id = str(gone.oid) if gone is not None else None
        message = f"order {describe_target(target)} is {state}"
        return PlannedSkip(
            index, target_key(target), checked.label, PlanStatus.NOT_OPEN, before, message, order_id
        )
    # An earlier modify (an earlier try of this task) replaced the order under the cloid
    # this edit sends: plan against the replacement, which carries the edit's identity.
    book.replaced[target] = existing  # a later edit of the same order finds it too
    return replace(checked, request=replace(request, target=existing.oid)), existing


def _plan_one(
    index: int,
    checked: CheckedEdit,
    existing: OrderView,
    target: int | str,
    directory: AssetDirectory,
    book: _Book,
    *,
    always_place: bool,
) -> PreparedEdit | PlannedSkip | EditProblem:
    """Build one edit against its open order: sent, ``unchanged``, or refused (a cloid clash)."""
    built = build_edit(checked, existing, directory, user=book.user, always_place=always_place)
    if not isinstance(built, PreparedEdit):
        return built
    built = replace(built, order_key=book.keys.setdefault(existing.oid, target_key(target)))
    before = quote_of(existing)
    placing = payload_of(built).always_place
    if _changes_nothing(checked, existing, always_place=placing):
        return PlannedSkip(
            index, built.order_key, built.label, PlanStatus.UNCHANGED, before, None, str(existing.oid)
        )
    clash = _cloid_clash(built, existing, book.by_cloid, book.cloid_users)
    if clash is not None:
        return EditProblem(index, built.label, (clash,))
    steps = _steps(checked, existing, always_place=placing)
    built = replace(built, before=before, wanted=quote(checked.price, checked.size), steps=steps)
    book.cloid_users.setdefault(payload_of(built).cloid, built)
    return built


def _replacement(
    checked: CheckedEdit, gone: OrderView | None, open_by_cloid: dict[str, OrderView], *, user: str
) -> OrderView | None:
    """The open order that replaced the closed order ``gone`` under the cloid ``checked`` sends."""
    if gone is None:
        return None
    request = checked.request
    cloid = choose_cloid(
        new_cloid=request.new_cloid,
        target=request.target,
        existing_cloid=gone.cloid,
        user=user,
        index=checked.index,
        price=decimal_to_wire(checked.price),
        size=decimal_to_wire(checked.size),
    )
    found = open_by_cloid.get(cloid)
    return found if found is not None and found.oid != gone.oid else None


def _changes_nothing(checked: CheckedEdit, existing: OrderView, *, always_place: bool) -> bool:
    request = checked.request
    return is_unchanged(
        existing,
        is_buy=request.is_buy,
        price=checked.price,
        size=checked.size,
        reduce_only=request.reduce_only,
        order_type=checked.order_type,
        new_cloid=request.new_cloid,
        always_place=always_place,
    )


def _steps(checked: CheckedEdit, existing: OrderView | None, *, always_place: bool) -> Quote | None:
    """The tick and lot at the order's price, for ``min_change``; None when the edit changes
    more than price and size (side, type, reduce-only, cloid), which no tolerance may skip."""
    if existing is None or existing.price is None or existing.size is None:
        return None
    only_quote_moves = is_unchanged(
        existing,
        is_buy=checked.request.is_buy,
        price=existing.price,
        size=existing.size,
        reduce_only=checked.request.reduce_only,
        order_type=checked.order_type,
        new_cloid=checked.request.new_cloid,
        always_place=always_place,
    )
    if not only_quote_moves:
        return None
    return quote(precision.price_tick(existing.price, checked.asset), precision.size_lot(checked.asset))


def _cloid_clash(
    edit: PreparedEdit,
    existing: OrderView | None,
    open_by_cloid: dict[str, OrderView],
    earlier: dict[str, PreparedEdit],
) -> str | None:
    """Why the cloid ``edit`` would send cannot identify its replacement order, if it cannot."""
    cloid = payload_of(edit).cloid
    other = earlier.get(cloid)
    if other is not None and other.order_key != edit.order_key:
        return f"new order cloid {cloid} is also sent by edit #{other.index} for another order"
    holder = open_by_cloid.get(cloid)
    target_open = existing is not None and existing.status == "open"
    if target_open and holder is not None and existing is not None and holder.oid != existing.oid:
        return f"new order cloid {cloid} already belongs to open order {holder.oid}"
    return None


def _fit(
    request: EditRequest,
    asset: AssetInfo,
    fields: dict[str, str],
    problems: list[str],
    *,
    round_to_rules: bool,
) -> tuple[Decimal, Decimal, Decimal | None]:
    """The price, size and trigger price to send: checked, or rounded when asked to."""
    price, size = request.price, request.size
    trigger = request.order_type.trigger
    trigger_px = trigger.triggerPx if trigger is not None else None
    if round_to_rules:
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
    if price > 0 and size > 0:
        problems.extend(precision.value_problems(price, size, asset, fields["size"]))
    return price, size, trigger_px


def _order_type_wire(request: EditRequest, trigger_px: Decimal | None) -> OrderTypeWire:
    spec = request.order_type
    if spec.limit is not None:
        return limit_order_type(spec.limit.tif)
    assert spec.trigger is not None and trigger_px is not None
    return trigger_order_type(is_market=spec.trigger.isMarket, trigger_px=trigger_px, tpsl=spec.trigger.tpsl)
