"""Files under ``tests/data/``: fixed inputs that the tests read, kept in the repository."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parents[1] / "data"


def read_json(name: str) -> Any:
    """The JSON document ``tests/data/<name>``; a missing file is an error, never a skip."""
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))
