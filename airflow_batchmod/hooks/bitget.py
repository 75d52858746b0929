"""Turns a ``bitget`` Airflow connection into a Bitget UTA client."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_batchmod.hooks.base import ExchangeHook, as_bool

if TYPE_CHECKING:
    from decimal import Decimal

    from airflow_batchmod.exchanges.bitget.client import BitgetClient
    from airflow_batchmod.hooks.open_orders import OpenOrder

BITGET_API_URL = "https://api.bitget.com"


class BitgetHook(ExchangeHook):
    """Bitget Unified Trading Account (UTA) API.

    Connection fields: login = API key, password = API secret, extra ``passphrase``,
    extra ``demo_trading`` (sends ``paptrading: 1``), extra ``proxy``, extra
    ``late_apply_seconds`` (how long a request whose answer was lost may still be applied, so an
    edit it left in doubt is not resent before then; default 30, Bitget's timestamp tolerance);
    host, port and schema (``https`` unless set) make the base URL, default Bitget production.

    For upstream tasks that build the edits: :meth:`get_open_orders` lists the account's resting
    orders (with the ``order_key`` an edit uses) and :meth:`get_mid_price` reads a market's mid.

    :param bitget_conn_id: The Airflow connection to use.
    """

    conn_name_attr = "bitget_conn_id"
    default_conn_name = "bitget_default"
    conn_type = "bitget"
    hook_name = "Bitget"

    def __init__(self, bitget_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(bitget_conn_id, **kwargs)
        self.bitget_conn_id = bitget_conn_id

    def get_client(
        self, *, request_timeout: float = 15.0, max_connections: int = 10, round_to_rules: bool = False
    ) -> BitgetClient:
        """A :class:`BitgetClient` for this connection (see :meth:`ExchangeHook.get_client`)."""
        from airflow_batchmod.exchanges.bitget.client import (
            LATE_APPLY_SECONDS,
            BitgetClient,
            BitgetCredentials,
        )
        from airflow_batchmod.exchanges.http import request_timeouts

        if round_to_rules:
            raise ValueError(
                "round_to_rules is a Hyperliquid option; send Bitget prices and sizes on the tick"
            )
        conn = self.connection()
        passphrase = str(self.extra_field(conn, "passphrase", ""))
        self.mask(conn.password, passphrase)
        if not conn.login or not conn.password or not passphrase:
            raise ValueError(
                f"Connection {self.bitget_conn_id!r} needs login (API key), password (API secret) "
                "and the extra 'passphrase'"
            )
        credentials = BitgetCredentials(api_key=conn.login, secret=conn.password, passphrase=passphrase)
        late_apply = self.extra_field(conn, "late_apply_seconds", LATE_APPLY_SECONDS)
        return BitgetClient(
            credentials,
            base_url=self.base_url(conn, BITGET_API_URL),
            proxy=self.proxy(conn),
            demo_trading=as_bool(self.extra_field(conn, "demo_trading", False)),
            timeout=request_timeouts(request_timeout),
            max_connections=max_connections,
            late_apply_seconds=float(late_apply),
        )

    def test_connection(self) -> tuple[bool, str]:
        """Make a signed read-only call (account settings)."""
        try:
            client = self.get_client()
            try:
                settings = client.account_settings()
            finally:
                client.close()
        except Exception as exc:
            return False, f"{type(exc).__name__}: {exc}"
        return True, f"Connected to Bitget UTA (uid {settings.get('uid', '?')})"

    def get_open_orders(self, symbol: str | None = None, category: str | None = None) -> list[OpenOrder]:
        """The account's open orders (``GET /api/v3/trade/unfilled-orders``, all pages), newest
        first, as neutral dicts (see :class:`~airflow_batchmod.hooks.open_orders.OpenOrder`):
        ``order_key`` (``orderId:…``), ``order_id``, ``client_id`` (clientOid), ``symbol``,
        ``category``, ``side``, ``price``, ``size`` (qty), ``filled_size``.

        :param symbol: Only this symbol, e.g. ``BTCUSDT`` (default: every symbol).
        :param category: Only this business line, e.g. ``USDT-FUTURES`` (default: all of them).
        """
        from airflow_batchmod.exchanges.bitget.book import BookReadError
        from airflow_batchmod.hooks.open_orders import from_bitget

        with self.get_client() as client:
            try:
                listed = client.book.open_orders(category, symbol.upper() if symbol else None)
            except BookReadError as exc:
                raise RuntimeError(f"could not list Bitget open orders: {exc.message}") from None
        return [from_bitget(order) for order in listed]

    def get_mid_price(self, symbol: str, category: str = "USDT-FUTURES") -> Decimal:
        """The mid of the best bid and ask (``GET /api/v3/market/tickers``, public), falling back
        to the last, then the mark price when a side is empty.

        :param symbol: e.g. ``BTCUSDT``.
        :param category: The business line: ``USDT-FUTURES`` (default), ``SPOT``, ...
        """
        from airflow_batchmod.exchanges.bitget.book import BookReadError

        with self.get_client() as client:
            try:
                return client.book.mid_price(category.upper(), symbol.upper())
            except BookReadError as exc:
                raise RuntimeError(f"could not read the Bitget {symbol} price: {exc.message}") from None
