"""A small scripted exchange client for operator tests that need no sandbox.

Raw edits are dicts: ``{"id": "7", "price": "10"}``; ``"plan": "unchanged" | "not_open"`` makes
the plan skip the edit and ``"bad": True`` makes it invalid. Each ``submit`` takes the next
step of ``script``: an exception to raise, or None to apply every edit of the request.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from airflow_batchmod.exchanges.base import (
    Confirmation,
    EditProblem,
    ExchangeError,
    ItemResult,
    Landing,
    Outcome,
    PlannedSkip,
    PlanStatus,
    Preparation,
    PreparedEdit,
    Quote,
)
from airflow_batchmod.testing.operator_run import OperatorRun, StoreChoice, run_operator

SECRET = "fake-api-secret-0123456789abcdef"


@dataclass
class FakeClient:
    script: list[ExchangeError | None] = field(default_factory=list)
    budget_error: ExchangeError | None = None
    prepare_error: ExchangeError | None = None
    #: What ``confirm`` answers, in turn; the last answer repeats. Default: everything landed.
    landings: list[Landing] = field(default_factory=list)
    #: What ``reconcile`` answers for every edit, in turn; the last answer repeats. Default:
    #: not applied (``retry``), an exception is raised.
    reconciled_as: list[Outcome | Exception] = field(default_factory=list)
    reconciled: list[list[int]] = field(default_factory=list)
    submitted: list[list[int]] = field(default_factory=list)
    budget_checks: list[int] = field(default_factory=list)
    confirmed: list[list[int]] = field(default_factory=list)
    exchange: str = "fake"
    max_batch_size: int = 20
    late_apply_seconds: float = 0.0

    def prepare(self, raw_edits: Sequence[object]) -> Preparation:
        if self.prepare_error is not None:
            raise self.prepare_error
        edits, problems, skipped = [], [], []
        for index, raw in enumerate(raw_edits):
            assert isinstance(raw, dict)
            label = f"id={raw['id']}"
            before = Quote("9", "1")
            if raw.get("bad"):
                problems.append(EditProblem(index, label, ("price is not a number",)))
            elif raw.get("plan"):
                skipped.append(PlannedSkip(index, f"id:{raw['id']}", label, PlanStatus(raw["plan"]), before))
            else:
                wanted = Quote(str(raw["price"]), "1")
                edits.append(
                    PreparedEdit(index, f"id:{raw['id']}", "g", label, raw, before=before, wanted=wanted)
                )
        return Preparation(edits, problems, skipped)

    def check_budget(self, edit_count: int) -> None:
        self.budget_checks.append(edit_count)
        if self.budget_error is not None:
            raise self.budget_error

    def submit(self, edits: Sequence[PreparedEdit]) -> list[ItemResult]:
        self.submitted.append([e.index for e in edits])
        step = self.script.pop(0) if self.script else None
        if step is not None:
            raise step
        return [ItemResult(e.index, Outcome.APPLIED, order_id=f"new-{e.payload['id']}") for e in edits]

    def reconcile(self, edits: Sequence[PreparedEdit]) -> list[ItemResult]:
        self.reconciled.append([e.index for e in edits])
        answer = (
            self.reconciled_as.pop(0)
            if len(self.reconciled_as) > 1
            else (self.reconciled_as or [Outcome.RETRY])[0]
        )
        if isinstance(answer, Exception):
            raise answer
        message = "still unchanged" if answer is Outcome.RETRY else None
        order_ids = {e.index: f"new-{e.payload['id']}" if answer is Outcome.APPLIED else None for e in edits}
        return [ItemResult(e.index, answer, order_id=order_ids[e.index], message=message) for e in edits]

    def confirm(self, edits: Sequence[PreparedEdit]) -> list[Confirmation]:
        self.confirmed.append([e.index for e in edits])
        landing = self.landings.pop(0) if len(self.landings) > 1 else (self.landings or [Landing.LANDED])[0]
        return [
            Confirmation(e.index, landing, after=e.wanted if landing is Landing.LANDED else None)
            for e in edits
        ]

    def retarget(self, edit: PreparedEdit, order_id: str) -> PreparedEdit:
        return edit

    def secrets(self) -> list[str]:
        return [SECRET]

    def close(self) -> None:
        pass


class FakeHook:
    def __init__(self, client: FakeClient) -> None:
        self.client = client

    def get_client(self, **options: Any) -> FakeClient:
        return self.client


def edits(count: int, **extra: Any) -> list[dict[str, Any]]:
    return [{"id": str(n), "price": str(100 + n), **extra} for n in range(count)]


def execute(client: FakeClient, raw: Any, *, store: StoreChoice = "memory", **kwargs: Any) -> OperatorRun:
    """Run the operator once on ``client`` (see :func:`run_operator`)."""
    return run_operator("fake", raw, hook=FakeHook(client), store=store, **kwargs)
