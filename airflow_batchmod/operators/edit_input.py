"""Reading the operator's ``edits`` argument as rendered: a list, a mapping or JSON text."""

from __future__ import annotations

import json
from typing import Any

from airflow.sdk.exceptions import AirflowFailException


def read_edits(edits: Any) -> list[Any]:
    """The input list: a list, a tuple, ``{"edits": [...]}`` or the JSON text of one of those."""
    if isinstance(edits, str):
        try:
            edits = json.loads(edits)
        except json.JSONDecodeError as exc:
            raise AirflowFailException(f"edits is text but not JSON: {exc.msg} at {exc.pos}") from None
    if isinstance(edits, dict) and isinstance(edits.get("edits"), list):
        edits = edits["edits"]
    if isinstance(edits, tuple):
        edits = list(edits)
    if not isinstance(edits, list):
        raise AirflowFailException(f"edits must be a list of edits, got {type(edits).__name__}")
    return edits
