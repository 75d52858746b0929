"""The Bitget secret and passphrase and the Hyperliquid private key never show up anywhere people look.

Places searched: every log record at DEBUG (root, ``airflow.task``, httpx and httpcore), everything
written to stdout and stderr (the task logger renders there), the XCom report, rendered template
fields, exception messages, and the ``repr``/``str`` of hooks, clients and credentials. Each secret
is searched in several spellings: as is, upper and lower case, hex without ``0x``, base64, and any
long fragment of it (an echo cut at 40 characters still gives most of a key away).
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from airflow_batchmod.exchanges.bitget.client import BitgetClient
from airflow_batchmod.exchanges.hyperliquid.client import HyperliquidClient
from airflow_batchmod.testing.dags import SANDBOX_ACCOUNTS, sandbox_connections
from airflow_batchmod.testing.operator_run import OperatorRun, execute_operator
from airflow_batchmod.testing.sandbox import Sandbox
from tests.integration.conftest import RunOperator

BITGET_KEY = str(SANDBOX_ACCOUNTS["bitget_default"]["login"])
BITGET_SECRET = str(SANDBOX_ACCOUNTS["bitget_default"]["password"])
BITGET_PASSPHRASE = str(SANDBOX_ACCOUNTS["bitget_default"]["extra"]["passphrase"])
HL_KEY = str(SANDBOX_ACCOUNTS["hyperliquid_default"]["password"])

SECRETS = {
    "Bitget API secret": BITGET_SECRET,
    "Bitget passphrase": BITGET_PASSPHRASE,
    "Hyperliquid key": HL_KEY,
}

#: A fragment this long of a secret is a leak (the default key's hex repeats, so shorter windows
#: could match innocent digits; 16 hex characters are 64 bits of a key).
FRAGMENT = 16


def secret_forms(secret: str) -> set[str]:
    """The spellings of ``secret`` that count as showing it."""
    bare = secret.removeprefix("0x")
    forms = {secret, bare, secret.upper(), secret.lower(), bare.upper(), bare.lower()}
    forms.add(base64.b64encode(secret.encode()).decode())
    forms.add(base64.b64encode(bare.encode()).decode())
    if len(bare) % 2 == 0 and all(c in "0123456789abcdefABCDEF" for c in bare):
        raw = bytes.fromhex(bare)
        forms.add(base64.b64encode(raw).decode())
        forms.add(base64.urlsafe_b64encode(raw).decode().rstrip("="))
    if len(bare) > FRAGMENT:
        forms.update(bare[i : i + FRAGMENT] for i in range(len(bare) - FRAGMENT + 1))
    return forms


def leaks(text: str) -> list[str]:
    """Where ``text`` shows a secret: for each secret found, its longest spelling and the text around it."""
    lowered = text.lower()
    found = []
    for name, secret in SECRETS.items():
        hits = [form for form in secret_forms(secret) if form.lower() in lowered]
        if hits:
            form = max(hits, key=len)
            at = lowered.index(form.lower())
            found.append(f"{name} as {form!r} in ...{text[max(0, at - 80) : at + len(form) + 40]!r}...")
    return found


def assert_clean(text: str, where: str) -> None:
    found = leaks(text)
    assert not found, f"{where} shows " + "\n".join(found)


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


def assert_run_clean(run: OperatorRun, logs: str) -> None:
    """Nothing the run left behind shows a secret: logs, report, XCom, the exception and its chain."""
    assert_clean(logs, "the task log")
    assert_clean(json.dumps(run.report), "the returned report")
    assert_clean(json.dumps(run.ti.xcoms), "the XCom")
    error: BaseException | None = run.error
    while error is not None:
        assert_clean(f"{type(error).__name__}: {error} {error!r}", "the exception")
        error = error.__cause__ or error.__context__


def sol_edit(oid: int = 1000037, price: str = "148.5") -> dict[str, Any]:
    return {"oid": oid, "coin": "SOL", "is_buy": True, "price": price, "size": "2"}


def btc_edit(order_id: str = "1001", price: str = "59895.5") -> dict[str, Any]:
    return {"orderId": order_id, "symbol": "BTCUSDT", "category": "USDT-FUTURES", "price": price}


# -- the search itself -----------------------------------------------------------------------


def test_the_search_finds_every_spelling() -> None:
    """Guards the guard: a leak in any of these spellings must be caught."""
    bare = HL_KEY.removeprefix("0x")
    for text in (
        f"x {BITGET_SECRET} y",
        BITGET_PASSPHRASE.upper(),
        bare.upper(),
        "got '" + HL_KEY[:37] + "...'",
        base64.b64encode(bytes.fromhex(bare)).decode(),
        base64.b64encode(BITGET_SECRET.encode()).decode(),
    ):
        assert leaks(text), text
    assert leaks("orderId=1001 BTCUSDT price=59895.5 0x14791697260e4c9a71f18484c9f997b308e59325") == []


# -- a normal run, at DEBUG --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("conn_id", "edits"),
    [
        (
            "bitget_default",
            [btc_edit("1001", "59895.5"), btc_edit("1002", "59795.5"), btc_edit("9002", "59010")],
        ),
        (
            "hyperliquid_default",
            [sol_edit(1000037, "148.5"), sol_edit(1000038, "147.5"), sol_edit(99, "140")],
        ),
    ],
)
def test_a_normal_run_at_debug_shows_no_secret(
    run_operator: RunOperator, task_logs: Callable[[], str], conn_id: str, edits: list[dict[str, Any]]
) -> None:
    run = run_operator(conn_id, edits)
    logs = task_logs()
    # The capture must really hold the run's logs, or a clean result means nothing.
    assert "HTTP Request: POST" in logs  # httpx at DEBUG/INFO
    assert "send_request_headers" in logs  # httpcore at DEBUG
    assert "edit #0" in logs and "Summary for apply_edits" in logs
    assert run.report is not None
    # The third order is not open: the plan names its state without sending it.
    assert [e["status"] for e in run.report["edits"]] == ["modified", "modified", "not_open"]
    assert_run_clean(run, logs)


# -- input that echoes a secret ------------------------------------------------------------------

BITGET_ECHOES = [
    pytest.param({**btc_edit(), "price": BITGET_SECRET}, id="price"),
    pytest.param({**btc_edit(), "qty": BITGET_PASSPHRASE}, id="qty"),
    pytest.param({**btc_edit(), "orderId": BITGET_SECRET + "!"}, id="orderId"),
    pytest.param({**btc_edit(), "clientOid": BITGET_PASSPHRASE + " x", "orderId": None}, id="clientOid"),
    pytest.param({**btc_edit(), "symbol": BITGET_SECRET}, id="symbol-upper-cased"),
    pytest.param({**btc_edit(), "category": BITGET_PASSPHRASE}, id="category"),
    pytest.param({**btc_edit(), "autoCancel": BITGET_SECRET}, id="autoCancel"),
    pytest.param({**btc_edit(), BITGET_SECRET: 1}, id="unknown-key"),
    pytest.param({**btc_edit(), "price": {"nested": [BITGET_PASSPHRASE]}}, id="nested"),
    pytest.param(BITGET_SECRET, id="non-dict"),
]

HL_ECHOES = [
    pytest.param({**sol_edit(), "new_cloid": HL_KEY}, id="new_cloid"),
    pytest.param({**sol_edit(), "oid": HL_KEY}, id="oid"),
    pytest.param({**sol_edit(), "coin": HL_KEY}, id="coin"),
    pytest.param({**sol_edit(), "price": HL_KEY}, id="price"),
    pytest.param({**sol_edit(), HL_KEY: True}, id="unknown-key"),
    pytest.param({"oid": 1000037, "order": {"a": HL_KEY}}, id="wire-form"),
    pytest.param(HL_KEY.removeprefix("0x"), id="non-dict-bare-hex"),
]


@pytest.mark.parametrize("on_invalid", ["fail", "skip"])
@pytest.mark.parametrize("bad", BITGET_ECHOES)
def test_bitget_validation_errors_do_not_echo_secrets(
    run_operator: RunOperator, task_logs: Callable[[], str], bad: Any, on_invalid: str
) -> None:
    run = run_operator("bitget_default", [btc_edit("1002", "59795.5"), bad], on_invalid=on_invalid)
    assert run.error is not None
    assert run.report is not None and run.report["edits"][1]["status"] == "invalid"
    if on_invalid == "fail":
        assert "edit #1" in str(run.error)
    assert_run_clean(run, task_logs())


@pytest.mark.parametrize("on_invalid", ["fail", "skip"])
@pytest.mark.parametrize("bad", HL_ECHOES)
def test_hyperliquid_validation_errors_do_not_echo_the_key(
    run_operator: RunOperator, task_logs: Callable[[], str], bad: Any, on_invalid: str
) -> None:
    run = run_operator("hyperliquid_default", [sol_edit(1000038, "147.5"), bad], on_invalid=on_invalid)
    assert run.error is not None
    assert run.report is not None and run.report["edits"][1]["status"] == "invalid"
    if on_invalid == "fail":
        assert "edit #1" in str(run.error)
    assert_run_clean(run, task_logs())


# -- templates -----------------------------------------------------------------------------------


def _template_context() -> dict[str, Any]:
    from airflow.sdk.execution_time.context import ConnectionAccessor

    return {
        "conn": ConnectionAccessor(),
        "params": {"conn_id": "bitget_default", "bump": "5"},
        "ds": "2024-01-01",
    }


def test_rendered_fields_of_normal_templates_hold_no_secret(sandbox_conns: Sandbox) -> None:
    from airflow_batchmod.operators.batch_modify import BatchModifyOrdersOperator

    op = BatchModifyOrdersOperator(
        task_id="apply_edits",
        conn_id="{{ params.conn_id }}",
        edits='[{"orderId": "1001", "symbol": "BTCUSDT", "category": "USDT-FUTURES", '
        '"price": "5990{{ params.bump }}"}]',
        report_path="file:///tmp/reports/{{ ds }}",
    )
    context: Any = _template_context()
    op.render_template_fields(context)
    assert op.conn_id == "bitget_default"
    assert json.loads(op.edits)[0]["price"] == "59905"
    assert op.report_path == "file:///tmp/reports/2024-01-01"
    assert_clean(json.dumps([op.conn_id, op.edits, op.report_path]), "the rendered fields")


def test_a_template_that_pulls_a_secret_into_an_edit_is_not_echoed(
    sandbox_conns: Sandbox, task_logs: Callable[[], str]
) -> None:
    """Rendering ``conn.<id>.password`` is Airflow's business; echoing it back out is ours."""
    from airflow.sdk.exceptions import AirflowFailException

    from airflow_batchmod.operators.batch_modify import BatchModifyOrdersOperator

    op = BatchModifyOrdersOperator(
        task_id="apply_edits",
        conn_id="bitget_default",
        edits='[{"orderId": "1001", "symbol": "BTCUSDT", "category": "USDT-FUTURES", '
        '"price": "{{ conn.bitget_default.password }}"}]',
    )
    context: Any = _template_context()
    op.render_template_fields(context)
    assert BITGET_SECRET in op.edits  # Airflow rendered it; what follows is the operator's part
    run = execute_operator(op, context=context)
    assert isinstance(run.error, AirflowFailException)
    assert "edit #0" in str(run.error)
    assert_clean(str(run.error), "the validation error")
    assert_clean(json.dumps(run.xcoms), "the XCom")
    assert_clean(task_logs(), "the task log")


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


