"""The sandbox's HTTP server: a client that hung up is one log line, any other error a traceback."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from airflow_batchmod.sandbox.server import SandboxHTTPServer
from tests.support.sandbox_app import make_app, sandbox_clock


@pytest.fixture
def server() -> Iterator[SandboxHTTPServer]:
    server = SandboxHTTPServer(("127.0.0.1", 0), make_app(sandbox_clock()))
    yield server
    server.server_close()


def fail_with(server: SandboxHTTPServer, error: Exception) -> None:
    try:
        raise error
    except Exception:
        server.handle_error(None, ("127.0.0.1", 50000))


@pytest.mark.parametrize("error", [BrokenPipeError(32, "Broken pipe"), ConnectionResetError(104, "reset")])
def test_a_client_that_went_away_is_one_line(
    server: SandboxHTTPServer,
    error: Exception,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with caplog.at_level(logging.INFO, logger="airflow_batchmod.sandbox.http"):
        fail_with(server, error)
    assert capsys.readouterr().err == ""
    [record] = caplog.records
    assert "went away" in record.getMessage() and type(error).__name__ in record.getMessage()


def test_any_other_error_keeps_its_traceback(
    server: SandboxHTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    fail_with(server, ValueError("a bug in the sandbox"))
    assert "Traceback" in capsys.readouterr().err
