"""No secret shows when a server echoes credentials, authentication fails or a Hyperliquid key is bad."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from airflow_batchmod.exchanges.bitget.client import BitgetClient
from airflow_batchmod.exchanges.hyperliquid.client import HyperliquidClient
from airflow_batchmod.testing.dags import sandbox_connections
from airflow_batchmod.testing.sandbox import Sandbox
from tests.integration.conftest import RunOperator
from tests.support.secret_search import (
    BITGET_SECRET,
    FRAGMENT,
    HL_KEY,
    assert_clean,
    assert_run_clean,
    btc_edit,
    sol_edit,
)

# -- servers that echo -------------------------------------------------------------------------------


class EchoOnce(httpx.BaseTransport):
    """Passes everything to the sandbox, except that the first request to ``path`` gets ``answer``.

    The sandbox never echoes credentials, so a server that does is played here.
    """

    def __init__(self, path: str, answer: Callable[[httpx.Request], httpx.Response]) -> None:
        self._real = httpx.HTTPTransport()
        self._path = path
        self._answer = answer
        self.answered = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == self._path and not self.answered:
            self.answered += 1
            request.read()
            return self._answer(request)
        return self._real.handle_request(request)

    def close(self) -> None:
        self._real.close()


def _use_transport(
    monkeypatch: pytest.MonkeyPatch, client_class: Any, transport: httpx.BaseTransport
) -> None:
    """Make every client the hooks build send through ``transport``."""
    original = client_class.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **{**kwargs, "transport": transport})

    monkeypatch.setattr(client_class, "__init__", init)


def _bitget_echo(request: httpx.Request) -> str:
    return (
        f"echo key={request.headers['ACCESS-KEY']} passphrase={request.headers['ACCESS-PASSPHRASE']} "
        f"secret={BITGET_SECRET} body={request.content.decode()}"
    )


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(
            lambda r: httpx.Response(400, json={"code": "40012", "msg": _bitget_echo(r), "data": None}),
            id="auth-refusal",
        ),
        pytest.param(
            lambda r: httpx.Response(200, json={"code": "40010", "msg": _bitget_echo(r), "data": None}),
            id="outcome-unknown",
        ),
        pytest.param(
            lambda r: httpx.Response(
                200,
                json={
                    "code": "00000",
                    "msg": "success",
                    "data": [
                        {"orderId": o["orderId"], "code": "25204", "msg": _bitget_echo(r)}
                        for o in json.loads(r.content)
                    ],
                },
            ),
            id="per-item",
        ),
        pytest.param(lambda r: httpx.Response(502, text=_bitget_echo(r)), id="gateway-page"),
    ],
)
def test_bitget_answers_that_echo_credentials_are_redacted(
    run_operator: RunOperator,
    task_logs: Callable[[], str],
    monkeypatch: pytest.MonkeyPatch,
    answer: Callable[[httpx.Request], httpx.Response],
) -> None:

    transport = EchoOnce("/api/v3/trade/batch-modify-order", answer)
    _use_transport(monkeypatch, BitgetClient, transport)
    run = run_operator("bitget_default", [btc_edit("1001", "59895.5"), btc_edit("1002", "59795.5")])
    assert transport.answered == 1
    assert run.report is not None and len(run.report["edits"]) == 2
    assert_run_clean(run, task_logs())


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(
            lambda r: httpx.Response(
                200, json={"status": "err", "response": f"signer does not exist: {HL_KEY}"}
            ),
            id="action-refused",
        ),
        pytest.param(
            lambda r: httpx.Response(
                200,
                json={
                    "status": "ok",
                    "response": {"type": "order", "data": {"statuses": [{"error": f"bad key {HL_KEY}"}] * 2}},
                },
            ),
            id="per-order-error",
        ),
        pytest.param(lambda r: httpx.Response(422, text=f"cannot parse {HL_KEY}"), id="http-422"),
        pytest.param(lambda r: httpx.Response(200, text=f"<html>{HL_KEY.upper()}</html>"), id="not-json"),
    ],
)
def test_hyperliquid_answers_that_echo_the_key_are_redacted(
    run_operator: RunOperator,
    task_logs: Callable[[], str],
    monkeypatch: pytest.MonkeyPatch,
    answer: Callable[[httpx.Request], httpx.Response],
) -> None:

    transport = EchoOnce("/exchange", answer)
    _use_transport(monkeypatch, HyperliquidClient, transport)
    run = run_operator("hyperliquid_default", [sol_edit(1000037, "148.5"), sol_edit(1000038, "147.5")])
    assert transport.answered == 1
    assert run.report is not None and len(run.report["edits"]) == 2
    assert_run_clean(run, task_logs())


# -- failed authentication and bad keys ------------------------------------------------------------


def _set_conn(
    monkeypatch: pytest.MonkeyPatch, sandbox: Sandbox, conn_id: str, like: str, **changes: Any
) -> None:
    """Connection ``conn_id``: a copy of the sandbox connection ``like`` with ``changes``."""
    conn = {**sandbox_connections(sandbox.url)[like], **changes}
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(conn))


WRONG_PASSPHRASE = "wrong_pass_7f3a9c"
WRONG_SECRET = "wrong_secret_8e21b4"


@pytest.mark.parametrize(
    ("changes", "code", "wrong"),
    [
        ({"extra": {"passphrase": WRONG_PASSPHRASE}}, "40012", WRONG_PASSPHRASE),
        ({"password": WRONG_SECRET}, "40009", WRONG_SECRET),
    ],
    ids=["wrong-passphrase", "wrong-secret"],
)
def test_bitget_failed_auth_shows_neither_the_real_nor_the_wrong_credentials(
    run_operator: RunOperator,
    sandbox_conns: Sandbox,
    task_logs: Callable[[], str],
    monkeypatch: pytest.MonkeyPatch,
    changes: dict[str, Any],
    code: str,
    wrong: str,
) -> None:
    from airflow.sdk.exceptions import AirflowFailException

    from airflow_batchmod.exchanges.base import FatalRequestError
    from airflow_batchmod.hooks.bitget import BitgetHook

    _set_conn(monkeypatch, sandbox_conns, "bitget_bad", "bitget_default", **changes)
    run = run_operator("bitget_bad", [btc_edit("1001", "59895.5")])
    # The plan's signed book read is refused: the task fails for good before anything is sent.
    assert type(run.error) is AirflowFailException
    assert f"code {code}" in str(run.error)
    assert run.report is None
    assert [r for r in sandbox_conns.requests() if r["endpoint"] == "modify"] == []
    ok, message = BitgetHook("bitget_bad").test_connection()
    assert not ok and code in message
    client = BitgetHook("bitget_bad").get_client()
    try:
        with pytest.raises(FatalRequestError) as raised:
            client.account_settings()
    finally:
        client.close()
    assert raised.value.code == code
    texts = [task_logs(), message, str(raised.value), repr(client), str(run.error)]
    for text in texts:
        assert_clean(text, "a failed-auth artefact")
        assert wrong not in text and wrong.upper() not in text.upper()
    assert_run_clean(run, "")


UNKNOWN_KEY = "0x" + "4d" * 32  # a valid key the sandbox has never heard of

BAD_KEYS = [
    pytest.param("0x" + "zz" * 32, id="not-hex"),
    pytest.param("0x1234abcd", id="too-short"),
    pytest.param("0x" + "00" * 32, id="zero"),
    pytest.param("0x" + "ff" * 32, id="above-curve-order"),
    pytest.param(HL_KEY + "00", id="too-long"),
    pytest.param(" " + HL_KEY[:-1] + "g", id="one-bad-digit"),
]


@pytest.mark.parametrize("bad_key", BAD_KEYS)
def test_a_bad_private_key_is_refused_without_being_shown(
    run_operator: RunOperator,
    sandbox_conns: Sandbox,
    task_logs: Callable[[], str],
    monkeypatch: pytest.MonkeyPatch,
    bad_key: str,
) -> None:
    from airflow.sdk.exceptions import AirflowFailException

    from airflow_batchmod.hooks.hyperliquid import HyperliquidHook

    _set_conn(monkeypatch, sandbox_conns, "hyperliquid_bad", "hyperliquid_default", password=bad_key)
    run = run_operator("hyperliquid_bad", [sol_edit()])
    assert type(run.error) is AirflowFailException
    assert "not usable" in str(run.error)
    ok, message = HyperliquidHook("hyperliquid_bad").test_connection()
    assert not ok
    bare = bad_key.strip().removeprefix("0x")
    for text in (task_logs(), str(run.error), repr(run.error.__cause__), message):
        assert_clean(text, "a bad-key artefact")
        assert bare.lower() not in text.lower()
        assert bare[:FRAGMENT].lower() not in text.lower()
    assert [r for r in sandbox_conns.requests() if r["endpoint"] == "modify"] == []


def test_an_unknown_but_valid_key_fails_without_being_shown(
    run_operator: RunOperator,
    sandbox_conns: Sandbox,
    task_logs: Callable[[], str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from airflow_batchmod.hooks.hyperliquid import HyperliquidHook

    _set_conn(monkeypatch, sandbox_conns, "hyperliquid_unknown", "hyperliquid_default", password=UNKNOWN_KEY)
    run = run_operator("hyperliquid_unknown", [sol_edit()])
    assert run.report is not None
    # The login names the account, so the book is read and the edit sent: the venue refuses the
    # signer, and the refusal (which echoes the recovered address) is what the report carries.
    entry = run.report["edits"][0]
    assert entry["status"] == "failed" and "does not exist" in entry["message"]
    # The connection test asks the venue whose key this is: neither the account nor its agent.
    ok, message = HyperliquidHook("hyperliquid_unknown").test_connection()
    assert not ok and "is neither account" in message
    logs = task_logs()
    for text in (logs, str(run.error), json.dumps(run.report), message):
        assert UNKNOWN_KEY.removeprefix("0x") not in text
        assert "4d" * (FRAGMENT // 2) not in text.lower()
    assert_run_clean(run, logs)
