"""The request and response values passed between the HTTP layer and the venue handlers."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl


@dataclass(frozen=True)
class Request:
    """One HTTP request as received; ``query`` is the raw text after ``?`` (signatures cover it verbatim)."""

    method: str
    path: str
    query: str
    headers: dict[str, str]  # lower-cased names
    body: bytes
    client: str = "127.0.0.1"
    #: When the request reached the sandbox; rate windows count arrivals, as an exchange does,
    #: not the moment a busy handler thread got round to checking them.
    received_at: float | None = None

    @classmethod
    def from_target(
        cls, method: str, target: str, headers: dict[str, str], body: bytes, client: str = "127.0.0.1"
    ) -> Request:
        path, _, query = target.partition("?")
        return cls(method.upper(), path, query, {k.lower(): v for k, v in headers.items()}, body, client)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def query_params(self) -> dict[str, str]:
        return dict(parse_qsl(self.query, keep_blank_values=True))


@dataclass
class Response:
    """What to send back. ``drop`` closes the connection without writing a single byte."""

    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False

    @classmethod
    def json(cls, payload: Any, status: int = 200) -> Response:
        return cls(status=status, body=dumps(payload))

    @classmethod
    def text(cls, text: str, status: int) -> Response:
        return cls(status=status, body=text.encode(), content_type="text/plain; charset=utf-8")

    @classmethod
    def dropped(cls) -> Response:
        return cls(status=0, drop=True)


def _default(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dumps(payload: Any) -> bytes:
    return json.dumps(payload, separators=(",", ":"), default=_default).encode()


def parse_json(body: bytes) -> Any:
    """Parse a JSON body; raises ``ValueError`` on anything that is not JSON."""
    if not body.strip():
        raise ValueError("empty body")
    return json.loads(body.decode("utf-8"))


@dataclass(frozen=True)
class Call:
    """What a venue call is, for fault matching and the request log."""

    endpoint: str  # "modify" | "query" | "info" | "other"
    items: int = 0
    order_keys: list[Any] = field(default_factory=list)
    #: What exactly was asked: Bitget's last path segment ("unfilled-orders"), Hyperliquid's info
    #: type ("allMids") or action type ("batchModify", "noop").
    kind: str | None = None
