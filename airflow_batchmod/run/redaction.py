"""What the run logs through, and keeping secrets out of what a task logs and reports."""

from __future__ import annotations

import traceback
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from airflow_batchmod.exchanges.base import redact
from airflow_batchmod.run.records import EditRecord


class RunLog(Protocol):
    """The logging calls the run makes: stdlib loggers and Airflow's task logger both fit."""

    def info(self, msg: Any, /, *args: Any) -> Any: ...

    def warning(self, msg: Any, /, *args: Any) -> Any: ...

    def exception(self, msg: Any, /, *args: Any) -> Any: ...


class Scrubber:
    """Takes every form of a client's credentials out of text (see :func:`redact`)."""

    def __init__(self, secrets: Sequence[str]) -> None:
        self._secrets = list(secrets)

    def __call__(self, text: str) -> str:
        return redact(text, self._secrets)

    def records(self, records: list[EditRecord]) -> list[EditRecord]:
        """Scrub the text an exchange or the input may have put in the records, in place."""
        for record in records:
            record.label = self(record.label)
            record.order = self(record.order)
            if record.message:
                record.message = self(record.message)
        return records


class RedactingLog:
    """A task logger with secrets taken out of every formatted line."""

    def __init__(self, log: Any, scrub: Callable[[str], str]) -> None:
        self._log = log
        self._scrub = scrub

    def _text(self, msg: Any, args: tuple[Any, ...]) -> str:
        return self._scrub(str(msg) % args if args else str(msg))

    def info(self, msg: Any, /, *args: Any) -> None:
        self._log.info("%s", self._text(msg, args))

    def warning(self, msg: Any, /, *args: Any) -> None:
        self._log.warning("%s", self._text(msg, args))

    def exception(self, msg: Any, /, *args: Any) -> None:
        self._log.error("%s\n%s", self._text(msg, args), self._scrub(traceback.format_exc()))
