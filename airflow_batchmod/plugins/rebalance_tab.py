"""The Airflow plugin that adds the "Rebalance" tab to the task-instance page.

Airflow loads plugins in every process (workers and schedulers too), so this module imports
nothing but the plugin base: the FastAPI app is built on the first request the api-server hands it.
"""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from airflow.plugins_manager import AirflowPlugin

URL_PREFIX = "/batchmod"
#: The UI fills the placeholders with the task instance the page shows.
TAB_HREF = f"{URL_PREFIX}/rebalance/{{DAG_ID}}/{{RUN_ID}}/{{TASK_ID}}?map_index={{MAP_INDEX}}"


def tab_url(base_url: str, dag_id: str, run_id: str, task_id: str, map_index: int = -1) -> str:
    """The Rebalance tab of one task instance, for a message body (an approval, a chat post)."""
    from urllib.parse import quote

    path = TAB_HREF.replace("{DAG_ID}", quote(dag_id, safe="")).replace("{RUN_ID}", quote(run_id, safe=""))
    path = path.replace("{TASK_ID}", quote(task_id, safe="")).replace("{MAP_INDEX}", str(map_index))
    return base_url.rstrip("/") + path


Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class LazyApp:
    """An ASGI app that builds the real one on first use."""

    def __init__(self, factory: Callable[[], Any]) -> None:
        self._factory = factory
        self._app: Any = None
        self._lock = threading.Lock()

    def app(self) -> Any:
        with self._lock:
            if self._app is None:
                self._app = self._factory()
            return self._app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app()(scope, receive, send)


def _create_app() -> Any:
    from airflow_batchmod.plugins.app import create_app

    return create_app()


class RebalancePlugin(AirflowPlugin):
    name = "batchmod_rebalance"
    fastapi_apps = [{"app": LazyApp(_create_app), "url_prefix": URL_PREFIX, "name": "batchmod Rebalance tab"}]
    external_views = [
        {
            "name": "Rebalance",
            "href": TAB_HREF,
            "destination": "task_instance",
            "url_route": "batchmod_rebalance",
        }
    ]
