"""The ``/sandbox/*`` admin API: reset, state, faults, config, market moves and the request log."""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow_batchmod.sandbox import market
from airflow_batchmod.sandbox.seed.loading import SeedError
from airflow_batchmod.sandbox.wire import Request, Response, parse_json

if TYPE_CHECKING:
    from airflow_batchmod.sandbox.app import SandboxApp


def _bad(message: str) -> Response:
    return Response.json({"error": message}, status=400)


def handle_admin(app: SandboxApp, request: Request) -> Response:
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
