"""What each Bitget error code means for the next step: retry, give up, reconcile, or stop.

The codes come from Bitget's UTA REST error list and the codes other clients map
(see the research brief). Every code falls into one of four groups:

``RETRYABLE``
    Throttles and "busy" answers. Bitget refused the request or item *before* acting
    on it, for a reason that passes with time, so the same edit may be sent again later.

``FINAL``
    Bitget looked at the edit and refused it for good (the order is gone, the values
    are invalid, the request is malformed). Sending the same edit again fails the same
    way, so it is reported as rejected. Only codes known to mean "refused, nothing
    applied" are here.

``OUTCOME_UNKNOWN``
    Bitget itself says it does not know how the request ended (its own timeout, an
    internal error), or the code is not one we know. The modification may have been
    applied, so the edit must be reconciled against the order's live state before
    anything is resent. ``25000`` ("System error, please try again later") is here: no
    Bitget page says that the system error happened before the order was touched.

``FATAL_AUTH``
    The credentials, signature, clock, permissions or account family are wrong. Every
    further request with the same setup fails the same way, so the whole run stops at
    once instead of spending retries.
"""

from __future__ import annotations

import enum


class ErrorClass(str, enum.Enum):
    RETRYABLE = "retryable"
    FINAL = "final"
    OUTCOME_UNKNOWN = "outcome_unknown"
    FATAL_AUTH = "fatal_auth"


#: Codes Bitget uses for "no error" (REST envelopes and the WebSocket twin's items).
SUCCESS_CODES = frozenset({"00000", "0"})

_R = ErrorClass.RETRYABLE
_F = ErrorClass.FINAL
_U = ErrorClass.OUTCOME_UNKNOWN
_A = ErrorClass.FATAL_AUTH

#: code -> (group, what Bitget means by it)
ERROR_TABLE: dict[str, tuple[ErrorClass, str]] = {
    # Throttles: refused on arrival, nothing was processed.
    "429": (_R, "Too Many Requests"),
    "25003": (_R, "Concurrent operation, please retry"),
    "25004": (_R, "Operation too frequent"),
    # The order's modification queue is busy; this edit was not taken.
    "25114": (_R, "There are modification orders in progress"),
    "25572": (_R, "Too many pending modification requests"),
    "25653": (_R, "The order has been changed, please try again later"),
    # Skipped without being evaluated because an earlier queued modification failed;
    # nothing about this edit was judged, so it may be sent again.
    "25573": (_R, "Skipped due to prior modification failure"),
    # Bitget does not know whether it acted.
    "25000": (_U, "System error, please try again later"),
    "25001": (_U, "Operation timed out"),
    "40010": (_U, "Request timed out"),
    "40725": (_U, "Service returned an error"),
    "45001": (_U, "Unknown error"),
    # Credentials and signature.
    "40001": (_A, "ACCESS_KEY, ACCESS_SIGN or ACCESS_TIMESTAMP missing"),
    "40002": (_A, "ACCESS_KEY cannot be empty"),
    "40003": (_A, "ACCESS_SIGN cannot be empty"),
    "40005": (_A, "Invalid ACCESS_TIMESTAMP"),
    "40006": (_A, "Invalid ACCESS_KEY"),
    "40008": (_A, "Request timestamp expired"),  # the local clock is off; a fresh timestamp will not help
    "40009": (_A, "Sign signature error"),
    "40011": (_A, "ACCESS_PASSPHRASE cannot be empty"),
    "40012": (_A, "apikey/password is incorrect"),
    "40037": (_A, "Apikey does not exist"),
    # Permissions and account family: the key cannot do this at all.
    "40014": (_A, "Incorrect permissions"),
    "25620": (_A, "Permission denied"),
    "40018": (_A, "Invalid IP"),
    "40084": (_A, "Classic account key used on a Unified Trading Account API"),
    "40085": (_A, "Unified Trading Account key used on a Classic Account API"),
    "40099": (_A, "Exchange environment is incorrect (demo key and paptrading header disagree)"),
    # Order state: the order cannot take this modification.
    "25204": (_F, "Order does not exist"),
    "43001": (_F, "The order does not exist"),
    "40768": (_F, "Order does not exist"),
    "40109": (_F, "Order does not exist"),
    "25568": (_F, "The order does not meet the modification requirements"),
    "25569": (_F, "Exceeded the maximum limit for modifications"),
    "25571": (_F, "The modification price and qty is the same as the original value"),
    "25574": (_F, "Reduce-only order protection"),
    "25212": (_F, "Duplicate clientOid"),
    # Funds: the account cannot carry the new order size.
    "25202": (_F, "Insufficient balance"),
    "25203": (_F, "Insufficient margin"),
    "40762": (_F, "The order size is greater than the max open size"),
    # Precision and limits of the new values.
    "25207": (_F, "Quantity below the minimum"),
    "25208": (_F, "Quantity above the maximum"),
    "25205": (_F, "Trading price cannot be below the price band"),
    "25206": (_F, "Trading price cannot exceed the price band"),
    "25244": (_F, "Price is not a multiple of the price step"),
    "25610": (_F, "Quantity precision error"),
    "25611": (_F, "Order amount below the minimum"),
    # Malformed requests.
    "40017": (_F, "Parameter verification failed"),
    "400172": (_F, "Parameter verification failed"),
    "40034": (_F, "Parameter does not exist"),
    "22003": (_F, "Modify price and size: pass in newClientOid"),
    "30007": (_F, "Invalid Content-Type"),
}


#: Codes that refuse a request for its shape, not for one of its items: splitting it cannot help.
WHOLE_REQUEST_CODES = frozenset({"30007"})


def normalize_code(code: object) -> str | None:
    """Bitget codes as text; some gateways send them as JSON numbers."""
    if code is None or isinstance(code, bool):
        return None
    text = str(code).strip()
    return text or None


def is_success(code: object) -> bool:
    return normalize_code(code) in SUCCESS_CODES


def classify(code: object) -> ErrorClass:
    """The group of an error code; unknown codes are ``OUTCOME_UNKNOWN`` (see the module docstring)."""
    text = normalize_code(code)
    entry = ERROR_TABLE.get(text) if text is not None else None
    return entry[0] if entry else ErrorClass.OUTCOME_UNKNOWN


def describe(code: object) -> str | None:
    """Bitget's meaning of a known code, for messages when the server sent none."""
    text = normalize_code(code)
    entry = ERROR_TABLE.get(text) if text else None
    return entry[1] if entry else None
