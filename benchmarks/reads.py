"""Read cost: the reads the venue sees for planning 2,000 edits and for reconciling 200 in-doubt ones.

Counted from the sandbox's request log (each entry's ``kind``: Bitget's endpoint, Hyperliquid's
info type), never from the client, so a new read endpoint shows up without touching this file.
Reads are the calls the sandbox classes as ``query`` (orders: ``order-info``,
``unfilled-orders``, ``frontendOpenOrders``, ``orderStatus``) or ``info`` (metadata, budgets).

* Planning: ``client.prepare()`` of 2,000 edits, one per resting order. Target: pages, not
  calls per order (issue 9).
* Reconciliation: 200 edits left in doubt (100 of them applied by requests whose answers were
  "lost", 100 never sent), settled two ways: ``client.reconcile()`` on all 200 at once, and a
  new try of ``BatchRun`` recovering them from a checkpoint journal, as a retried task does.
  Target: a handful of list reads, not 200 (issue 10). The outcomes are checked (100 applied,
  100 not) so a read count from a reconciliation that settled nothing is not mistaken for a cheap one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from airflow_batchmod.exchanges.base import ExchangeClient, Outcome, PreparedEdit
from airflow_batchmod.run.engine import BatchRun, RunSettings
from airflow_batchmod.run.journal import Journal, MemoryStore, fingerprint
from airflow_batchmod.testing.sandbox import Sandbox, start_sandbox
from benchmarks.clients import bitget_client, hyperliquid_client
from benchmarks.common import Row, heading, verdict
from benchmarks.seeds import bitget_edits, bitget_seed, hyperliquid_edits, hyperliquid_seed
from benchmarks.weights import weight

PLANNED_EDITS = 2000
IN_DOUBT = 200
CHUNK = 20
#: "A handful of list reads": at most this many reads to settle 200 in-doubt edits.
HANDFUL = 10

VENUES: dict[str, tuple[Callable[[str, int], ExchangeClient], Callable[[int], dict[str, Any]], Any]] = {
    "bitget": (bitget_client, bitget_seed, bitget_edits),
    "hyperliquid": (hyperliquid_client, hyperliquid_seed, hyperliquid_edits),
}


@dataclass(frozen=True)
class Reads:
    """The reads of one measured step, by kind."""

    by_kind: Counter[str]
    hyperliquid_weight: int
    #: Reads of orders (``query``): what planning needs the book for, beside metadata reads.
    order_reads: int = 0

    @property
    def total(self) -> int:
        return sum(self.by_kind.values())

    def describe(self) -> str:
        kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(self.by_kind.items())) or "none"
        weighed = f"; weight {self.hyperliquid_weight}" if self.hyperliquid_weight else ""
        return f"{self.total} reads ({kinds}{weighed})"


def reads_of(
    entries: Sequence[dict[str, Any]], venue: str, endpoints: tuple[str, ...] = ("query", "info")
) -> Reads:
    mine = [e for e in entries if e["venue"] == venue and e["endpoint"] in endpoints]
    return Reads(
        Counter(str(e["kind"]) for e in mine),
        sum(weight(e) for e in mine) if venue == "hyperliquid" else 0,
        sum(1 for e in mine if e["endpoint"] == "query"),
    )


def _fresh(sandbox: Sandbox, venue: str, orders: int) -> tuple[ExchangeClient, list[dict[str, Any]]]:
    make_client, make_seed, make_edits = VENUES[venue]
    sandbox.reset(make_seed(orders))
    sandbox.clear_requests()
    return make_client(sandbox.url, 8), make_edits(orders)


def planning_reads(sandbox: Sandbox, venue: str) -> Reads:
    client, edits = _fresh(sandbox, venue, PLANNED_EDITS)
    try:
        preparation = client.prepare(edits)
    finally:
        client.close()
    if len(preparation.edits) != PLANNED_EDITS:
        raise RuntimeError(f"{venue}: only {len(preparation.edits)} of {PLANNED_EDITS} edits were planned")
    return reads_of(sandbox.requests(), venue)


def _half_applied(
    sandbox: Sandbox, venue: str
) -> tuple[ExchangeClient, list[dict[str, Any]], list[PreparedEdit]]:
    """IN_DOUBT prepared edits; the first half sent (applied, answers ignored), the rest never sent."""
    client, raw = _fresh(sandbox, venue, IN_DOUBT)
    edits = client.prepare(raw).edits
    for start in range(0, IN_DOUBT // 2, CHUNK):
        client.submit(edits[start : min(start + CHUNK, IN_DOUBT // 2)])
    sandbox.clear_requests()
    return client, raw, edits


def client_reconcile(sandbox: Sandbox, venue: str) -> tuple[Reads, Counter[str]]:
    client, _, edits = _half_applied(sandbox, venue)
    try:
        results = client.reconcile(edits)
    finally:
        client.close()
    return reads_of(sandbox.requests(), venue), Counter(r.outcome.value for r in results)


def recovery_reconcile(sandbox: Sandbox, venue: str) -> tuple[Reads, Counter[str]]:
    """A new try finds IN_DOUBT edits in doubt in its journal (their chunks' intents written,
    no outcome) and asks the venue before resending the ones that did not land."""
    client, raw, edits = _half_applied(sandbox, venue)
    store = MemoryStore()
    crashed = Journal(store, fingerprint("reads-benchmark", raw))
    for start in range(0, IN_DOUBT, CHUNK):
        crashed.open_entry([edit.index for edit in edits[start : start + CHUNK]])
    run = BatchRun(
        client, RunSettings(chunk_size=CHUNK), journal=Journal(store, fingerprint("reads-benchmark", raw))
    )
    try:
        records = run.run(edits)
    finally:
        client.close()
    entries = sandbox.requests()
    first_send = min((e["t"] for e in entries if e["endpoint"] == "modify"), default=float("inf"))
    # Only what recovery asked: the order queries before the first resend.
    recovery = [e for e in entries if e["t"] < first_send]
    statuses = Counter(record.status.value if record.status else "pending" for record in records.values())
    return reads_of(recovery, venue, ("query",)), statuses


#: A HIP-3 plan's reads: ``perpDexs`` once, the named dex's ``meta``, the default dex's and that
#: dex's ``frontendOpenOrders`` (20 each), and ``l2Book`` (2) for an edit that rests post-only.
HIP3_PLAN_WEIGHT = 4 * 20 + 2
#: Two edits on the default seed's builder dex ``xyz`` (docs/sandbox.md), by coin and by asset id.
HIP3_EDITS = [
    {"oid": 900001, "coin": "xyz:TSLA", "is_buy": True, "price": "246.25", "size": "0.12"},
    {"oid": 900002, "asset": 110_000, "is_buy": False, "price": "256", "size": "0.08"},
]


def hip3_planning_row() -> Row:
    """The read weight of planning two HIP-3 edits: only what the builder dex needs (no default
    ``meta``, no ``spotMeta``)."""
    with start_sandbox() as sandbox:
        sandbox.clear_requests()
        client = hyperliquid_client(sandbox.url, 8)
        try:
            planned = len(client.prepare(HIP3_EDITS).edits)
        finally:
            client.close()
        reads = reads_of(sandbox.requests(), "hyperliquid")
    print(f"  hyperliquid HIP-3 planning of 2 edits: {reads.describe()}", flush=True)
    met = planned == 2 and reads.hyperliquid_weight <= HIP3_PLAN_WEIGHT and "spotMeta" not in reads.by_kind
    return Row(
        "reads",
        "hyperliquid HIP-3 planning reads (2 edits on dex xyz)",
        reads.describe() + ("" if planned == 2 else f"; only {planned} of 2 planned"),
        f"weight <= {HIP3_PLAN_WEIGHT}: perpDexs, that dex's meta and list, no spotMeta",
        verdict(met),
    )


def run(full: bool = False) -> list[Row]:
    heading(
        f"Read cost: planning {PLANNED_EDITS:,} edits; reconciling {IN_DOUBT} in-doubt edits "
        f"({IN_DOUBT // 2} applied, {IN_DOUBT // 2} not); counted from the sandbox's request log"
    )
    rows: list[Row] = []
    with start_sandbox(bitget_seed(PLANNED_EDITS)) as sandbox:
        for venue in VENUES:
            planned = planning_reads(sandbox, venue)
            print(f"  {venue} planning {PLANNED_EDITS} edits: {planned.describe()}", flush=True)
            per_edit = planned.total / PLANNED_EDITS
            # No order read at all: this client does not plan from the book yet (the book branch adds it).
            reads_book = planned.order_reads > 0
            rows.append(
                Row(
                    "reads",
                    f"{venue} planning reads per edit ({PLANNED_EDITS} edits)",
                    f"{per_edit:.4f} ({planned.describe()})" + ("" if reads_book else "; reads no book yet"),
                    "pages, not calls per order",
                    verdict(planned.order_reads <= PLANNED_EDITS // 100) if reads_book else "",
                )
            )
            reads, outcomes = client_reconcile(sandbox, venue)
            print(f"  {venue} client.reconcile({IN_DOUBT}): {reads.describe()}; outcomes {dict(outcomes)}")
            settled = (
                outcomes[Outcome.APPLIED.value] == IN_DOUBT // 2
                and outcomes[Outcome.RETRY.value] == IN_DOUBT // 2
            )
            rows.append(
                Row(
                    "reads",
                    f"{venue} reads to reconcile {IN_DOUBT} in doubt (client)",
                    reads.describe() + ("" if settled else f"; outcomes WRONG {dict(outcomes)}"),
                    f"<= {HANDFUL} list reads, not {IN_DOUBT}",
                    verdict(settled and reads.total <= HANDFUL),
                )
            )
            reads, statuses = recovery_reconcile(sandbox, venue)
            print(
                f"  {venue} recovery of {IN_DOUBT} in doubt (chunk {CHUNK}): {reads.describe()}; {dict(statuses)}"
            )
            rows.append(
                Row(
                    "reads",
                    f"{venue} reads to reconcile {IN_DOUBT} in doubt (retried task, chunk {CHUNK})",
                    reads.describe(),
                    f"<= {HANDFUL} list reads, not {IN_DOUBT}",
                    verdict(statuses["modified"] == IN_DOUBT and reads.total <= HANDFUL),
                )
            )
    rows.append(hip3_planning_row())
    return rows
