"""What every exchange hook shares: reading connection fields and masking secrets."""

from __future__ import annotations

from typing import Any

from airflow.sdk import BaseHook, Connection
from airflow.sdk.log import mask_secret

from airflow_batchmod.exchanges.base import ExchangeClient


class ExchangeHook(BaseHook):
    """A connection that yields an :class:`~airflow_batchmod.exchanges.base.ExchangeClient`."""

    conn_type: str

    def __init__(self, conn_id: str, *, connection: Connection | None = None, **kwargs: Any) -> None:
        """``connection``: the connection, when the caller has already fetched it (the operator
        does, to learn its type), so it is fetched once."""
        super().__init__(**kwargs)
        self.conn_id = conn_id
        self._connection = connection

    def __repr__(self) -> str:
        return f"<{type(self).__name__} conn_id={self.conn_id!r}>"

    def connection(self) -> Connection:
        """The connection, fetched on first use and kept."""
        if self._connection is None:
            self._connection = self.get_connection(self.conn_id)
        return self._connection

    def extra_field(self, conn: Connection, name: str, default: Any = None) -> Any:
        """An extra, whether set plainly or by the UI form (``extra__<type>__<name>``)."""
        extra = conn.extra_dejson
        value = extra.get(name)
        if value in (None, ""):
            value = extra.get(f"extra__{self.conn_type}__{name}")
        return default if value in (None, "") else value

    def base_url(self, conn: Connection, default: str) -> str:
        """The venue's URL, the way the http provider composes it: ``schema://host:port``.

        ``schema`` is ``https`` unless set (``http`` suits a local venue); a host that is already a
        URL is used as it is; no host means the venue's own address.
        """
        host = (conn.host or "").strip().rstrip("/")
        if not host:
            return default
        if "://" in host:
            return host
        schema = (conn.schema or "https").strip().lower()
        if schema not in ("http", "https"):
            raise ValueError(f"Connection {self.conn_id!r}: schema must be 'https' or 'http', not {schema!r}")
        port = f":{conn.port}" if conn.port else ""
        return f"{schema}://{host}{port}"

    def proxy(self, conn: Connection) -> str | None:
        """The extra ``proxy`` (``http://proxy.example:3128``): every request of the client goes through it."""
        value = self.extra_field(conn, "proxy")
        return str(value).strip() if value is not None else None

    @staticmethod
    def mask(*secrets: str | None) -> None:
        """Tell Airflow's log masker about secrets that do not sit in the password field."""
        for secret in secrets:
            if secret:
                mask_secret(secret)

    def get_client(
        self, *, request_timeout: float = 15.0, max_connections: int = 10, round_to_rules: bool = False
    ) -> ExchangeClient:
        """A client for this connection.

        :param request_timeout: Seconds to wait for an answer before a request's outcome counts as
            unknown; connecting gets at most 5 s.
        :param max_connections: The most HTTP connections the client keeps open.
        :param round_to_rules: Round prices and sizes to the venue's rules instead of refusing them.
        """
        raise NotImplementedError


def as_bool(value: object) -> bool:
    """Connection extras arrive as JSON booleans or as text from URIs and forms."""
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return bool(value)