# -- reprs -------------------------------------------------------------------------------------------


def test_reprs_of_hooks_clients_and_credentials_hold_no_secret(sandbox_conns: Sandbox) -> None:
    from airflow_batchmod.exchanges.bitget.client import BitgetClient, BitgetCredentials
    from airflow_batchmod.exchanges.hyperliquid.client import HyperliquidClient
    from airflow_batchmod.hooks.bitget import BitgetHook
    from airflow_batchmod.hooks.hyperliquid import HyperliquidHook

    credentials = BitgetCredentials(api_key=BITGET_KEY, secret=BITGET_SECRET, passphrase=BITGET_PASSPHRASE)
    bitget_hook = BitgetHook("bitget_default")
    hl_hook = HyperliquidHook("hyperliquid_default")
    bitget_client = bitget_hook.get_client()
    hl_client = hl_hook.get_client()
    direct_bitget = BitgetClient(credentials, base_url=sandbox_conns.url)
    direct_hl = HyperliquidClient(HL_KEY, base_url=sandbox_conns.url)
    try:
        objects: list[object] = [
            credentials,
            bitget_hook,
            hl_hook,
            bitget_client,
            hl_client,
            direct_bitget,
            direct_hl,
        ]
        for obj in objects:
            shown = f"{obj!r} {obj!s} {[obj]!r} { ({'x': obj})!s} {obj:}"
            assert_clean(shown, f"repr/str of {type(obj).__name__}")
        # The clients' own attributes, as a debugger or a careless log of vars() would show them.
        for client in (bitget_client, hl_client):
            assert_clean(repr(vars(client)), f"vars() of {type(client).__name__}")
    finally:
        for client in (bitget_client, hl_client, direct_bitget, direct_hl):
            client.close()


def test_hooks_register_every_spelling_with_airflows_log_masker(sandbox_conns: Sandbox) -> None:
    """In a real task Airflow's masker is the last line of defence for logs; it matches exactly."""
    from airflow.sdk._shared.secrets_masker import redact as airflow_redact

    from airflow_batchmod.hooks.bitget import BitgetHook
    from airflow_batchmod.hooks.hyperliquid import HyperliquidHook

    BitgetHook("bitget_default").get_client().close()
    HyperliquidHook("hyperliquid_default").get_client().close()
    bare = HL_KEY.removeprefix("0x")
    for spelling in (BITGET_SECRET, BITGET_PASSPHRASE, HL_KEY, bare, bare.upper(), HL_KEY.upper()):
        masked = str(airflow_redact(f"before {spelling} after"))
        assert_clean(masked, f"Airflow's masking of {spelling[:6]}...")


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
