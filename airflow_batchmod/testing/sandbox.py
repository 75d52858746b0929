"""Start a real sandbox process for tests and drive its admin API.

``start_sandbox()`` runs ``python -m airflow_batchmod.sandbox`` on a free loopback port, so the
tests talk to the same HTTP stack (keep-alive, dropped sockets, latency) that the demo uses.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from airflow_batchmod.sandbox.seed.loading import DEFAULT_SEED_PATH

#: The seed shipped with the package; ``make demo`` and the test suite use it.
DEFAULT_SEED = DEFAULT_SEED_PATH

SeedSource = Mapping[str, Any] | str | Path | None

_PACKAGE_ROOT = Path(__file__).resolve().parents[2]


def load_seed_document(seed: SeedSource) -> dict[str, Any]:
    """The seed as a dict: a mapping is copied, a path is read, ``None`` means the default seed."""
    if seed is None:
        seed = DEFAULT_SEED
    if isinstance(seed, Mapping):
        return json.loads(json.dumps(seed))  # type: ignore[no-any-return]
    document = json.loads(Path(seed).read_text(encoding="utf-8"))
    if not isinstance(document, dict):
        raise ValueError(f"seed file {seed} does not hold a JSON object")
    return document


class Sandbox:
    """Handle on a running sandbox process: its base URL and admin helpers."""

    def __init__(self, url: str, process: subprocess.Popen[bytes] | None = None, workdir: Path | None = None):
        self.url = url
        self._process = process
        self._workdir = workdir
        self._http = httpx.Client(base_url=url, timeout=httpx.Timeout(10.0))

    def __repr__(self) -> str:
        return f"Sandbox(url={self.url!r})"

    # --- admin API -------------------------------------------------------------------------------
    def health(self) -> bool:
        return bool(self._admin("GET", "/sandbox/health").get("ok"))

    def reset(self, seed: SeedSource = None) -> dict[str, Any]:
        """Replace all state (orders, nonces, rate windows, faults, config) with ``seed``."""
        return self._admin("POST", "/sandbox/reset", load_seed_document(seed))

    def state(self) -> dict[str, Any]:
        return self._admin("GET", "/sandbox/state")

    def set_faults(self, rules: list[dict[str, Any]], seed: int | None = None) -> dict[str, Any]:
        return self._admin("POST", "/sandbox/faults", {"rules": rules, "seed": seed})

    def clear_faults(self) -> None:
        self._admin("DELETE", "/sandbox/faults")

    def fault_stats(self) -> dict[str, Any]:
        return self._admin("GET", "/sandbox/faults")

    def requests(self) -> list[dict[str, Any]]:
        response = self._http.get("/sandbox/requests")
        response.raise_for_status()
        entries = response.json()
        assert isinstance(entries, list)
        return entries

    def clear_requests(self) -> None:
        self._admin("DELETE", "/sandbox/requests")

    def requests_where(
        self, *, venue: str | None = None, endpoint: str | None = None, kind: str | None = None
    ) -> list[dict[str, Any]]:
        """The logged calls that match, e.g. ``kind="unfilled-orders"`` or ``endpoint="modify"``."""
        wanted = {"venue": venue, "endpoint": endpoint, "kind": kind}
        return [
            entry
            for entry in self.requests()
            if all(value is None or entry.get(key) == value for key, value in wanted.items())
        ]

    def configure(self, **settings: Any) -> dict[str, Any]:
        """Change run-time settings, e.g. ``latency_ms=50``, ``bitget_apply_delay_ms=200`` or
        ``hyperliquid_address_budget=5``."""
        return self._admin("POST", "/sandbox/config", settings)

    def mark(self, venue: str, symbol: str, price: str, *, category: str | None = None) -> dict[str, Any]:
        """Move a market price: ``mark("bitget", "BTCUSDT", "60500.0", category="USDT-FUTURES")``
        or ``mark("hyperliquid", "BTC", "60500")``."""
        body: dict[str, Any] = {"venue": venue, "symbol": symbol, "price": price}
        if category is not None:
            body["category"] = category
        return self._admin("POST", "/sandbox/mark", body)

    def fill(self, venue: str, order: str | int, size: str | None = None) -> dict[str, Any]:
        """Trade an order (orderId, clientOid, oid or cloid) as the market would; all of it without ``size``.

        Returns ``{"ok", "venue", "order": <the order's state view>}``.
        """
        body: dict[str, Any] = {"venue": venue, "order": order}
        if size is not None:
            body["size"] = size
        return self._admin("POST", "/sandbox/fill", body)

    def _admin(self, method: str, path: str, body: Any = None) -> dict[str, Any]:
        content = None if body is None else json.dumps(body).encode()
        response = self._http.request(
            method, path, content=content, headers={"Content-Type": "application/json"}
        )
        if response.status_code >= 400:
            raise RuntimeError(f"sandbox {method} {path} -> {response.status_code}: {response.text[:500]}")
        payload = response.json()
        assert isinstance(payload, dict)
        return payload

    # --- lifecycle -------------------------------------------------------------------------------
    def stop(self) -> None:
        self._http.close()
        process, self._process = self._process, None
        if process is not None:
            stop_process(process, timeout=5)
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def start_sandbox(
    seed: SeedSource = None,
    *,
    latency_ms: int = 0,
    log_level: str = "WARNING",
    startup_timeout: float = 20.0,
) -> Sandbox:
    """Start ``python -m airflow_batchmod.sandbox`` on a free 127.0.0.1 port and wait until it answers.

    Use as a context manager (``with start_sandbox() as sandbox: ...``) or call ``stop()``.
    """
    workdir = Path(tempfile.mkdtemp(prefix="batchmod-sandbox-"))
    seed_path = workdir / "seed.json"
    seed_path.write_text(json.dumps(load_seed_document(seed)), encoding="utf-8")
    port_file = workdir / "port"
    log_path = workdir / "stderr.log"
    env = dict(os.environ)
    # The child must import this very package even when it is not installed (PYTHONPATH=. runs).
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(_PACKAGE_ROOT), env.get("PYTHONPATH", "")) if p)
    command = [
        sys.executable,
        "-m",
        "airflow_batchmod.sandbox",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--port-file",
        str(port_file),
        "--seed",
        str(seed_path),
        "--latency-ms",
        str(latency_ms),
        "--log-level",
        log_level,
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log, env=env)
    sandbox: Sandbox | None = None
    try:
        port = _wait_for_port(process, port_file, log_path, startup_timeout)
        sandbox = Sandbox(f"http://127.0.0.1:{port}", process, workdir)
        _wait_for_health(sandbox, process, log_path, startup_timeout)
        return sandbox
    except BaseException:
        if sandbox is not None:
            sandbox.stop()
        else:
            process.kill()
            process.wait(timeout=5)
        raise


def _wait_for_port(process: subprocess.Popen[bytes], port_file: Path, log_path: Path, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"sandbox exited with {process.returncode}: {_tail(log_path)}")
        if port_file.exists():
            text = port_file.read_text(encoding="utf-8").strip()
            if text:
                return int(text)
        time.sleep(0.02)
    raise RuntimeError(f"sandbox did not report its port within {timeout}s: {_tail(log_path)}")


def _wait_for_health(
    sandbox: Sandbox, process: subprocess.Popen[bytes], log_path: Path, timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"sandbox exited with {process.returncode}: {_tail(log_path)}")
        try:
            if sandbox.health():
                return
        except (httpx.TransportError, RuntimeError):
            pass
        time.sleep(0.02)
    raise RuntimeError(f"sandbox did not become healthy within {timeout}s: {_tail(log_path)}")


def _tail(path: Path, limit: int = 2000) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")[-limit:]
    except OSError:
        return "(no log)"


def seed_instrument(symbol: str, category: str, seed: SeedSource = None) -> dict[str, Any]:
    """One Bitget instrument of a seed (the shipped default seed unless ``seed`` is given)."""
    instruments = load_seed_document(seed)["bitget"]["instruments"]
    for instrument in instruments:
        if instrument["symbol"] == symbol and instrument["category"] == category:
            return dict(instrument)
    raise KeyError(f"the seed has no {category} instrument {symbol}")


def stop_process(process: subprocess.Popen[Any], *, timeout: float) -> None:
    """Ask a process started for a test (sandbox, scheduler, API server) to stop; kill it when it
    has not stopped within ``timeout`` seconds."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)
