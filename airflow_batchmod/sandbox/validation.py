"""Pydantic errors turned into messages that name the place, e.g. ``bitget.orders[3].uid: …``."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import ValidationError


def location(parts: Sequence[int | str]) -> str:
    """``("bitget", "orders", 3, "uid")`` -> ``bitget.orders[3].uid``."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


def describe_errors(
    error: ValidationError, *, prefix: Sequence[int | str] = (), known: Sequence[str] = ()
) -> str:
    """The first problem, placed: pydantic's own wording with our location in front."""
    first = error.errors(include_url=False)[0]
    # Wrapper types (Annotated validators, unions) add internal steps such as "function-after[...]".
    parts = [p for p in first["loc"] if isinstance(p, int) or "[" not in p]
    where = location([*prefix, *parts])
    message = str(first["msg"]).removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        message = f"unknown key; known: {sorted(known)}" if known else "unknown key"
    return f"{where}: {message}" if where else message
