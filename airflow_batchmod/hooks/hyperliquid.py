"""Turns a ``hyperliquid`` Airflow connection into a Hyperliquid exchange client."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_batchmod.hooks.base import ExchangeHook, as_bool

if TYPE_CHECKING:
    from decimal import Decimal

    from airflow_batchmod.exchanges.hyperliquid.client import HyperliquidClient
    from airflow_batchmod.hooks.open_orders import OpenOrder

NETWORKS = ("mainnet", "testnet")


class HyperliquidHook(ExchangeHook):
    """Hyperliquid exchange API, signed with an account key or an API wallet.

    Connection fields: password = the signing wallet's private key, login = the account
    address (when empty, the venue is asked once, ``userRole`` weight 60, whether the key is an
    account or the API wallet of one, and the run acts for that account), extra ``vault_address`` (trade a vault or
    sub-account), extra ``network`` (``mainnet`` or ``testnet``: it alone decides the signature,
    never the URL), extra ``always_place``, ``expires_after_ms`` and ``proxy``; host, port and
    schema (``https`` unless set) make the base URL, default by network.

    For upstream tasks that build the edits: :meth:`get_open_orders` lists the acting user's
    resting orders (with the ``order_key`` an edit uses) and :meth:`get_mid_price` reads a coin's
    mid. Address orders by **cloid** in scheduled DAGs: a modify is cancel-and-replace, so the
    order's oid changes every run, while the cloid carries over to the replacement.

    :param hyperliquid_conn_id: The Airflow connection to use.
    """

    conn_name_attr = "hyperliquid_conn_id"
    default_conn_name = "hyperliquid_default"
    conn_type = "hyperliquid"
    hook_name = "Hyperliquid"

    def __init__(self, hyperliquid_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(hyperliquid_conn_id, **kwargs)
        self.hyperliquid_conn_id = hyperliquid_conn_id

    def get_client(
        self, *, request_timeout: float = 15.0, max_connections: int = 10, round_to_rules: bool = False
    ) -> HyperliquidClient:
        """A :class:`HyperliquidClient` for this connection (see :meth:`ExchangeHook.get_client`).

        Actions expire (``expiresAfter``) when the connection's ``expires_after_ms`` says, else as
        the client decides from ``request_timeout``.
        """
        from airflow_batchmod.exchanges.http import request_timeouts
        from airflow_batchmod.exchanges.hyperliquid.client import (
            MAINNET_API_URL,
            TESTNET_API_URL,
            HyperliquidClient,
        )
        from airflow_batchmod.exchanges.hyperliquid.nonce import default_action_lifetime_ms

        conn = self.connection()
        self.mask(conn.password)
        if not conn.password:
            raise ValueError(f"Connection {self.hyperliquid_conn_id!r} needs the private key as its password")
        network = str(self.extra_field(conn, "network", "mainnet")).lower()
        if network not in NETWORKS:
            raise ValueError(
                f"Connection {self.hyperliquid_conn_id!r}: extra 'network' must be one of {NETWORKS}"
            )
        expires_after = self.extra_field(conn, "expires_after_ms")
        timeout = request_timeouts(request_timeout)
        client = HyperliquidClient(
            conn.password,
            account_address=conn.login or None,
            vault_address=self.extra_field(conn, "vault_address"),
            network=network,  # type: ignore[arg-type]  # checked against NETWORKS above
            base_url=self.base_url(conn, MAINNET_API_URL if network == "mainnet" else TESTNET_API_URL),
            proxy=self.proxy(conn),
            expires_after_ms=(
                int(expires_after) if expires_after is not None else default_action_lifetime_ms(timeout)
            ),
            always_place=as_bool(self.extra_field(conn, "always_place", False)),
            round_to_rules=round_to_rules,
            timeout=timeout,
            max_connections=max_connections,
        )
        # Airflow's masker matches exactly: give it the key without 0x and in each case too.
        self.mask(*client.secrets())
        return client

    def test_connection(self) -> tuple[bool, str]:
        """Send a signed ``noop`` (it only uses up a nonce): success proves the key, the network
        and the account / API wallet / vault relation; a signature the venue cannot place names
        the likely cause (wrong network, wrong key, API wallet not approved)."""
        try:
            client = self.get_client()
            try:
                # Without a login the venue is asked whose orders the key acts on (an API wallet's
                # own address has no orders); with one, that the key is the account or its agent.
                client.check_identity()
                signer, user, network = client.signer_address, client.user_address, client.network
                client.noop()
            finally:
                client.close()
        except Exception as exc:
            return False, f"{type(exc).__name__}: {exc}"
        return True, f"Signer {signer} may act for {user} on Hyperliquid {network} (signed noop accepted)"

    def get_open_orders(self, coin: str | None = None) -> list[OpenOrder]:
        """The acting user's open orders (``/info frontendOpenOrders``), newest first, as neutral
        dicts (see :class:`~airflow_batchmod.hooks.open_orders.OpenOrder`): ``order_key``
        (``cloid:…`` when the order has a cloid, else ``oid:…``), ``order_id`` (oid), ``client_id``
        (cloid), ``symbol`` (the coin), ``side``, ``price``, ``size`` (resting), ``filled_size``.

        :param coin: Only this coin, as the venue names it (``BTC``, ``PURR/USDC``, ``@107``, or a
            builder-deployed perp ``xyz:TSLA``: then its dex's list is read). Without it, the default
            dex's and spot orders.
        """
        from airflow_batchmod.exchanges.base import ReconcileError
        from airflow_batchmod.exchanges.hyperliquid.metadata import dex_of_coin
        from airflow_batchmod.hooks.open_orders import from_hyperliquid

        with self.get_client() as client:
            try:
                listed = client.info.open_orders(client.user_address, dex_of_coin(coin or ""))
            except ReconcileError as exc:
                raise RuntimeError(f"could not list Hyperliquid open orders: {exc.message}") from None
        return [from_hyperliquid(order) for order in listed if coin is None or order.coin == coin]

    def get_mid_price(self, symbol: str) -> Decimal:
        """The mid price of a coin (``/info allMids``), e.g. ``BTC``, ``@107`` or ``xyz:TSLA``
        (a builder-deployed perp: its dex's ``allMids`` is read).

        :param symbol: The coin as the venue names it.
        """
        from decimal import Decimal

        from airflow_batchmod.exchanges.base import ReconcileError
        from airflow_batchmod.exchanges.hyperliquid.metadata import dex_of_coin

        with self.get_client() as client:
            try:
                mids = client.info.all_mids(dex_of_coin(symbol))
            except ReconcileError as exc:
                raise RuntimeError(f"could not read Hyperliquid mid prices: {exc.message}") from None
        if symbol not in mids:
            raise KeyError(f"Hyperliquid has no mid price for {symbol!r}")
        return Decimal(mids[symbol])
