"""Bitget's error answers: whole-request rejections and per-item failures, with the exchange's codes."""

from __future__ import annotations

#: Messages for codes a fault rule may inject; unknown codes get a generic text.
KNOWN_MESSAGES = {
    "40010": "Request timed out",
    "40725": "service return an error",
    "45001": "Unknown error",
    "25114": "There are modification orders in progress.",
    "25572": "Too many pending modification requests. Please try again later",
    "25653": "The order has been changed. Please try again later",
    "25003": "Concurrent operation, please retry",
    "25004": "Operation too frequent",
    "429": "Too Many Requests",
}


class Rejection(Exception):
    """A whole-request failure, answered with HTTP ``status`` and the Bitget envelope."""

    def __init__(self, status: int, code: str, msg: str) -> None:
        super().__init__(f"{code} {msg}")
        self.status = status
        self.code = code
        self.msg = msg


def invalid(detail: str) -> Rejection:
    return Rejection(400, "40017", f"Parameter verification failed: {detail}")


def throttled() -> Rejection:
    return Rejection(429, "429", "Too Many Requests")


class ItemFailure(Exception):
    """One batch item refused; the others still go through."""

    def __init__(self, code: str, msg: str, *, order_level: bool = True) -> None:
        super().__init__(f"{code} {msg}")
        self.code = code
        self.msg = msg
        #: Order-level failures trigger ``autoCancel``; "no such order" and "already closed" cannot.
        self.order_level = order_level


def queue_full() -> ItemFailure:
    return ItemFailure("25572", KNOWN_MESSAGES["25572"], order_level=False)


def skipped() -> ItemFailure:
    return ItemFailure("25573", "Skipped due to prior modification failure", order_level=False)
