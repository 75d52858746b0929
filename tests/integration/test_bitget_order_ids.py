"""BitgetClient against the sandbox when a modify gives the order a new orderId (clientOid kept)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from airflow_batchmod.exchanges.base import Landing, Outcome
from airflow_batchmod.exchanges.bitget.client import BitgetClient, BitgetCredentials
from airflow_batchmod.testing.sandbox import Sandbox
from tests.support.sandbox_state import bitget_orders

DEFAULT_ACCOUNT = BitgetCredentials(api_key="bg_demo_key", secret="bg_demo_secret", passphrase="bg_demo_pass")


@pytest.fixture
def client(fresh_sandbox: Sandbox) -> Iterator[BitgetClient]:
    fresh_sandbox.configure(bitget_modify_new_order_id=True)
    with BitgetClient(DEFAULT_ACCOUNT, base_url=fresh_sandbox.url) as bitget:
        yield bitget


def test_the_plan_sends_the_books_client_oid_and_every_read_follows_the_new_id(
    client: BitgetClient, fresh_sandbox: Sandbox
) -> None:
    preparation = client.prepare(
        [{"orderId": "1001", "price": "60010", "symbol": "BTCUSDT", "category": "USDT-FUTURES"}]
    )
    (edit,) = preparation.edits
    assert (edit.payload.orderId, edit.payload.clientOid) == ("1001", "ladder-1")
    (result,) = client.submit([edit])
    new_id = bitget_orders(fresh_sandbox)["1001"]["replacedBy"]
    # The answer's item names the new id: it is matched by the clientOid.
    assert (result.outcome, result.order_id) == (Outcome.APPLIED, new_id)
    later = client.retarget(edit, new_id)
    assert later.payload.orderId == new_id
    (confirmed,) = client.confirm([later])
    assert confirmed.landing is Landing.LANDED
    # A reconciliation that still names the old id follows the clientOid to the replacement.
    (found,) = client.reconcile([edit])
    assert (found.outcome, found.order_id) == (Outcome.APPLIED, new_id)
