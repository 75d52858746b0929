"""OpenLineage for a batch run, and the ``batchmod`` asset scheme.

A run writes to one dataset: the account's book of resting orders. Its namespace is
``batchmod://<venue>`` plus ``.<network>`` where the client names one (``batchmod://<venue>.mainnet``),
its name the account's public identifier (an on-chain address) or, where the venue shows none
without an extra request, the connection id. The dataset's output statistics count the
modified orders (``rowCount``); a ``batchmod`` run facet carries the totals and the stop reason.

An ``Asset("batchmod://<venue>[.<network>]/<account>")`` names the same dataset, so an outlet and
the operator's own lineage agree. Everything from OpenLineage is imported inside the functions:
the provider works without it, and DAG parsing pays nothing for it.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any
from urllib.parse import SplitResult, urlsplit

if TYPE_CHECKING:
    from airflow.sdk import Asset

    from airflow_batchmod.operators.run_outcome import RunOutcome

SCHEME = "batchmod"
#: We publish no JSON schema of our own (the README's "Lineage" section describes the fields), so
#: the facet names the generic run facet it extends.
RUN_FACET_SCHEMA = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunFacet"


def dataset_namespace(venue: str, network: str | None) -> str:
    return f"{SCHEME}://{venue}.{network}" if network else f"{SCHEME}://{venue}"


def dataset_identity(outcome: RunOutcome) -> tuple[str, str]:
    """The (namespace, name) of the account a run wrote to."""
    account = outcome.account
    venue = account.venue or str(outcome.report.get("exchange", ""))
    return dataset_namespace(venue, account.network), account.name or outcome.conn_id


@functools.cache
def _run_facet_class() -> type[Any]:
    """The ``batchmod`` run facet, defined once OpenLineage is known to be installed."""
    import attr
    from airflow.providers.common.compat.openlineage.facet import RunFacet

    @attr.define
    class BatchmodRunFacet(RunFacet):
        exchange: str = attr.field()
        conn_id: str = attr.field()
        dryRun: bool = attr.field()  # OpenLineage fields are camelCase
        totals: dict[str, int] = attr.field()
        requests: int = attr.field()
        stopReason: str | None = attr.field()

        @staticmethod
        def _get_schema() -> str:
            return RUN_FACET_SCHEMA

    return BatchmodRunFacet


def operator_lineage(outcome: RunOutcome | None) -> Any:
    """The ``OperatorLineage`` of a run: one output dataset for its account, with the number of
    modified orders, and the ``batchmod`` run facet. Empty when the run stopped before it had a
    report (invalid input, no connection): then it wrote nothing."""
    from airflow.providers.common.compat.openlineage.facet import (
        OutputDataset,
        OutputStatisticsOutputDatasetFacet,
    )
    from airflow.providers.openlineage.extractors import OperatorLineage

    if outcome is None:
        return OperatorLineage()
    report = outcome.report
    totals = {str(key): int(value) for key, value in report["totals"].items()}
    namespace, name = dataset_identity(outcome)
    statistics = OutputStatisticsOutputDatasetFacet(rowCount=totals.get("modified", 0))
    dataset = OutputDataset(namespace=namespace, name=name, outputFacets={"outputStatistics": statistics})
    facet = _run_facet_class()(
        exchange=str(report["exchange"]),
        conn_id=outcome.conn_id,
        dryRun=bool(report.get("dry_run")),
        totals=totals,
        requests=int(report.get("requests") or 0),
        stopReason=report.get("stop_reason"),
    )
    return OperatorLineage(outputs=[dataset], run_facets={"batchmod": facet})


class OpenLineageMixin:
    """``get_openlineage_facets_on_complete`` / ``_on_failure`` for the operator: the OpenLineage
    provider calls them after the task, on the worker that ran it."""

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> Any:
        from airflow_batchmod.operators.run_outcome import outcome_of

        return operator_lineage(outcome_of(self))

    def get_openlineage_facets_on_failure(self, task_instance: Any) -> Any:
        from airflow_batchmod.operators.run_outcome import outcome_of

        return operator_lineage(outcome_of(self))


# -- the batchmod:// asset scheme (provider info "asset-uris") ------------------------------


def sanitize_uri(uri: SplitResult) -> SplitResult:
    """Airflow's check of a ``batchmod://<venue>[.<network>]/<account>`` URI: both parts present;
    the venue and network in lower case, as the operator's lineage names them."""
    account = uri.path.strip("/")
    if not uri.netloc or not account or "/" in account:
        raise ValueError("A batchmod URI must look like batchmod://<venue>[.<network>]/<account>")
    return uri._replace(netloc=uri.netloc.lower(), path=f"/{account}")


def create_asset(*, venue: str, account: str, network: str | None = None, extra: Any = None) -> Asset:
    """The asset that stands for one account (``network`` as the hook names it, if any)."""
    from airflow.sdk import Asset

    host = f"{venue}.{network}" if network else venue
    return Asset(uri=f"{SCHEME}://{host.lower()}/{account}", extra=extra)


def convert_asset_to_openlineage(asset: Asset, lineage_context: Any) -> Any:
    """The OpenLineage dataset an asset names: the same one the operator's lineage writes to."""
    from airflow.providers.common.compat.openlineage.facet import Dataset

    parsed = urlsplit(asset.uri)
    return Dataset(namespace=f"{SCHEME}://{parsed.netloc}", name=parsed.path.strip("/"))
