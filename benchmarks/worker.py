"""``python -m benchmarks.worker NAME PARAMS_JSON ANSWER_PATH``: one measurement in a fresh process.

Memory figures need a process that has done nothing else; see ``benchmarks.common.run_worker``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _workers() -> dict[str, Callable[[dict[str, Any]], dict[str, Any]]]:
    from benchmarks import budget_soak, memory, scaling

    return {"scaling": scaling.worker, "memory": memory.worker, "budget_soak": budget_soak.worker}


def main(argv: list[str]) -> int:
    name, params, answer = argv
    result = _workers()[name](json.loads(params))
    Path(answer).write_text(json.dumps(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
