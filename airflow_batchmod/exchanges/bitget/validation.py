"""Turning one raw input edit into a :class:`BitgetEdit`, or into messages a user can act on.

Messages name the field and echo at most :data:`ECHO_LIMIT` characters of the value, with
control characters removed, so they are safe to put in task logs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from airflow_batchmod.exchanges.bitget.models import BatchModifyItem, BitgetEdit
from airflow_batchmod.exchanges.decimals import format_decimal

ECHO_LIMIT = 40
FIELDS: tuple[str, ...] = tuple(BitgetEdit.model_fields)


def echo(value: object, limit: int = ECHO_LIMIT) -> str:
    """A short, printable rendering of user input for messages and labels."""
    text = value if isinstance(value, str) else repr(value)
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _error_message(error: Mapping[str, Any]) -> str:
    loc = error.get("loc") or ()
    field = ".".join(echo(part) for part in loc)
    kind = error.get("type")
    if kind == "extra_forbidden":
        return f"unknown field {field!r} (allowed: {', '.join(FIELDS)})"
    if kind == "missing":
        return f"{field} is required"
    ctx = error.get("ctx") or {}
    reason = (
        str(ctx["error"]) if kind == "value_error" and "error" in ctx else str(error.get("msg", "invalid"))
    )
    if not field:
        return reason
    return f"{field} {echo(error.get('input'))!r}: {reason}" if "input" in error else f"{field}: {reason}"


def parse_edit(raw: object) -> BitgetEdit | list[str]:
    """The validated edit, or the list of everything wrong with it."""
    if not isinstance(raw, Mapping):
        return [f"an edit must be an object with the fields {', '.join(FIELDS)}, not {type(raw).__name__}"]
    try:
        return BitgetEdit.model_validate(dict(raw))
    except ValidationError as exc:
        return [_error_message(error) for error in exc.errors(include_url=False)]


def raw_label(raw: object) -> str:
    """A label for input that may not be valid: whatever identifying fields it has."""
    if not isinstance(raw, Mapping):
        return f"<{type(raw).__name__}>"
    parts = [f"{key}={echo(raw[key])}" for key in ("orderId", "clientOid") if raw.get(key) is not None]
    if raw.get("symbol") is not None:
        parts.append(echo(raw["symbol"]))
    parts += [f"{key}={echo(raw[key])}" for key in ("price", "qty") if raw.get(key) is not None]
    return " ".join(parts) or "<no id>"


def edit_label(edit: BitgetEdit) -> str:
    """``orderId=1001 BTCUSDT price=60010 qty=0.02``."""
    ident = (
        f"orderId={echo(edit.orderId)}" if edit.orderId is not None else f"clientOid={echo(edit.clientOid)}"
    )
    parts = [ident, edit.symbol]
    if edit.price is not None:
        parts.append(f"price={format_decimal(edit.price)}")
    if edit.qty is not None:
        parts.append(f"qty={format_decimal(edit.qty)}")
    return " ".join(parts)


def label_with_side(label: str, side: str | None) -> str:
    """``orderId=1001 BTCUSDT buy price=60010``: an :func:`edit_label` with the side the book
    shows, for the log, the report and the Rebalance tab's chart."""
    side_word = (side or "").strip().lower()
    if side_word not in ("buy", "sell"):
        return label
    ident, _, rest = label.partition(" ")
    symbol, _, values = rest.partition(" ")
    return " ".join(part for part in (ident, symbol, side_word, values) if part)


def to_wire(edit: BitgetEdit) -> BatchModifyItem:
    """The request element for ``edit``.

    Only the identifier Bitget will use is sent: with an ``orderId`` the ``clientOid`` is
    ignored by the venue anyway, and leaving it out means the answer can be matched to the
    edit by exactly one id.
    """
    return BatchModifyItem(
        orderId=edit.orderId,
        clientOid=edit.clientOid if edit.orderId is None else None,
        qty=format_decimal(edit.qty) if edit.qty is not None else None,
        price=format_decimal(edit.price) if edit.price is not None else None,
        autoCancel=edit.autoCancel,
        symbol=edit.symbol,
        category=edit.category,
    )
