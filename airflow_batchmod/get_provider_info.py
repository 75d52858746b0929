"""Provider metadata read by Airflow through the ``apache_airflow_provider`` entry point."""

from __future__ import annotations

from typing import Any

INTEGRATION = "Batch order modification"

_PROXY_FIELD = {
    "label": "Proxy",
    "description": "An HTTP(S) proxy for all of this connection's traffic, e.g. http://proxy.example:3128.",
    "schema": {"type": ["string", "null"]},
}


#: The ``bitget`` connection type: UTA API key, secret and passphrase.
_BITGET_CONNECTION: dict[str, Any] = {
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
        "proxy": _PROXY_FIELD,
    },
    "ui-field-behaviour": {
        "hidden-fields": [],
        "relabeling": {"login": "API key", "password": "API secret", "host": "Host"},
        "placeholders": {"host": "api.bitget.com", "schema": "https", "port": "443"},
    },
}

#: The ``hyperliquid`` connection type: account address and the signing wallet's key.
_HYPERLIQUID_CONNECTION: dict[str, Any] = {
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
        "proxy": _PROXY_FIELD,
    },
    "ui-field-behaviour": {
        "hidden-fields": [],
        "relabeling": {"login": "Account address", "password": "Private key", "host": "Host"},
        "placeholders": {"host": "api.hyperliquid.xyz", "schema": "https", "port": "443"},
    },
}


def get_provider_info() -> dict[str, Any]:
    return {
        "package-name": "airflow-provider-batchmod",
        "name": "Batch order modification",
        "description": "Modify resting exchange orders in batches (Bitget UTA, Hyperliquid).",
        "integrations": [
            {
                "integration-name": INTEGRATION,
                "tags": ["service"],
            }
        ],
        "hooks": [
            {
                "integration-name": INTEGRATION,
                "python-modules": ["airflow_batchmod.hooks.bitget", "airflow_batchmod.hooks.hyperliquid"],
            }
        ],
        "operators": [
            {
                "integration-name": INTEGRATION,
                "python-modules": ["airflow_batchmod.operators.batch_modify"],
            }
        ],
        "extra-links": [
            "airflow_batchmod.operators.links.VenueAccountLink",
            "airflow_batchmod.operators.links.StoredReportLink",
        ],
        "plugins": [
            {
                "name": "batchmod_rebalance",
                "plugin-class": "airflow_batchmod.plugins.rebalance_tab.RebalancePlugin",
            }
        ],
        "asset-uris": [
            {
                "schemes": ["batchmod"],
                "handler": "airflow_batchmod.operators.lineage.sanitize_uri",
                "to_openlineage_converter": "airflow_batchmod.operators.lineage.convert_asset_to_openlineage",
                "factory": "airflow_batchmod.operators.lineage.create_asset",
            }
        ],
        "connection-types": [_BITGET_CONNECTION, _HYPERLIQUID_CONNECTION],
    }
