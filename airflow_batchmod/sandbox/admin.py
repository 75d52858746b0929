"""The ``/sandbox/*`` admin API: reset, state, faults, config, market moves and the request log."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from airflow_batchmod.sandbox import market
from airflow_batchmod.sandbox.config import SandboxConfig
from airflow_batchmod.sandbox.faults import FaultInjector
from airflow_batchmod.sandbox.requestlog import RequestLog
from airflow_batchmod.sandbox.seed.loading import SeedError
from airflow_batchmod.sandbox.wire import Request, Response, parse_json
from airflow_batchmod.sandbox.world import World


class Administered(Protocol):
    """What the admin API reads and changes: the sandbox application, seen from here (no import
    of the app, which routes ``/sandbox/*`` requests to this module)."""

    world: World
    faults: FaultInjector
    log: RequestLog
    clock: Callable[[], float]

    @property
    def config(self) -> SandboxConfig: ...

    def reset(self, document: Any) -> dict[str, int]: ...

    def configure(self, changes: Any) -> None: ...


def _bad(message: str) -> Response:
    return Response.json({"error": message}, status=400)


def handle_admin(app: Administered, request: Request) -> Response:
    """Answer one ``/sandbox/*`` request against ``app``."""
    route = (request.method, request.path.rstrip("/"))
    try:
        body = parse_json(request.body) if request.body.strip() else None
    except (ValueError, UnicodeDecodeError) as exc:
        return _bad(f"body is not JSON: {exc}")
    try:
        if route == ("GET", "/sandbox/health"):
            return Response.json({"ok": True})
        if route == ("POST", "/sandbox/reset"):
            return Response.json({"ok": True, **app.reset(body)})
        if route == ("GET", "/sandbox/state"):
            return Response.json(app.world.view())
        if route == ("GET", "/sandbox/faults"):
            return Response.json(app.faults.stats())
        if route == ("POST", "/sandbox/faults"):
            if not isinstance(body, dict) or set(body) - {"rules", "seed"}:
                return _bad('expected {"rules": [...], "seed": int|null}')
            app.faults.replace(body.get("rules", []), body.get("seed"))
            return Response.json({"ok": True, **app.faults.stats()})
        if route == ("DELETE", "/sandbox/faults"):
            app.faults.clear()
            return Response.json({"ok": True})
        if route == ("GET", "/sandbox/config"):
            return Response.json(app.config.to_dict())
        if route == ("POST", "/sandbox/config"):
            app.configure(body if body is not None else {})
            return Response.json(app.config.to_dict())
        if route == ("POST", "/sandbox/mark"):
            return Response.json(
                {"ok": True, **market.mark(app.world, market.parse(market.MarkRequest, body))}
            )
        if route == ("POST", "/sandbox/fill"):
            fill = market.parse(market.FillRequest, body)
            return Response.json({"ok": True, **market.fill(app.world, fill, int(app.clock() * 1000))})
        if route == ("GET", "/sandbox/requests"):
            return Response.json(app.log.entries())
        if route == ("DELETE", "/sandbox/requests"):
            app.log.clear()
            return Response.json({"ok": True})
    except SeedError as exc:
        return _bad(f"bad seed: {exc}")
    except ValueError as exc:
        return _bad(str(exc))
    return Response.json({"error": f"no admin route {request.method} {request.path}"}, status=404)
