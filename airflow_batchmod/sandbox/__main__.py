"""``python -m airflow_batchmod.sandbox``: run the local Bitget + Hyperliquid sandbox exchange."""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import signal
import sys
from pathlib import Path
from types import FrameType

from airflow_batchmod.sandbox.app import SandboxApp
from airflow_batchmod.sandbox.config import SandboxConfig
from airflow_batchmod.sandbox.seed.loading import DEFAULT_SEED_PATH, SeedError
from airflow_batchmod.sandbox.server import SandboxHTTPServer


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m airflow_batchmod.sandbox",
        description="Local sandbox exchange: Bitget UTA batch-modify and Hyperliquid /exchange + /info.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=8765, help="port to bind; 0 picks a free one (default 8765)"
    )
    parser.add_argument("--seed", type=Path, default=DEFAULT_SEED_PATH, help="seed document (JSON)")
    parser.add_argument("--port-file", type=Path, help="write the bound port here once listening")
    parser.add_argument("--latency-ms", type=int, default=0, help="latency added to every venue call")
    parser.add_argument(
        "--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"], help="log verbosity"
    )
    return parser.parse_args(argv)


def write_port_file(path: Path, port: int) -> None:
    # Write then rename, so a launcher polling the file never reads half a number.
    partial = path.with_name(path.name + ".partial")
    partial.write_text(f"{port}\n", encoding="utf-8")
    os.replace(partial, path)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not is_loopback(args.host):
        print(
            f"refusing to bind {args.host}: the sandbox only listens on loopback addresses", file=sys.stderr
        )
        return 2
    if args.latency_ms < 0:
        print("--latency-ms must not be negative", file=sys.stderr)
        return 2
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        app = SandboxApp.from_seed_file(args.seed, SandboxConfig(latency_ms=args.latency_ms))
    except (OSError, ValueError, SeedError) as exc:
        print(f"cannot load seed {args.seed}: {exc}", file=sys.stderr)
        return 2
    server = SandboxHTTPServer((args.host, args.port), app)

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    if args.port_file is not None:
        write_port_file(args.port_file, server.port)
    logging.getLogger("airflow_batchmod.sandbox").warning(
        "sandbox listening on http://%s:%d (seed %s)", args.host, server.port, args.seed
    )
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
