"""Decimal parsing and formatting shared by every exchange: prices and sizes never pass through float."""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation

#: Longest numeric text we accept; anything longer is junk, not a price.
MAX_NUMBER_TEXT = 40
#: No venue has a tick or lot finer than 1e-18. Anything smaller is junk, and far smaller
#: numbers underflow Decimal's context (``normalize()`` turns them into 0) or print as megabytes.
MIN_ADJUSTED_EXPONENT = -18


def parse_positive_decimal(value: object) -> Decimal:
    """Read a strictly positive, finite number from JSON-ish input.

    Accepts ``str``, ``int`` and ``float`` (a float is read through its shortest repr,
    so ``0.1`` stays ``0.1``). Raises ``ValueError`` with a message fit for users.
    """
    if isinstance(value, bool):
        raise ValueError("must be a number, not a boolean")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("must be a finite number")
        text = repr(value)
    elif isinstance(value, int):
        text = str(value)
    elif isinstance(value, str):
        text = value.strip()
        if not text or len(text) > MAX_NUMBER_TEXT:
            raise ValueError("must be a decimal number")
    else:
        raise ValueError(f"must be a decimal number, not {type(value).__name__}")
    try:
        number = Decimal(text)
    except (InvalidOperation, ValueError):
        raise ValueError("must be a decimal number") from None
    if not number.is_finite():
        raise ValueError("must be a finite number")
    if number <= 0:
        raise ValueError("must be greater than zero")
    if number.adjusted() > 18:
        raise ValueError("is too large")
    if number.adjusted() < MIN_ADJUSTED_EXPONENT:
        raise ValueError("is too small")
    return number


def format_decimal(number: Decimal) -> str:
    """Plain notation with no exponent and no trailing zeros: ``Decimal("1.50")`` -> ``"1.5"``."""
    text = f"{number.normalize():f}"
    return "0" if text in ("-0", "0") else text


def decimal_places(number: Decimal) -> int:
    """How many digits ``number`` has after the point, ignoring trailing zeros."""
    exponent = number.normalize().as_tuple().exponent
    assert isinstance(exponent, int)  # finite numbers only
    return max(0, -exponent)


def significant_figures(number: Decimal) -> int:
    """Significant digits of ``number``, ignoring trailing zeros (``12300`` has 3)."""
    return len(number.normalize().as_tuple().digits)
