"""Real venue answers recorded by others (``tests/data/recorded/``), and the shape of a JSON answer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

RECORDED = Path(__file__).resolve().parents[1] / "data" / "recorded"


def recordings(venue: str, path: str | None = None) -> list[tuple[str, dict[str, Any]]]:
    """``(file name, recording)`` of ``venue``, those answering ``path`` when given, by file name."""
    found = []
    for file in sorted((RECORDED / venue).glob("*.json")):
        recording = json.loads(file.read_text())
        call = recording.get("call") or {}
        if path is None or call.get("path") == path:
            found.append((file.name, recording))
    return found


def shape_differences(recorded: object, ours: object, where: str = "", *, scalars: bool = True) -> list[str]:
    """Where ``ours`` differs from ``recorded`` in keys or JSON types, recursively (the first element
    of each list stands for all of it; an empty list on either side says nothing about the items).
    ``scalars=False`` compares objects and arrays only (a docs example's numbers may be text live)."""
    name = where or "answer"
    if isinstance(recorded, dict) and isinstance(ours, dict):
        problems = [f"{name}.{key} missing" for key in recorded if key not in ours]
        problems += [f"{name}.{key} not in the recording" for key in ours if key not in recorded]
        for key in recorded.keys() & ours.keys():
            problems += shape_differences(recorded[key], ours[key], f"{name}.{key}", scalars=scalars)
        return problems
    if isinstance(recorded, list) and isinstance(ours, list):
        if recorded and ours:
            return shape_differences(recorded[0], ours[0], f"{name}[0]", scalars=scalars)
        return []
    containers = ("object", "array")
    if not scalars and _json_type(recorded) not in containers and _json_type(ours) not in containers:
        return []
    if _json_type(recorded) != _json_type(ours):
        return [f"{name} is {_json_type(ours)}, recorded {_json_type(recorded)}"]
    return []


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"
