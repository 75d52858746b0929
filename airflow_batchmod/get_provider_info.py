"""Provider metadata read by Airflow through the ``apache_airflow_provider`` entry point."""

from __future__ import annotations

from typing import Any


def get_provider_info() -> dict[str, Any]:
    return {
        "package-name": "airflow-provider-batchmod",
        "name": "Batch order modification",
        "description": "Modify resting exchange orders in batches (Bitget UTA, Hyperliquid).",
        "hooks": [
            {
                "integration-name": "Batch order modification",
                "python-modules": ["airflow_batchmod.hooks.bitget", "airflow_batchmod.hooks.hyperliquid"],
            }
        ],
        "operators": [
            {
                "integration-name": "Batch order modification",
                "python-modules": ["airflow_batchmod.operators.batch_modify"],
            }
        ],
        "connection-types": [
            {
                "connection-type": "bitget",
                "hook-class-name": "airflow_batchmod.hooks.bitget.BitgetHook",
                "hook-name": "Bitget",
                "conn-fields": {
                    "passphrase": {
                        "label": "API passphrase",
                        "description": "The passphrase chosen when the API key was created.",
                        "schema": {"type": ["string", "null"], "format": "password"},
                    },
                    "demo_trading": {
                        "label": "Demo trading",
                        "description": "Send 'paptrading: 1' (a Demo API key).",
                        "schema": {"type": ["boolean", "null"], "default": False},
                    },
                },
                "ui-field-behaviour": {
                    "hidden-fields": ["schema", "port"],
                    "relabeling": {"login": "API key", "password": "API secret", "host": "Base URL"},
                    "placeholders": {"host": "https://api.bitget.com"},
                },
            },
            {
                "connection-type": "hyperliquid",
                "hook-class-name": "airflow_batchmod.hooks.hyperliquid.HyperliquidHook",
                "hook-name": "Hyperliquid",
                "conn-fields": {
                    "network": {
                        "label": "Network",
                        "description": "mainnet or testnet: decides the signature source, never the URL.",
                        "schema": {
                            "type": ["string", "null"],
                            "enum": ["mainnet", "testnet", None],
                            "default": "mainnet",
                        },
                    },
                    "vault_address": {
                        "label": "Vault or sub-account address",
                        "schema": {"type": ["string", "null"]},
                    },
                    "always_place": {
                        "label": "Always place",
                        "description": "Send the action-level 'a: true' (place the new order even if the "
                        "cancel fails); needed to modify trigger, IOC and executable GTC orders.",
                        "schema": {"type": ["boolean", "null"], "default": False},
                    },
                    "expires_after_ms": {
                        "label": "Expires after (ms)",
                        "description": "Reject the action if it reaches the exchange later than this.",
                        "schema": {"type": ["integer", "null"]},
                    },
                },
                "ui-field-behaviour": {
                    "hidden-fields": ["schema", "port"],
                    "relabeling": {"login": "Account address", "password": "Private key", "host": "Base URL"},
                    "placeholders": {"host": "https://api.hyperliquid.xyz"},
                },
            },
        ],
    }
