"""Whose orders a Hyperliquid key acts on, asked of the venue (``userRole``, weight 60).

An API wallet (an "agent") signs for an account, but reads made with the agent's own address
answer empty: the venue documents it as a common pitfall. Without the account address in the
connection, a run would find no orders and report every edit ``not_open``, successfully. So when
no account is given the signer's role is asked once: an account acts for itself, an agent for the
account it serves; anything else is refused, naming the addresses.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from airflow_batchmod.exchanges.base import FatalRequestError, ReconcileError
from airflow_batchmod.exchanges.hyperliquid.info import InfoReader

log = logging.getLogger(__name__)


def _served_account(role: Mapping[str, Any]) -> str | None:
    data = role.get("data")
    user = data.get("user") if isinstance(data, Mapping) else None
    return user.lower() if isinstance(user, str) else None


def _role_of(info: InfoReader, signer: str) -> Mapping[str, Any]:
    try:
        return info.user_role(signer)
    except ReconcileError as exc:
        raise ReconcileError(
            f"could not ask the role of signer {signer}: {exc.message}", kind=exc.kind
        ) from None


def acting_user_of(info: InfoReader, signer: str) -> str:
    """The account ``signer`` acts for when the connection names none: itself when it is an
    account, the account it serves when it is an API wallet. Raises :class:`FatalRequestError`
    otherwise and :class:`ReconcileError` when the role cannot be read."""
    role = _role_of(info, signer)
    kind = role.get("role")
    if kind == "user":
        return signer
    served = _served_account(role)
    if kind == "agent" and served is not None:
        log.info("Signer %s is an API wallet of account %s: acting for %s", signer, served, served)
        return served
    raise FatalRequestError(
        f"signer {signer} is neither an account nor the API wallet of one (userRole: {kind}). Likely "
        "causes: a wrong private key, an API wallet not approved, or the other network; an API wallet "
        "needs the connection's login set to the account address it trades for",
        code="auth",
    )


def check_acts_for(info: InfoReader, signer: str, account: str) -> None:
    """Raise :class:`FatalRequestError` naming both addresses unless ``signer`` is ``account`` or
    an API wallet serving it (``test_connection`` with a login)."""
    if signer == account:
        return
    role = _role_of(info, signer)
    if role.get("role") == "agent" and _served_account(role) == account:
        return
    served = _served_account(role)
    what = f"an API wallet of {served}" if served else f"userRole {role.get('role')}"
    raise FatalRequestError(
        f"signer {signer} is neither account {account} nor its API wallet ({what})", code="auth"
    )
