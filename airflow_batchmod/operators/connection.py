"""From a connection id to this provider's hook for it."""

from __future__ import annotations

from airflow.sdk import BaseHook
from airflow.sdk.exceptions import AirflowFailException

from airflow_batchmod.get_provider_info import get_provider_info
from airflow_batchmod.hooks.base import ExchangeHook


def exchange_hook(conn_id: str) -> ExchangeHook:
    """The hook of the connection ``conn_id``, chosen by the connection's type; the task fails for
    good when the type is not one of this provider's."""
    conn = BaseHook.get_connection(conn_id)
    known = sorted(t["connection-type"] for t in get_provider_info()["connection-types"])
    if conn.conn_type not in known:
        raise AirflowFailException(
            f"Connection {conn_id!r} has type {conn.conn_type!r}, which this provider does not "
            f"know; use a connection of type {' or '.join(known)}"
        )
    hook = conn.get_hook(hook_params={"connection": conn})  # type: ignore[no-untyped-call]
    if not isinstance(hook, ExchangeHook):
        raise AirflowFailException(f"Connection {conn_id!r} did not yield an exchange hook")
    return hook
