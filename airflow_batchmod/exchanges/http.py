"""HTTP plumbing shared by the exchange clients.

The one question that matters for safety is asked here: when a request fails at the
transport level, could the exchange have acted on it? A failure to connect means the
request never left, so it may be resent. Anything after the bytes may have left (a
read timeout, a dropped connection) means the outcome is unknown.
"""

from __future__ import annotations

import httpx

from airflow_batchmod.exchanges.base import FailureKind, OutcomeUnknownError, TransientRequestError


def request_timeouts(request_timeout: float) -> httpx.Timeout:
    """Connect quickly or give up; give the exchange ``request_timeout`` seconds to answer a batch."""
    if request_timeout <= 0:
        raise ValueError("request_timeout must be positive")
    return httpx.Timeout(
        connect=min(5.0, request_timeout),
        read=request_timeout,
        write=min(10.0, request_timeout),
        pool=request_timeout,
    )


DEFAULT_TIMEOUT = request_timeouts(15.0)

USER_AGENT = "airflow-provider-batchmod"


def make_http_client(
    base_url: str,
    *,
    timeout: httpx.Timeout | None = None,
    transport: httpx.BaseTransport | None = None,
    max_connections: int = 16,
    proxy: str | None = None,
) -> httpx.Client:
    """An ``httpx.Client`` with explicit timeouts and a pool sized for concurrent chunks.

    ``proxy`` (``http://host:port``) routes every request through an HTTP(S) proxy.
    """
    return httpx.Client(
        base_url=base_url,
        proxy=proxy or None,
        timeout=timeout or DEFAULT_TIMEOUT,
        transport=transport,
        limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
        headers={"User-Agent": USER_AGENT},
    )


def send_modification(http: httpx.Client, request: httpx.Request) -> httpx.Response:
    """Send a request that changes exchange state, mapping transport failures by what they imply.

    Raises :class:`TransientRequestError` when the request certainly did not reach the
    exchange, and :class:`OutcomeUnknownError` when it may have.
    """
    try:
        return http.send(request)
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
        raise TransientRequestError(
            f"could not connect: {type(exc).__name__}", kind=FailureKind.NETWORK
        ) from exc
    except httpx.TransportError as exc:
        # ReadTimeout, RemoteProtocolError (connection dropped), ReadError, WriteError...
        raise OutcomeUnknownError(
            f"no response after sending: {type(exc).__name__}", kind=FailureKind.NETWORK
        ) from exc
