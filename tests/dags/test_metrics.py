"""The metrics a real DAG run sends, as a StatsD server on loopback receives them."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from airflow_batchmod.testing.dags import run_dag_test
from airflow_batchmod.testing.sandbox import DEFAULT_SEED, Sandbox

DAG_ID = "batchmod_rebalance_ladder"
STATSD_PREFIX = "desk"


class StatsdListener:
    """Collects every datagram sent to a UDP port on 127.0.0.1, one StatsD line per entry."""

    def __init__(self) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.settimeout(0.2)
        self.port: int = self.socket.getsockname()[1]
        self.lines: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._listen, daemon=True)
        self._thread.start()

    def _listen(self) -> None:
        while not self._stop.is_set():
            try:
                data = self.socket.recv(65535)
            except TimeoutError:
                continue
            self.lines.extend(data.decode("utf-8", errors="replace").splitlines())

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.socket.close()

    def batchmod(self) -> dict[str, list[str]]:
        """Our metrics by name (the part before the first ``,`` or ``:``), each with its lines,
        without Airflow's ``[metrics] statsd_prefix``."""
        found: dict[str, list[str]] = {}
        for line in self.lines:
            line = line.removeprefix(f"{STATSD_PREFIX}.")
            if line.startswith("batchmod."):
                name = line.split(":", 1)[0].split(",", 1)[0]
                found.setdefault(name, []).append(line)
        return found


@pytest.fixture
def statsd() -> Iterator[StatsdListener]:
    listener = StatsdListener()
    yield listener
    listener.close()


def test_a_dag_run_sends_counts_per_status_with_exchange_and_conn_id_tags(
    airflow_environment: dict[str, str], sandbox: Sandbox, statsd: StatsdListener
) -> None:
    sandbox.reset(DEFAULT_SEED)
    sandbox.clear_faults()
    env: dict[str, Any] = {
        **airflow_environment,
        "AIRFLOW__METRICS__STATSD_ON": "True",
        "AIRFLOW__METRICS__STATSD_HOST": "127.0.0.1",
        "AIRFLOW__METRICS__STATSD_PORT": str(statsd.port),
        "AIRFLOW__METRICS__STATSD_PREFIX": STATSD_PREFIX,
        # InfluxDB-style lines carry the tags; plain StatsD would drop them.
        "AIRFLOW__METRICS__STATSD_INFLUXDB_ENABLED": "True",
    }
    result = run_dag_test(DAG_ID, env, conf={"conn_id": "bitget_default"})
    assert result.state == "success", result.output[-5000:]
    report = result.report("apply_edits")
    metrics = statsd.batchmod()
    for status, count in report["totals"].items():
        name = f"batchmod.edits.{'total' if status == 'edits' else status}"
        (line,) = metrics[name]
        assert line == f"{name},exchange=bitget,conn_id=bitget_default:{count}|c"
    assert metrics["batchmod.edits.modified"] == [
        "batchmod.edits.modified,exchange=bitget,conn_id=bitget_default:30|c"
    ]
    assert metrics["batchmod.requests"] == [
        f"batchmod.requests,exchange=bitget,conn_id=bitget_default:{report['requests']}|c"
    ]
    for name in (
        "batchmod.requests.throttled",
        "batchmod.requests.server_errors",
        "batchmod.reconciliations",
    ):
        assert name in metrics
    assert metrics["batchmod.runs.completed"] == [
        "batchmod.runs.completed,exchange=bitget,conn_id=bitget_default:1|c"
    ]
    (timing,) = metrics["batchmod.run.duration"]
    assert timing.endswith("|ms")
    # No order id reaches the metrics store, in a name or a tag.
    order_ids = {entry["order_id"] for entry in report["edits"]}
    assert not [line for line in statsd.lines for oid in order_ids if oid in line]
