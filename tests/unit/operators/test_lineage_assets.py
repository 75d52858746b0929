"""The ``batchmod`` asset scheme, as Airflow and the OpenLineage provider see it through our provider info."""

from __future__ import annotations

import pytest
from airflow.providers.openlineage.utils.utils import translate_airflow_asset
from airflow.sdk import Asset

from airflow_batchmod.operators.lineage import create_asset


def test_an_asset_uri_is_normalised_by_our_handler() -> None:
    asset = Asset("batchmod://Hyperliquid.Mainnet/0xabc")
    assert asset.normalized_uri == "batchmod://hyperliquid.mainnet/0xabc"


def test_a_uri_without_an_account_is_refused() -> None:
    with pytest.raises(ValueError, match="batchmod://<venue>"):
        Asset("batchmod://bitget/").normalized_uri  # noqa: B018  # normalising is what raises


def test_the_converter_gives_the_dataset_the_operator_writes_to() -> None:
    dataset = translate_airflow_asset(Asset("batchmod://bitget/bitget_default"), None)
    assert dataset is not None
    assert (dataset.namespace, dataset.name) == ("batchmod://bitget", "bitget_default")


def test_the_factory_builds_the_uri_from_its_parts() -> None:
    asset = create_asset(venue="hyperliquid", network="testnet", account="0xabc")
    assert asset.uri == "batchmod://hyperliquid.testnet/0xabc"
