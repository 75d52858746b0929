"""The foreign implementations are test dependencies only: the package never imports them."""

from __future__ import annotations

import ast
from pathlib import Path

import airflow_batchmod

FOREIGN = {"hyperliquid", "ccxt"}
PACKAGE = Path(airflow_batchmod.__file__).resolve().parent


def foreign_imports(source: str) -> list[str]:
    """Top-level modules of ``FOREIGN`` that ``source`` imports (relative imports are our own)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found += [name for name in names if name.split(".")[0] in FOREIGN]
    return found


def test_the_check_finds_foreign_imports_and_passes_our_own_subpackage() -> None:
    source = (
        "import ccxt\n"
        "from hyperliquid.utils import signing\n"
        "from airflow_batchmod.exchanges.hyperliquid import wire\n"
        "from .hyperliquid import client\n"
    )
    assert foreign_imports(source) == ["ccxt", "hyperliquid.utils"]


def test_no_module_of_the_package_imports_the_sdk_or_ccxt() -> None:
    modules = sorted(PACKAGE.rglob("*.py"))
    assert len(modules) > 20  # the walk really saw the package
    offenders = {
        str(path.relative_to(PACKAGE)): names
        for path in modules
        if (names := foreign_imports(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}
