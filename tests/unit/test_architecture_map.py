"""``docs/architecture.md`` is a true map: every module it names exists, and it names every module.

Paths in backticks are read relative to the package (``tests/...`` and the like from the
repository root); ``<venue>`` stands for each venue (each
expansion must exist) and ``{a,b}`` for each name listed.
"""

from __future__ import annotations

import re
from pathlib import Path

import airflow_batchmod

PACKAGE = Path(airflow_batchmod.__file__).parent
MAP = PACKAGE.parent / "docs" / "architecture.md"
#: Paths under these are read from the repository root; the rest from the package.
REPOSITORY_DIRS = ("tests/", "benchmarks/", "scripts/", "dags_examples/")
VENUES = sorted(p.name for p in (PACKAGE / "exchanges").iterdir() if (p / "__init__.py").is_file())


def expand(pattern: str) -> list[str]:
    """Every path a map pattern stands for."""
    if "<venue>" in pattern:
        return [path for venue in VENUES for path in expand(pattern.replace("<venue>", venue))]
    braces = re.search(r"\{([^{}]+)\}", pattern)
    if braces:
        head, tail = pattern[: braces.start()], pattern[braces.end() :]
        return [path for name in braces.group(1).split(",") for path in expand(f"{head}{name}{tail}")]
    return [pattern]


def named_in(text: str) -> list[str]:
    """Every module path the text names in backticks."""
    return [path for span in re.findall(r"`([^`\s]+\.py)`", text) for path in expand(span)]


def package_modules() -> list[str]:
    return sorted(str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py") if p.name != "__init__.py")


def test_every_module_the_map_names_exists() -> None:
    named = named_in(MAP.read_text(encoding="utf-8"))
    assert len(named) > 50  # the reader found the map's paths
    root = PACKAGE.parent
    missing = [
        p for p in set(named) if not (root / p if p.startswith(REPOSITORY_DIRS) else PACKAGE / p).is_file()
    ]
    assert sorted(missing) == []


def test_the_map_names_every_module() -> None:
    named = set(named_in(MAP.read_text(encoding="utf-8")))
    assert [module for module in package_modules() if module not in named] == []


def test_the_reader_expands_venues_and_lists() -> None:
    assert named_in("see `exchanges/<venue>/{book,planning}.py` and `run/engine.py`") == [
        "exchanges/bitget/book.py",
        "exchanges/bitget/planning.py",
        "exchanges/hyperliquid/book.py",
        "exchanges/hyperliquid/planning.py",
        "run/engine.py",
    ]
