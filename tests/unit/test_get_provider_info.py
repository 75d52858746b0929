"""Airflow discovers the provider and both connection types."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import entry_points
from importlib.resources import files

import jsonschema
import pytest

from airflow_batchmod.get_provider_info import get_provider_info


def test_provider_info_matches_airflows_runtime_schema() -> None:
    schema = json.loads(files("airflow").joinpath("provider_info.schema.json").read_text())
    jsonschema.validate(get_provider_info(), schema)


def test_connection_types_name_hooks_that_declare_them() -> None:
    from importlib import import_module

    for conn in get_provider_info()["connection-types"]:
        module_name, class_name = conn["hook-class-name"].rsplit(".", 1)
        hook = getattr(import_module(module_name), class_name)
        assert hook.conn_type == conn["connection-type"]
        assert hook.default_conn_name == f"{conn['connection-type']}_default"


def installed_entry_point() -> bool:
    return any(
        ep.value.startswith("airflow_batchmod.") for ep in entry_points(group="apache_airflow_provider")
    )


@pytest.mark.skipif(not installed_entry_point(), reason="package not installed (make install registers it)")
def test_airflow_providers_hooks_lists_both_connection_types() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "airflow", "providers", "hooks", "--output", "json"],
        capture_output=True,
        text=True,
        check=True,
    )
    hooks = {row["connection_type"]: row for row in json.loads(result.stdout)}
    assert hooks["bitget"]["class"] == "airflow_batchmod.hooks.bitget.BitgetHook"
    assert hooks["hyperliquid"]["class"] == "airflow_batchmod.hooks.hyperliquid.HyperliquidHook"


def test_hooks_and_operators_name_a_declared_integration() -> None:
    info = get_provider_info()
    declared = {integration["integration-name"] for integration in info["integrations"]}
    named = {entry["integration-name"] for entry in info["hooks"] + info["operators"]}
    assert named and named <= declared


def test_connection_forms_offer_port_schema_and_proxy() -> None:
    for conn in get_provider_info()["connection-types"]:
        hidden = conn["ui-field-behaviour"]["hidden-fields"]
        assert "port" not in hidden and "schema" not in hidden, conn["connection-type"]
        assert "proxy" in conn["conn-fields"], conn["connection-type"]
