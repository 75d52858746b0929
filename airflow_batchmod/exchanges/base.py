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
    #: The edit took the order off the book and put nothing in its place (a cancel-then-place
    #: whose place failed, or a refused modify that cancels the original).
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class Quote:
    """An order's price and size as the venue shows them, as canonical decimal text."""

    price: str
    size: str

    def as_dict(self) -> dict[str, str]:
        return {"price": self.price, "size": self.size}

    def describe(self) -> str:
        return f"{self.price} x {self.size}"


class PlanStatus(str, enum.Enum):
    """Why a valid edit is not sent: the live book says it would change nothing."""

    #: The book already shows the edit's price and size (after normalising and rounding).
    UNCHANGED = "unchanged"
    #: The order is filled, cancelled or unknown when the book is read.
    NOT_OPEN = "not_open"


@dataclass(frozen=True, slots=True)
class PlannedSkip:
    """A valid edit that the plan leaves out, with what the book showed."""

    index: int
    order_key: str
    label: str
    status: PlanStatus
    before: Quote | None
    message: str | None = None
    #: The order the book showed (on cancel-and-replace venues the replacement that now carries
    #: the order's identity); None when no order was found.
    order_id: str | None = None


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
    #: What the book showed for the order when the edit was planned (None: not read or not found).
    before: Quote | None = None
    #: The price and size the edit asks for, normalised as the venue will show them.
    wanted: Quote | None = None
    #: The instrument's price step (tick) and size step (lot) near ``before``; None when the venue
    #: does not say, or when the edit changes more than price and size (so no tolerance applies).
    steps: Quote | None = None


@dataclass(frozen=True, slots=True)
class ItemResult:
    """The exchange's answer for one edit of a request."""

    index: int
    outcome: Outcome
    #: The id of the order that now carries the edit: on Hyperliquid the *new* oid.
    order_id: str | None = None
    code: str | None = None
    message: str | None = None
    #: Size the original order filled while the edit replaced it (cancel-and-replace venues), as
    #: decimal text; None when not read or nothing filled.
    original_filled: str | None = None


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
    """The result of validating and planning a whole input list: every index lands in
    exactly one list. ``edits`` are to be sent; ``skipped`` change nothing (see :class:`PlanStatus`)."""

    edits: list[PreparedEdit]
    problems: list[EditProblem]
    skipped: list[PlannedSkip] = field(default_factory=list)


class Landing(str, enum.Enum):
    """What the book shows, after the requests settled, for an edit the venue accepted."""

    #: The book shows the edit's price and size (on the order that now carries it).
    LANDED = "landed"
    #: The book still shows the old values: the venue may still be working through its queue.
    PENDING = "pending"
    #: The order filled or was cancelled before the edit took effect.
    GONE = "gone"
    #: The edit itself took the order off the book and nothing carries it now.
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class Confirmation:
    """The book's word on one accepted edit."""

    index: int
    landing: Landing
    after: Quote | None = None
    message: str | None = None
    #: The order that carries the edit, when the book shows it under another id than the answer
    #: named (a queued modify on a venue that gives the order a new id).
    order_id: str | None = None


@dataclass(frozen=True)
class RateLimit:
    """At most ``limit`` units of request weight in any sliding window of ``window_seconds``."""

    limit: int
    window_seconds: float


class FailureKind(str, enum.Enum):
    """Why a request failed as a whole; the report counts throttling and server errors apart."""

    #: HTTP 429 or a venue's busy / too-many-requests code.
    THROTTLED = "throttled"
    #: HTTP 5xx.
    SERVER_ERROR = "server_error"
    #: No answer: connect failure, dropped connection, timeout.
    NETWORK = "network"
    OTHER = "other"


class ExchangeError(Exception):
    """Base class of the request-level errors a client raises."""

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        retry_after: float | None = None,
        kind: FailureKind = FailureKind.OTHER,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.retry_after = retry_after
        self.kind = kind


class TransientRequestError(ExchangeError):
    """The request was certainly not applied (refused before processing, throttled, never sent)."""


class OutcomeUnknownError(ExchangeError):
    """The request may or may not have been applied: the edits in it must be reconciled."""


class FatalRequestError(ExchangeError):
    """The request was refused for a reason no retry will cure (bad credentials, permissions)."""


class ReconcileError(ExchangeError):
    """The exchange could not be asked about the orders; their outcome stays unknown."""


class MetadataError(ExchangeError):
    """The venue's metadata (instruments, assets) or book could not be read, so nothing can be
    planned. The only error :meth:`ExchangeClient.prepare` raises; nothing was sent."""


class MetadataRefusedError(MetadataError, FatalRequestError):
    """The venue refused the planning reads for a reason no retry will cure (credentials,
    permissions): nothing was sent, and trying again the same way cannot help."""


class BudgetExhaustedError(ExchangeError):
    """The account's request budget is spent (Hyperliquid's per-address limit): the request was
    not applied, and no further request may be sent in this run. The message gives the numbers."""


@dataclass(frozen=True, slots=True)
class AccountRef:
    """The account a client acts for, as far as the venue makes it public: for lineage and links."""

    venue: str
    #: ``mainnet``/``testnet`` and the like; None when the client does not say.
    network: str | None = None
    #: The account's public identifier (an address); None when the venue shows none without a request.
    name: str | None = None
    #: The account's page on the venue's public web app or explorer, where the venue has one.
    web_url: str | None = None


def account_of(client: object) -> AccountRef:
    """The client's :class:`AccountRef` (its optional ``account`` attribute), or just the venue."""
    account = getattr(client, "account", None)
    return account if isinstance(account, AccountRef) else AccountRef(str(getattr(client, "exchange", "")))


@runtime_checkable
class ExchangeClient(Protocol):
    """One exchange account, as the operator sees it."""

    #: Short exchange name used in reports, e.g. ``"bitget"``.
    exchange: str
    #: The most edits the exchange accepts in one request.
    max_batch_size: int
    #: Seconds after a request was sent during which the venue may still apply it, though its
    #: answer never came: an edit left in doubt is not sent again before they have passed.
    late_apply_seconds: float

    def prepare(self, raw_edits: Sequence[object]) -> Preparation:
        """Validate every raw edit (types, ids, precision), read the live book and plan,
        without modifying anything.

        Bad input never raises: every bad edit becomes an :class:`EditProblem`. An edit
        that would change nothing becomes a :class:`PlannedSkip` (``unchanged`` or
        ``not_open``); the rest become :class:`PreparedEdit` with ``before`` and ``wanted``.
        Raises :class:`MetadataError`, and nothing else, when the venue's metadata or book
        cannot be read.
        """
        ...

    def check_budget(self, edit_count: int) -> None:
        """Raise :class:`BudgetExhaustedError` (with needed / left figures) when the account
        cannot afford ``edit_count`` more edits; a no-op on venues without such a budget."""
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

    def confirm(self, edits: Sequence[PreparedEdit]) -> list[Confirmation]:
        """Read the book (list reads, in pages) and say, for each accepted edit, whether it
        shows the edit's ``wanted`` price and size; one answer per edit, in order.

        ``edits`` are already retargeted to the order that carries them (the new oid on
        cancel-and-replace venues). Raises :class:`ReconcileError` when the book cannot be read.
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
