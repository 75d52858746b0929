"""Plan, dry run and confirmation, driven through a scripted client: what is sent is the
client's own record of ``submit`` and ``confirm`` calls."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from airflow.sdk.exceptions import AirflowFailException

from airflow_batchmod.exchanges.base import Landing
from airflow_batchmod.run.journal import MemoryStore
from tests.support.fake_exchange import FakeClient, edits, execute


def test_dry_run_plans_and_sends_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    client = FakeClient()
    raw = [
        *edits(2),
        {"id": "u", "price": "9", "plan": "unchanged"},
        {"id": "n", "price": "9", "plan": "not_open"},
    ]
    outcome = execute(client, raw, dry_run=True)
    assert client.submitted == [] and client.budget_checks == [] and client.confirmed == []
    assert outcome.error is None
    assert outcome.statuses() == ["would_modify", "would_modify", "unchanged", "not_open"]
    assert outcome.report is not None and outcome.report["dry_run"] is True
    first = outcome.report["edits"][0]
    assert (first["before"], first["after"]) == ({"price": "9", "size": "1"}, None)
    assert "edit #0 id=0: would_modify 9 x 1 -> 100 x 1" in capsys.readouterr().out


def test_dry_run_still_fails_on_invalid_edits() -> None:
    client = FakeClient()
    outcome = execute(client, [*edits(1), {"id": "x", "bad": True}], dry_run=True)
    assert isinstance(outcome.error, AirflowFailException)
    assert client.submitted == []


def test_unchanged_and_not_open_edits_are_not_sent_and_fail_only_when_asked() -> None:
    raw = [
        *edits(1),
        {"id": "u", "price": "9", "plan": "unchanged"},
        {"id": "n", "price": "9", "plan": "not_open"},
    ]
    client = FakeClient()
    outcome = execute(client, raw)
    assert client.submitted == [[0]]
    assert outcome.error is None
    assert outcome.statuses() == ["modified", "unchanged", "not_open"]
    assert outcome.report is not None
    totals = outcome.report["totals"]
    assert (totals["modified"], totals["unchanged"], totals["not_open"], totals["edits"]) == (1, 1, 1, 3)
    strict = execute(FakeClient(), raw, fail_on="any_or_not_open")
    assert isinstance(strict.error, AirflowFailException) and "not_open=1" in str(strict.error)


def test_confirmed_edits_carry_what_the_book_shows() -> None:
    client = FakeClient()
    outcome = execute(client, edits(3))
    assert client.confirmed == [[0, 1, 2]]
    assert outcome.report is not None
    assert [e["after"] for e in outcome.report["edits"]] == [
        {"price": str(100 + n), "size": "1"} for n in range(3)
    ]


def test_an_order_edited_twice_is_confirmed_by_its_last_edit() -> None:
    client = FakeClient()
    execute(client, [*edits(2), {"id": "0", "price": "150"}])
    assert client.confirmed == [[1, 2]]


def test_an_edit_whose_order_went_first_is_rejected_and_one_never_shown_is_unknown() -> None:
    gone = execute(FakeClient(landings=[Landing.GONE]), edits(2))
    assert gone.statuses() == ["rejected", "rejected"]
    assert isinstance(gone.error, AirflowFailException)
    client = FakeClient(landings=[Landing.PENDING])
    pending = execute(client, edits(2), confirm_timeout=0.3)
    assert pending.statuses() == ["unknown", "unknown"]
    assert len(client.confirmed) >= 2  # polled, not asked once
    assert pending.report is not None and "0.3 s" in pending.report["edits"][0]["message"]


def test_an_edit_still_queued_at_first_is_polled_until_it_lands() -> None:
    client = FakeClient(landings=[Landing.PENDING, Landing.PENDING, Landing.LANDED])
    outcome = execute(client, edits(2))
    assert outcome.error is None and outcome.statuses() == ["modified", "modified"]
    assert len(client.confirmed) == 3


def test_confirm_off_sends_no_book_read() -> None:
    client = FakeClient()
    outcome = execute(client, edits(2), confirm=False)
    assert client.confirmed == [] and outcome.statuses() == ["modified", "modified"]


def test_a_confirmed_rejection_is_journalled_for_the_next_try() -> None:
    store = MemoryStore()
    execute(FakeClient(landings=[Landing.GONE]), edits(2), store=store)
    client = FakeClient()
    outcome = execute(client, edits(2), store=store)
    assert client.submitted == []
    assert outcome.statuses() == ["rejected", "rejected"]


def test_an_edit_settled_by_an_earlier_try_keeps_its_status_when_the_plan_says_unchanged() -> None:
    store = MemoryStore()
    raw = edits(2)
    execute(FakeClient(), raw, store=store)
    # The next try's plan finds the book already showing edit 1 (the earlier try applied it).
    replanned = FakeClient()
    original_prepare = replanned.prepare

    def prepare(raw_edits: Sequence[object]) -> object:
        marked = [dict(e, plan="unchanged") if i == 1 else e for i, e in enumerate(raw_edits)]  # type: ignore[call-overload]
        return original_prepare(marked)

    replanned.prepare = prepare  # type: ignore[assignment,method-assign]
    outcome = execute(replanned, raw, store=store)
    assert replanned.submitted == []
    assert outcome.report is not None
    assert [(e["status"], e["resumed"]) for e in outcome.report["edits"]] == [("modified", True)] * 2
