"""The small interface between the exchange-neutral operator and one exchange.

Everything the operator knows about an exchange goes through :class:`ExchangeClient`.
The operator never looks inside :attr:`PreparedEdit.payload`; only the client that
made it does.
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable


class Outcome(str, enum.Enum):
    """What one request (or one reconciliation) says about one edit."""

    #: The exchange confirmed the modification.
    APPLIED = "applied"
    #: The exchange refused it for good; resending the same edit would fail the same way.
    REJECTED = "rejected"
    #: The exchange refused it for a passing reason (throttle, queue full); it was not applied.
    RETRY = "retry"
    #: Nobody can say whether it was applied. Must be reconciled before anything is resent.
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class PreparedEdit:
    """A validated edit, ready to be put in a request.

    ``order_key`` names the order as the input named it (for example ``"orderId:123"``);
    two edits with the same key are never put in one request. ``batch_group`` keeps
    edits that the exchange will not accept together (another Bitget business line,
    Hyperliquid ALO versus GTC) in separate requests.
    """

    index: int
    order_key: str
    batch_group: str
    label: str
    payload: Any = field(compare=False)


@dataclass(frozen=True, slots=True)
class ItemResult:
    """The exchange's answer for one edit of a request."""

    index: int
    outcome: Outcome
    #: The id of the order that now carries the edit: on Hyperliquid the *new* oid.
    order_id: str | None = None
    code: str | None = None
    message: str | None = None


@dataclass(frozen=True)
class EditProblem:
    """Why one input edit cannot be sent. ``label`` is safe to log."""

    index: int
    label: str
    problems: tuple[str, ...]

    def describe(self) -> str:
        return f"edit #{self.index} ({self.label}): " + "; ".join(self.problems)


@dataclass(frozen=True)
class Preparation:
    """The result of validating a whole input list: every index lands in exactly one list."""

    edits: list[PreparedEdit]
    problems: list[EditProblem]


@dataclass(frozen=True)
class RateLimit:
    """At most ``limit`` units of request weight in any sliding window of ``window_seconds``."""

    limit: int
    window_seconds: float


class ExchangeError(Exception):
    """Base class of the request-level errors a client raises from :meth:`ExchangeClient.submit`."""

    def __init__(self, message: str, *, code: str | None = None, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.retry_after = retry_after


class TransientRequestError(ExchangeError):
    """The request was certainly not applied (refused before processing, throttled, never sent)."""


class OutcomeUnknownError(ExchangeError):
    """The request may or may not have been applied: the edits in it must be reconciled."""


class FatalRequestError(ExchangeError):
    """The request was refused for a reason no retry will cure (bad credentials, permissions)."""


class ReconcileError(ExchangeError):
    """The exchange could not be asked about the orders; their outcome stays unknown."""


@runtime_checkable
class ExchangeClient(Protocol):
    """One exchange account, as the operator sees it."""

    #: Short exchange name used in reports, e.g. ``"bitget"``.
    exchange: str
    #: The most edits the exchange accepts in one request.
    max_batch_size: int
    #: The request-weight budget the client must stay within, shared by all chunks of a task.
    rate_limit: RateLimit

    def request_weight(self, batch_size: int) -> int:
        """The rate-limit weight of one request carrying ``batch_size`` edits."""
        ...

    def prepare(self, raw_edits: Sequence[object]) -> Preparation:
        """Validate every raw edit (types, ids, precision) without modifying anything.

        May make read-only calls (instrument metadata). Never raises for bad input:
        every bad edit becomes an :class:`EditProblem`.
        """
        ...

    def submit(self, edits: Sequence[PreparedEdit]) -> list[ItemResult]:
        """Send one modification request and return one result per edit, in the order given.

        Raises :class:`TransientRequestError`, :class:`OutcomeUnknownError` or
        :class:`FatalRequestError` when the request as a whole has no per-edit answer.
        """
        ...

    def reconcile(self, edits: Sequence[PreparedEdit]) -> list[ItemResult]:
        """Ask the exchange whether each edit took effect, one result per edit, in order.

        ``APPLIED`` (with the order id now carrying it), ``RETRY`` (certainly not applied,
        safe to send), ``REJECTED`` (the order is gone) or ``UNKNOWN``.
        """
        ...

    def retarget(self, edit: PreparedEdit, order_id: str) -> PreparedEdit:
        """Point ``edit`` at the order that replaced its target (cancel-and-replace venues)."""
        ...

    def secrets(self) -> list[str]:
        """Every form of the credentials that must never be shown (for redaction)."""
        ...

    def close(self) -> None: ...


#: A piece of a secret this long is redacted too: an echo cut at 40 characters still shows most of a key.
SECRET_FRAGMENT = 16


@functools.lru_cache(maxsize=64)
def _secret_pattern(secrets: tuple[str, ...]) -> re.Pattern[str] | None:
    """Finds, at every position, any run of SECRET_FRAGMENT characters of a secret (or a whole
    shorter secret), in any letter case. The lookahead makes overlapping runs all match."""
    pieces: set[str] = set()
    for secret in secrets:
        size = min(len(secret), SECRET_FRAGMENT)
        pieces.update(secret[i : i + size] for i in range(len(secret) - size + 1) if secret)
    if not pieces:
        return None
    alternatives = "|".join(re.escape(piece) for piece in sorted(pieces, key=len, reverse=True))
    return re.compile(f"(?=({alternatives}))", re.IGNORECASE)


def redact(text: str, secrets: Sequence[str]) -> str:
    """Replace every non-empty secret in ``text``, in any letter case, with ``***``.

    Any run of at least :data:`SECRET_FRAGMENT` characters of a longer secret goes too.
    """
    pattern = _secret_pattern(tuple(secrets))
    if pattern is None:
        return text
    spans: list[list[int]] = []
    for match in pattern.finditer(text):
        start, stop = match.start(), match.start() + len(match.group(1))
        if spans and start <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], stop)
        else:
            spans.append([start, stop])
    if not spans:
        return text
    parts: list[str] = []
    at = 0
    for start, stop in spans:
        parts += [text[at:start], "***"]
        at = stop
    parts.append(text[at:])
    return "".join(parts)
