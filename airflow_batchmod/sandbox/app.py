"""The sandbox application: routes each request, injects faults and latency, keeps the request log."""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from airflow_batchmod.sandbox.admin import handle_admin
from airflow_batchmod.sandbox.bitget.routes import BitgetVenue
from airflow_batchmod.sandbox.config import SandboxConfig
from airflow_batchmod.sandbox.faults import FaultInjector, FaultRule
from airflow_batchmod.sandbox.hyperliquid.routes import EXCHANGE_PATH, INFO_PATH, HyperliquidVenue
from airflow_batchmod.sandbox.requestlog import RequestLog
from airflow_batchmod.sandbox.seed.loading import DEFAULT_SEED_PATH, build_seed, read_seed_file
from airflow_batchmod.sandbox.wire import Call, Request, Response
from airflow_batchmod.sandbox.world import World

log = logging.getLogger("airflow_batchmod.sandbox")


class Venue(Protocol):
    name: str

    def describe(self, request: Request) -> Call: ...

    def handle(self, request: Request, rule: FaultRule | None = None) -> Response: ...

    def settle(self) -> None: ...

    def fault_response(self, rule: FaultRule) -> Response: ...

    def reset(self) -> None: ...


class SandboxApp:
    def __init__(
        self,
        seed: dict[str, Any] | None = None,
        *,
        base_config: SandboxConfig | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.clock = clock
        self._sleep = sleep
        self._base_config = base_config or SandboxConfig()
        self._config_lock = threading.Lock()
        self.config = self._base_config
        self.world = World()
        self.faults = FaultInjector()
        self.log = RequestLog()
        self.bitget = BitgetVenue(self.world, lambda: self.config, clock)
        self.hyperliquid = HyperliquidVenue(self.world, lambda: self.config, clock)
        self._startup_seed = seed if seed is not None else read_seed_file(DEFAULT_SEED_PATH)
        self.reset(self._startup_seed)

    @classmethod
    def from_seed_file(cls, path: str | Path | None, base_config: SandboxConfig | None = None) -> SandboxApp:
        return cls(read_seed_file(path or DEFAULT_SEED_PATH), base_config=base_config)

    # --- admin operations ------------------------------------------------------------------------
    def reset(self, document: Any) -> dict[str, int]:
        """Replace all state with ``document`` (``None``: the seed the process started with)."""
        seed = build_seed(
            self._startup_seed if document is None else document, self._base_config, self._now_ms()
        )
        with self.world.lock:
            self.world.replace(seed.bitget, seed.hyperliquid)
            with self._config_lock:
                self.config = seed.config
            self.bitget.reset()
            self.hyperliquid.reset()
            self.faults.clear()
        return {"bitget_orders": len(seed.bitget.orders), "hyperliquid_orders": len(seed.hyperliquid.orders)}

    def configure(self, changes: Any) -> None:
        with self._config_lock:
            self.config = self.config.updated(changes)
        if isinstance(changes, dict) and "hyperliquid_address_budget" in changes:
            with self.world.lock:
                self.world.hyperliquid.budgets.set_left_everywhere(self.config.hyperliquid_address_budget)

    def settle(self) -> None:
        """Bring the books up to now (queued Bitget modifications that are due) before anyone looks."""
        self.bitget.settle()
        self.hyperliquid.settle()

    # --- request handling ------------------------------------------------------------------------
    def venue_for(self, path: str) -> Venue | None:
        if path.startswith("/api/"):
            return self.bitget
        if path in (EXCHANGE_PATH, INFO_PATH):
            return self.hyperliquid
        return None

    def handle(self, request: Request) -> Response:
        request = dataclasses.replace(request, received_at=self.clock())
        self.settle()
        if request.path == "/sandbox" or request.path.startswith("/sandbox/"):
            return handle_admin(self, request)
        venue = self.venue_for(request.path)
        if venue is None:
            return Response.json({"error": f"no such endpoint {request.path}"}, status=404)
        call = venue.describe(request)
        entry = self.log.open(venue.name, call, request.path)
        rule = self.faults.pick(venue.name, call.endpoint)
        spike_ms = rule.latency_ms if rule is not None and rule.fault == "latency" else 0
        # A spike after applying is a slow answer to a request the venue already acted on: what a
        # client's read timeout looks like when the exchange did its work.
        slow_answer = rule is not None and rule.fault == "latency" and rule.after_apply
        delay_ms = self.config.latency_ms + (0 if slow_answer else spike_ms)
        if delay_ms:
            self._sleep(delay_ms / 1000)
        response = self._respond(venue, request, rule)
        if slow_answer:
            self._sleep(spike_ms / 1000)
        fault = rule.fault if rule is not None else None
        self.log.close(entry, None if response.drop else response.status, fault)
        log.info(
            "%s %s %s -> %s%s",
            venue.name,
            request.method,
            request.path,
            "dropped" if response.drop else response.status,
            f" (fault {fault})" if fault else "",
        )
        return response

    def _respond(self, venue: Venue, request: Request, rule: FaultRule | None) -> Response:
        if rule is None or rule.fault == "latency":
            return venue.handle(request)
        if rule.fault == "fill_before_apply":
            return venue.handle(request, rule)
        if rule.applies_first:
            venue.handle(request)  # applied; the answer is then lost or replaced
        if rule.fault in ("drop_before", "drop_after"):
            return Response.dropped()
        return venue.fault_response(rule)

    def _now_ms(self) -> int:
        return int(self.clock() * 1000)
