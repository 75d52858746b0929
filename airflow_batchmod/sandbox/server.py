"""HTTP plumbing: a threading HTTP/1.1 server whose handler can really drop a connection."""

from __future__ import annotations

import logging
import socket
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from airflow_batchmod.sandbox.app import SandboxApp
from airflow_batchmod.sandbox.wire import Request, Response

log = logging.getLogger("airflow_batchmod.sandbox.http")

#: Bodies larger than this are refused; the sandbox only ever sees small JSON documents.
MAX_BODY = 8 * 1024 * 1024


class SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], app: SandboxApp) -> None:
        self.app = app
        super().__init__(address, SandboxRequestHandler)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that hung up (a killed task, a read timeout) is one line, not a traceback."""
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError):
            log.info(
                "client %s went away before the answer was sent (%s)", client_address, type(error).__name__
            )
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


class SandboxRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: SandboxHTTPServer
    #: Idle keep-alive connections are closed after this many seconds.
    timeout = 120

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def _serve(self) -> None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self._write(Response.text("chunked bodies are not supported; send Content-Length", 411))
            self.close_connection = True
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY:
            self._write(Response.text("bad Content-Length", 400))
            self.close_connection = True
            return
        # Read the whole body before anything else, so keep-alive never sees a half-read request.
        body = self.rfile.read(length) if length else b""
        request = Request.from_target(
            self.command, self.path, dict(self.headers.items()), body, client=self.client_address[0]
        )
        try:
            response = self.server.app.handle(request)
        except Exception:
            log.exception("unhandled error for %s %s", self.command, self.path)
            response = Response.json({"error": "sandbox internal error"}, status=500)
        if response.drop:
            self._drop()
        else:
            self._write(response)

    def setup(self) -> None:
        super().setup()
        # Small request/response pairs on keep-alive connections stall ~40 ms under Nagle + delayed ACK.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _write(self, response: Response) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(response.body)

    def _drop(self) -> None:
        """Close the socket without sending a single byte of a response."""
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s - %s", self.address_string(), format % args)
