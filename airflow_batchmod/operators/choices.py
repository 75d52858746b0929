"""The operator's choice arguments, their allowed values and the one check of them.

A choice that is templated is only known once rendered, so the operator checks it twice: at
parse time when it is not templated, and again before anything is read or sent.
"""

from __future__ import annotations

from typing import Any, Literal, get_args

FailOn = Literal["any", "any_or_not_open", "failed_or_unknown", "unknown"]
OnInvalid = Literal["fail", "skip"]
Checkpoint = Literal["resume", "restart"]

#: Each choice argument and the values it may take.
CHOICES: dict[str, Any] = {"on_invalid": OnInvalid, "fail_on": FailOn, "checkpoint": Checkpoint}


def unknown_choice(name: str, value: object) -> str | None:
    """What is wrong with ``value`` for the argument ``name``; None when it is allowed or not a choice.

    :param name: The operator argument, such as ``checkpoint``.
    :param value: Its value, as passed or as rendered.
    """
    if name not in CHOICES:
        return None
    allowed = get_args(CHOICES[name])
    if value in allowed:
        return None
    return f"{name} must be one of {', '.join(map(repr, allowed))}, not {value!r}"
