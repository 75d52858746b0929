"""Bitget private-call authentication, checked the way the exchange does and with its error codes."""

from __future__ import annotations

import hmac

from airflow_batchmod.exchanges.bitget.signing import sign
from airflow_batchmod.sandbox.bitget.state import BitgetAccount, BitgetBook
from airflow_batchmod.sandbox.wire import Request

#: Bitget refuses requests whose ACCESS-TIMESTAMP is further than this from its clock.
TIMESTAMP_WINDOW_MS = 30_000


class AuthError(Exception):
    def __init__(self, code: str, msg: str) -> None:
        super().__init__(f"{code} {msg}")
        self.code = code
        self.msg = msg


def authenticate(request: Request, book: BitgetBook, now_ms: int) -> BitgetAccount:
    """The account behind a signed request; raises :class:`AuthError` with Bitget's code."""
    headers = {
        name: request.header(name) or ""
        for name in ("ACCESS-KEY", "ACCESS-SIGN", "ACCESS-TIMESTAMP", "ACCESS-PASSPHRASE")
    }
    for name, value in headers.items():
        if not value:
            raise AuthError("40001", f"{name.replace('-', '_')} cannot be empty")
    account = book.accounts.get(headers["ACCESS-KEY"])
    if account is None:
        raise AuthError("40006", "Invalid ACCESS_KEY")
    timestamp = headers["ACCESS-TIMESTAMP"]
    if not timestamp.isdigit():
        raise AuthError("40005", "Invalid ACCESS_TIMESTAMP")
    if abs(now_ms - int(timestamp)) > TIMESTAMP_WINDOW_MS:
        raise AuthError("40008", "Request timestamp expired")
    try:
        body = request.body.decode("utf-8")
    except UnicodeDecodeError:
        raise AuthError("40009", "sign signature error") from None
    # The prehash covers the exact bytes received: the raw query string and the raw body.
    expected = sign(account.secret, timestamp, request.method, request.path, request.query, body)
    if not hmac.compare_digest(expected.encode(), headers["ACCESS-SIGN"].encode()):
        raise AuthError("40009", "sign signature error")
    if not hmac.compare_digest(account.passphrase.encode(), headers["ACCESS-PASSPHRASE"].encode()):
        raise AuthError("40012", "apikey/password is incorrect")
    if account.demo_trading != (request.header("paptrading") == "1"):
        raise AuthError("40099", "exchange environment is incorrect")
    return account
