"""The test kit's connections come from the default seed: each one is an account the sandbox knows."""

from __future__ import annotations

import json
import re
from pathlib import Path

from eth_account import Account

from airflow_batchmod.sandbox.seed.loading import DEFAULT_SEED_PATH, read_seed_file
from airflow_batchmod.testing.dags import SANDBOX_ACCOUNTS, sandbox_connections


def test_each_bitget_connection_holds_a_seeded_accounts_credentials() -> None:
    seeded = {
        (a["api_key"], a["secret"], a["passphrase"])
        for a in read_seed_file(DEFAULT_SEED_PATH)["bitget"]["accounts"]
    }
    bitget = [c for c in SANDBOX_ACCOUNTS.values() if c["conn_type"] == "bitget"]
    assert len(bitget) == 2
    for conn in bitget:
        assert (conn["login"], conn["password"], conn["extra"]["passphrase"]) in seeded


def test_each_hyperliquid_key_signs_for_a_seeded_account() -> None:
    seeded = {a["address"].lower() for a in read_seed_file(DEFAULT_SEED_PATH)["hyperliquid"]["accounts"]}
    keys = [c["password"] for c in SANDBOX_ACCOUNTS.values() if c["conn_type"] == "hyperliquid"]
    assert len(keys) == 2
    assert {Account.from_key(key).address.lower() for key in keys} <= seeded


def test_the_sandbox_doc_lists_exactly_the_connections_the_kit_builds() -> None:
    doc = (Path(__file__).parents[3] / "docs" / "sandbox.md").read_text(encoding="utf-8")
    table = doc.split("## Pointing the provider's connections at it", 1)[1].split("\n\n")[2]
    listed = {}
    for row in re.findall(r"^\| `(\w+)` \| `(\w+)` \| (.+?) \| `(.+?)` \| `(.+?)` \|$", table, re.M):
        conn_id, conn_type, login, password, extra = row
        listed[conn_id] = {"conn_type": conn_type, "password": password, "extra": json.loads(extra)}
        if login != "—":
            listed[conn_id]["login"] = login.strip("`")
    built = sandbox_connections("http://127.0.0.1:1")
    assert {conn["host"] for conn in built.values()} == {"http://127.0.0.1:1"}
    assert listed == SANDBOX_ACCOUNTS
