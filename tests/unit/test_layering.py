"""The package's layering rules, read from its source with ``ast`` (every import, also the lazy
ones inside functions and under ``TYPE_CHECKING``):

1. ``exchanges/``, ``run/`` and ``sandbox/`` import nothing from Airflow.
2. ``run/`` and ``operators/`` name no venue: they import no ``exchanges.<venue>``,
   ``hooks.<venue>`` or ``sandbox`` module, and no venue's name appears in their text.
3. Nothing in the package imports ``tests`` or ``benchmarks``.
4. Only ``testing/`` (and the sandbox itself) imports ``sandbox/``.
5. The layers point one way: ``exchanges/`` imports none of ``run/``, ``operators/``, ``hooks/``,
   ``testing/`` or ``sandbox/``; ``run/`` imports only ``exchanges/`` and itself; ``sandbox/``
   imports only itself and, of the clients' code, only ``exchanges/decimals.py`` and each
   venue's ``signing.py`` (which ``tests/foreign`` check against the official SDK and ccxt).
6. The package root holds only ``__init__.py``, ``get_provider_info.py``, ``py.typed`` and
   subpackages.

The venues are the subpackages of ``exchanges/``, so a new venue is covered without an edit here.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import airflow_batchmod

PACKAGE = Path(airflow_batchmod.__file__).parent
NAME = PACKAGE.name
VENUES = sorted(p.name for p in (PACKAGE / "exchanges").iterdir() if (p / "__init__.py").is_file())


def modules(part: str) -> list[Path]:
    """Every module of one part of the package (``run``, ``exchanges``...), or all with ``""``."""
    return sorted((PACKAGE / part).rglob("*.py"))


def dotted(path: Path, package: Path = PACKAGE) -> str:
    parts = path.relative_to(package.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, package_dir: Path = PACKAGE) -> Iterator[str]:
    """Every module name ``path`` imports, relative imports resolved."""
    module_name = dotted(path, package_dir)
    package = module_name if path.name == "__init__.py" else module_name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(p for p in (base, node.module or "") if p)
            yield module
            yield from (f"{module}.{alias.name}" for alias in node.names)


def violations(part: str, forbidden: tuple[str, ...], allowed: tuple[str, ...] = ()) -> list[str]:
    """``module -> import`` for every import in ``part`` that starts with a forbidden prefix."""
    found = []
    for path in modules(part):
        for name in imports(path):
            hit = any(name == f or name.startswith(f"{f}.") for f in forbidden)
            if hit and not any(name == a or name.startswith(f"{a}.") for a in allowed):
                found.append(f"{dotted(path)} -> {name}")
    return sorted(set(found))


def own(*parts: str) -> tuple[str, ...]:
    return tuple(f"{NAME}.{part}" for part in parts)


def test_the_venues_are_found() -> None:
    assert VENUES == ["bitget", "hyperliquid"]


@pytest.mark.parametrize("part", ["exchanges", "run", "sandbox"])
def test_airflow_free_parts_import_nothing_from_airflow(part: str) -> None:
    assert violations(part, ("airflow",)) == []


@pytest.mark.parametrize("part", ["run", "operators"])
def test_venue_neutral_parts_import_no_venue_module(part: str) -> None:
    venue_modules = own(
        *(f"{layer}.{venue}" for layer in ("exchanges", "hooks") for venue in VENUES), "sandbox"
    )
    assert violations(part, venue_modules) == []


@pytest.mark.parametrize("part", ["run", "operators"])
def test_venue_neutral_parts_name_no_venue(part: str) -> None:
    named = [
        f"{dotted(path)}: {venue}"
        for path in modules(part)
        for venue in VENUES
        if venue in path.read_text(encoding="utf-8").lower()
    ]
    assert named == []


def test_the_package_never_imports_tests_or_benchmarks() -> None:
    assert violations("", ("tests", "benchmarks")) == []


@pytest.mark.parametrize("part", ["exchanges", "run", "operators", "hooks"])
def test_only_the_test_kit_imports_the_sandbox(part: str) -> None:
    assert violations(part, own("sandbox")) == []


def test_the_exchanges_import_no_layer_above_them() -> None:
    assert violations("exchanges", own("run", "operators", "hooks", "testing", "sandbox")) == []


def test_the_run_imports_only_the_exchanges_and_itself() -> None:
    assert violations("run", (NAME,), allowed=own("exchanges", "run")) == []


def test_the_sandbox_imports_only_itself_and_the_shared_signing_and_decimals() -> None:
    shared = own("sandbox", "exchanges.decimals", *(f"exchanges.{venue}.signing" for venue in VENUES))
    assert violations("sandbox", (NAME,), allowed=shared) == []


def test_the_package_root_holds_only_the_provider() -> None:
    files = sorted(p.name for p in PACKAGE.iterdir() if p.is_file())
    assert files == ["__init__.py", "get_provider_info.py", "py.typed"]


def test_the_import_reader_sees_lazy_and_relative_imports(tmp_path: Path) -> None:
    # The rules are only as good as the reader: an import inside a function or under
    # TYPE_CHECKING, and a relative one, must all be seen.
    source = "def f():\n    from airflow.sdk import X\nif TYPE_CHECKING:\n    from .journal import J\n"
    probe = tmp_path / NAME / "run" / "probe.py"
    probe.parent.mkdir(parents=True)
    probe.write_text(source, encoding="utf-8")
    seen = set(imports(probe, tmp_path / NAME))
    assert {"airflow.sdk", f"{NAME}.run.journal", f"{NAME}.run.journal.J"} <= seen
