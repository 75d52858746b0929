"""Fixtures for driving the operator against the sandbox process, and for reading what a task logged."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator

import httpx
import pytest

from airflow_batchmod.testing import operator_run
from airflow_batchmod.testing.dags import sandbox_connections
from airflow_batchmod.testing.operator_run import OperatorRun
from airflow_batchmod.testing.sandbox import Sandbox

RunOperator = Callable[..., OperatorRun]


@pytest.fixture
def client(fresh_sandbox: Sandbox) -> Iterator[httpx.Client]:
    """Plain HTTP to the fresh sandbox, for tests that build requests by hand.

    The modules (and directories) that test one of our exchange clients define their own ``client``.
    """
    with httpx.Client(base_url=fresh_sandbox.url, timeout=5.0) as http:
        yield http


@pytest.fixture
def sandbox_conns(fresh_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    """The fresh sandbox, with every default-seed account available as an Airflow connection."""
    for conn_id, conn in sandbox_connections(fresh_sandbox.url).items():
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(conn))
    return fresh_sandbox


@pytest.fixture
def run_operator(sandbox_conns: Sandbox) -> RunOperator:
    """:func:`airflow_batchmod.testing.operator_run.run_operator` with the sandbox's connections set."""
    return operator_run.run_operator


class _Collector(logging.Handler):
    """Keeps every record as the text a log line would carry, traceback included."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = f"{record.name} {record.levelname} {record.getMessage()}"
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        self.lines.append(text)


@pytest.fixture
def task_logs(capsys: pytest.CaptureFixture[str]) -> Iterator[Callable[[], str]]:
    """Everything logged at DEBUG and everything written to stdout/stderr, as one text."""
    import airflow.sdk  # noqa: F401  # Airflow configures logging on import; hook in after it

    collector = _Collector()
    with_handler = [logging.getLogger(), logging.getLogger("airflow.task")]
    loggers = [*with_handler, logging.getLogger("httpx"), logging.getLogger("httpcore")]
    levels = [(logger, logger.level) for logger in loggers]
    for logger in with_handler:
        logger.addHandler(collector)
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
    written: list[str] = []

    def text() -> str:
        captured = capsys.readouterr()
        written.extend((captured.out, captured.err))
        return "\n".join([*collector.lines, *written])

    yield text
    for logger in with_handler:
        logger.removeHandler(collector)
    for logger, level in levels:
        logger.setLevel(level)
