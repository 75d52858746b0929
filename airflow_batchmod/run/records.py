"""What the report says about one input edit (its status and its record) and about the run's stop."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from airflow_batchmod.exchanges.base import ItemResult, Outcome, Quote


class EditStatus(str, enum.Enum):
    """The final status of one input edit in the report."""

    MODIFIED = "modified"
    #: The book already showed the edit's price and size: nothing was sent.
    UNCHANGED = "unchanged"
    #: The order was filled, cancelled or unknown when the book was read: nothing was sent.
    NOT_OPEN = "not_open"
    #: Dry run: the edit would have been sent.
    WOULD_MODIFY = "would_modify"
    REJECTED = "rejected"
    FAILED = "failed"
    UNKNOWN = "unknown"
    INVALID = "invalid"
    NOT_SENT = "not_sent"
    #: The edit took the order off the book and put nothing in its place.
    CANCELLED = "cancelled"
    #: The order changed since this edit was planned (another run, a person, a fill): not sent.
    SUPERSEDED = "superseded"


@dataclass(slots=True)
class EditRecord:
    """Everything the report says about one input edit."""

    index: int
    order: str
    label: str
    status: EditStatus | None = None
    order_id: str | None = None
    code: str | None = None
    message: str | None = None
    attempts: int = 0
    #: Settled by an earlier try of the task (read from the checkpoint).
    resumed: bool = False
    #: Settled by asking the exchange what happened, not by a request's answer.
    reconciled: bool = False
    #: What the book showed before the edit, and after it landed (None: not read or not found).
    before: Quote | None = None
    after: Quote | None = None
    #: What the edit asks for, normalised (None: not planned, e.g. invalid or settled by an earlier try).
    wanted: Quote | None = None
    #: Size the original order filled while the edit replaced it (None: not read or none).
    original_filled: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "index": self.index,
            "order": self.order,
            "label": self.label,
            "status": self.status.value if self.status else None,
            "order_id": self.order_id,
            "code": self.code,
            "message": self.message,
            "attempts": self.attempts,
            "resumed": self.resumed,
            "reconciled": self.reconciled,
            "before": self.before.as_dict() if self.before else None,
            "after": self.after.as_dict() if self.after else None,
            "wanted": self.wanted.as_dict() if self.wanted else None,
            "original_filled": self.original_filled,
        }


@dataclass(frozen=True)
class Halt:
    """Why the run stopped sending before every edit went out."""

    reason: str
    #: The status of the edits the halt kept from being sent.
    unsent: EditStatus
    #: Whether a later try of the task can do better.
    retryable: bool

    @property
    def unsent_message(self) -> str:
        """The message each unsent edit carries in the report."""
        return f"not sent: {self.reason}" if self.unsent is EditStatus.NOT_SENT else self.reason


#: The message of an edit whose last request's answer was lost and that the book does not show
#: applied when the run ends: the exchange may still apply that request.
MAY_STILL_LAND = (
    "sent, but the answer was lost and the exchange may still apply it; the next try asks the "
    "exchange before anything else"
)


def final_status(
    result: ItemResult, *, attempts_left: bool, halted: bool, from_book: bool
) -> EditStatus | None:
    """An edit's final status from one result, or None when it should be sent again.

    ``from_book``: the result comes from reading the book after an answer was lost, so an edit out
    of attempts that the book shows not applied yet may still land (``unknown``, not ``failed``),
    and a refusal the book shows (the order is gone) is the order's doing, not the halt's.
    """
    if result.outcome is Outcome.APPLIED:
        return EditStatus.MODIFIED
    if result.outcome is Outcome.REJECTED:
        return EditStatus.FAILED if halted and not from_book else EditStatus.REJECTED
    if result.outcome is Outcome.UNKNOWN:
        return EditStatus.UNKNOWN
    if result.outcome is Outcome.CANCELLED:
        return EditStatus.CANCELLED
    if attempts_left:
        return None
    return EditStatus.UNKNOWN if from_book else EditStatus.FAILED
