"""The account a Bitget client names for lineage and links: demo trading is a network of its own."""

from __future__ import annotations

import pytest

from airflow_batchmod.exchanges.base import AccountRef
from airflow_batchmod.exchanges.bitget.client import BitgetClient, BitgetCredentials
from airflow_batchmod.operators.lineage import dataset_identity
from airflow_batchmod.operators.run_outcome import RunOutcome

CREDENTIALS = BitgetCredentials(api_key="key", secret="secret", passphrase="pass")


@pytest.mark.parametrize(
    ("demo_trading", "namespace"), [(False, "batchmod://bitget"), (True, "batchmod://bitget.demo")]
)
def test_demo_trading_writes_to_its_own_lineage_namespace(demo_trading: bool, namespace: str) -> None:
    with BitgetClient(CREDENTIALS, demo_trading=demo_trading) as client:
        account = client.account
    assert account == AccountRef("bitget", "demo" if demo_trading else None)
    outcome = RunOutcome(account, "bitget_default", {"exchange": "bitget"})
    assert dataset_identity(outcome) == (namespace, "bitget_default")
