"""Turns a ``hyperliquid`` Airflow connection into a Hyperliquid exchange client."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_batchmod.hooks.base import ExchangeHook, as_bool

if TYPE_CHECKING:
    from airflow_batchmod.exchanges.hyperliquid.client import HyperliquidClient

NETWORKS = ("mainnet", "testnet")


class HyperliquidHook(ExchangeHook):
    """Hyperliquid exchange API, signed with an account key or an API wallet.

    Connection fields: password = the signing wallet's private key, login = the account
    address (needed when signing with an API wallet), extra ``vault_address`` (trade a vault or
    sub-account), extra ``network`` (``mainnet`` or ``testnet``: it alone decides the signature,
    never the URL), extra ``always_place``, ``expires_after_ms`` and ``proxy``; host, port and
    schema (``https`` unless set) make the base URL, default by network.

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
            default_action_lifetime_ms,
        )

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
        """Derive the signer's address and check it with a read-only info call."""
        try:
            client = self.get_client()
            try:
                signer = client.signer_address
                role = client.user_role(signer)
            finally:
                client.close()
        except Exception as exc:
            return False, f"{type(exc).__name__}: {exc}"
        if role.get("role") in (None, "missing"):
            return False, f"Signer {signer} is not known to Hyperliquid"
        return True, f"Signer {signer} is a Hyperliquid {role.get('role')}"
