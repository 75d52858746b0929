"""``airflow api-server`` as a real process on 127.0.0.1, and headless Chromium to look at it."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

from airflow_batchmod.testing.sandbox import stop_process


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


#: The one user of the test api-server (simple auth manager), read-only like a desk's viewer.
USER, PASSWORD = "desk", "desk-viewer-password"


@contextmanager
def api_server(env: Mapping[str, str], workdir: Path, timeout: float = 180) -> Iterator[str]:
    """Start the api-server with one viewer (see :data:`USER`), yield its URL."""
    port = free_port()
    passwords = workdir / "passwords.json"
    passwords.write_text(json.dumps({USER: PASSWORD}))
    log_file = workdir / "api-server.log"
    server_env = {
        **env,
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{USER}:viewer",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
    }
    command = [sys.executable, "-m", "airflow", "api-server", "-H", "127.0.0.1", "-p", str(port), "-w", "1"]
    with log_file.open("wb") as sink:
        process = subprocess.Popen(command, env=server_env, stdout=sink, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"api-server exited:\n{log_file.read_text()[-3000:]}")
            try:
                if httpx.get(f"{url}/api/v2/monitor/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"api-server did not start:\n{log_file.read_text()[-3000:]}")
            time.sleep(1)
        yield url
    finally:
        stop_process(process, timeout=20)


def login(url: str) -> str:
    """A token for :data:`USER`, as the login page gets it."""
    response = httpx.post(f"{url}/auth/token", json={"username": USER, "password": PASSWORD}, timeout=30)
    response.raise_for_status()
    token: str = response.json()["access_token"]
    return token


class _SignedInProxy(BaseHTTPRequestHandler):
    """Forwards GETs to the api-server with the signed-in user's token, as the UI's browser
    session would carry it; Chromium's command line has no way to send a header or cookie."""

    target = ""
    token = ""

    def do_GET(self) -> None:
        answer = httpx.get(
            self.target + self.path, headers={"Authorization": f"Bearer {self.token}"}, timeout=60
        )
        self.send_response(answer.status_code)
        self.send_header("Content-Type", answer.headers.get("content-type", "text/html"))
        self.send_header("Content-Length", str(len(answer.content)))
        self.end_headers()
        self.wfile.write(answer.content)

    def log_message(self, format: str, *args: object) -> None:
        return


@contextmanager
def signed_in(url: str) -> Iterator[str]:
    """A local URL that shows ``url`` to a signed-in viewer."""
    handler = type("Proxy", (_SignedInProxy,), {"target": url, "token": login(url)})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def chromium() -> str:
    """Debian's ``chromium`` (``make browser`` installs it)."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        raise RuntimeError("chromium is not installed: run `make browser` (apt-get install chromium)")
    return found


def _chromium_args(profile: Path) -> list[str]:
    # --no-sandbox: CI containers run as root, where Chromium's sandbox cannot start.
    return [
        chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
    ]


def dump_dom(url: str, profile: Path, timeout: float = 120) -> str:
    """The page's DOM after Chromium loaded it (scripts ran)."""
    result = subprocess.run(
        [*_chromium_args(profile), "--dump-dom", url],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
    )
    return result.stdout


def screenshot(url: str, profile: Path, target: Path, size: str = "1000,900", timeout: float = 120) -> None:
    subprocess.run(
        [
            *_chromium_args(profile),
            f"--screenshot={target}",
            f"--window-size={size}",
            "--hide-scrollbars",
            url,
        ],
        capture_output=True,
        timeout=timeout,
        check=True,
    )
