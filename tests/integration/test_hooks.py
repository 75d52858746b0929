"""Hooks turn connections into clients; test_connection makes a real call to the sandbox."""

from __future__ import annotations

import json

import pytest

from airflow_batchmod.hooks.bitget import BitgetHook
from airflow_batchmod.hooks.hyperliquid import HyperliquidHook
from airflow_batchmod.sandbox.testing import Sandbox


def test_bitget_test_connection_makes_a_signed_call(sandbox_conns: Sandbox) -> None:
    ok, message = BitgetHook("bitget_default").test_connection()
    assert ok, message
    assert "1001" in message
    calls = [r for r in sandbox_conns.requests() if r["path"] == "/api/v3/account/settings"]
    assert len(calls) == 1 and calls[0]["status"] == 200


def test_bitget_test_connection_reports_a_wrong_passphrase(
    sandbox_conns: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = {
        "conn_type": "bitget",
        "host": sandbox_conns.url,
        "login": "bg_demo_key",
        "password": "bg_demo_secret",
        "extra": {"passphrase": "not-the-passphrase"},
    }
    monkeypatch.setenv("AIRFLOW_CONN_BITGET_WRONG", json.dumps(conn))
    ok, message = BitgetHook("bitget_wrong").test_connection()
    assert not ok
    assert "40012" in message
    assert "not-the-passphrase" not in message


def test_bitget_connection_without_passphrase_is_refused(
    sandbox_conns: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = {"conn_type": "bitget", "host": sandbox_conns.url, "login": "k", "password": "s"}
    monkeypatch.setenv("AIRFLOW_CONN_BITGET_BARE", json.dumps(conn))
    with pytest.raises(ValueError, match="passphrase"):
        BitgetHook("bitget_bare").get_client()


def test_hyperliquid_test_connection_checks_the_derived_signer(sandbox_conns: Sandbox) -> None:
    ok, message = HyperliquidHook("hyperliquid_default").test_connection()
    assert ok, message
    assert "0x14791697260E4c9A71f18484C9f997B308e59325" in message


def test_hyperliquid_unknown_signer_fails_test_connection(
    sandbox_conns: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = {"conn_type": "hyperliquid", "host": sandbox_conns.url, "password": "0x" + "42" * 32}
    monkeypatch.setenv("AIRFLOW_CONN_HYPERLIQUID_STRANGER", json.dumps(conn))
    ok, message = HyperliquidHook("hyperliquid_stranger").test_connection()
    assert not ok
    assert "42" * 32 not in message


def test_hyperliquid_network_must_be_known(sandbox_conns: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    conn = {"conn_type": "hyperliquid", "password": "0x" + "11" * 32, "extra": {"network": "devnet"}}
    monkeypatch.setenv("AIRFLOW_CONN_HYPERLIQUID_DEVNET", json.dumps(conn))
    with pytest.raises(ValueError, match="network"):
        HyperliquidHook("hyperliquid_devnet").get_client()


def test_form_fields_set_by_the_ui_are_read(sandbox_conns: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    conn = {
        "conn_type": "bitget",
        "host": sandbox_conns.url,
        "login": "bg_demo_key",
        "password": "bg_demo_secret",
        "extra": {"extra__bitget__passphrase": "bg_demo_pass"},
    }
    monkeypatch.setenv("AIRFLOW_CONN_BITGET_FORM", json.dumps(conn))
    ok, message = BitgetHook("bitget_form").test_connection()
    assert ok, message


def test_rounding_is_refused_for_bitget_with_a_clear_message(sandbox_conns: Sandbox) -> None:
    with pytest.raises(ValueError, match="Hyperliquid option"):
        BitgetHook("bitget_default").get_client(round_to_rules=True)
