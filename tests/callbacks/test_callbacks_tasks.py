"""Task status, completion matching and extensions (gridcrm_rules.engine.tasks)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from gridcrm_rules._time import SHANGHAI
from gridcrm_rules.engine.tasks import (
    DEFAULT_COMPLETED_BY,
    CompletionRule,
    ExtensionRule,
    answers,
    build_task,
    extended_due,
    find_completion,
    task_status,
)
from gridcrm_rules.errors import EvaluationError
from gridcrm_rules.models import Event, parse_events


def _sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)  # type: ignore[arg-type, misc]


def _events(*items: dict[str, Any]) -> tuple[Event, ...]:
    return parse_events(items)


DUE = _sh(2026, 3, 9, 23, 59, 59)
BASE: dict[str, Any] = {"kind": "k", "due": DUE, "basis": "working_days"}


# -- status -----------------------------------------------------------------------------


def test_completed_at_the_due_second_with_a_fraction_is_on_time() -> None:
    """23:59:59.5 meets a due of 23:59:59: times compare at whole seconds."""
    assert task_status(DUE, DUE.replace(microsecond=500_000), DUE + timedelta(days=1)) == (
        "on_time",
        None,
    )


def test_completed_one_second_late_is_overdue_by_the_difference() -> None:
    """A completion after the due is overdue by completion minus due."""
    status, late = task_status(DUE, DUE + timedelta(seconds=1), DUE + timedelta(days=3))
    assert (status, late) == ("overdue", timedelta(seconds=1))


def test_not_completed_is_open_until_the_due_then_overdue_by_as_of_minus_due() -> None:
    """Without a completion: open up to and at the due second, overdue after it."""
    assert task_status(DUE, None, DUE) == ("open", None)
    assert task_status(DUE, None, DUE.replace(microsecond=999_999)) == ("open", None)
    assert task_status(DUE, None, DUE + timedelta(hours=2)) == ("overdue", timedelta(hours=2))


def test_completed_before_as_of_but_after_due_stays_overdue() -> None:
    """A late completion keeps the task overdue whatever as_of."""
    status, late = task_status(DUE, DUE + timedelta(hours=1), DUE + timedelta(days=400))
    assert status == "overdue"
    assert late == timedelta(hours=1)


# -- matching ---------------------------------------------------------------------------

HISTORY = _events(
    {"type": "repair_archived", "id": "r1", "at": "2026-03-02T10:00:00+08:00"},
    {"type": "repair_archived", "id": "r2", "at": "2026-03-02T11:00:00+08:00"},
    {
        "type": "callback_completed",
        "id": "c2",
        "at": "2026-03-02T12:00:00+08:00",
        "for_event": "r2",
    },
    {
        "type": "callback_completed",
        "id": "c1b",
        "at": "2026-03-02T14:00:00+08:00",
        "for_event": "r1",
    },
    {
        "type": "callback_completed",
        "id": "c1a",
        "at": "2026-03-02T13:00:00+08:00",
        "for_event": "r1",
    },
    {"type": "grade_notice_sent", "id": "g1", "at": "2026-03-05T09:00:00+08:00"},
    {"type": "prepayment_completed", "id": "p0", "at": "2026-03-04T09:00:00+08:00"},
    {"type": "prepayment_completed", "id": "p1", "at": "2026-03-06T09:00:00+08:00"},
    {"type": "visit_planned", "id": "v26", "at": "2025-12-01T09:00:00+08:00", "for_year": 2026},
    {"type": "visit_planned", "id": "v27", "at": "2026-12-01T09:00:00+08:00", "for_year": 2027},
)
BY_ID = {e.id: e for e in HISTORY}


def test_default_completion_is_a_callback_naming_the_trigger_earliest_first() -> None:
    """callback_completed for the trigger completes it; the earliest one counts."""
    rule = CompletionRule.from_outputs({})
    assert rule.event_type == DEFAULT_COMPLETED_BY == "callback_completed"
    done = find_completion(rule, BY_ID["r1"], HISTORY)
    assert done is not None
    assert done.id == "c1a"


def test_a_completion_naming_another_event_does_not_count() -> None:
    """c2 names r2, so it never completes r1's task, nor a customer-scoped task."""
    rule = CompletionRule()
    assert not answers(BY_ID["c2"], rule, BY_ID["r1"])
    assert not answers(BY_ID["c2"], rule, None)


def test_an_unnamed_completion_counts_from_the_trigger_on() -> None:
    """A prepayment naming no notice counts only when it comes after the notice."""
    rule = CompletionRule(event_type="prepayment_completed")
    assert not answers(BY_ID["p0"], rule, BY_ID["g1"])
    done = find_completion(rule, BY_ID["g1"], HISTORY)
    assert done is not None
    assert done.id == "p1"


def test_completed_after_bounds_a_customer_scoped_task() -> None:
    """completed_after sets the window when there is no trigger."""
    rule = CompletionRule(event_type="prepayment_completed", after=_sh(2026, 3, 5))
    done = find_completion(rule, None, HISTORY)
    assert done is not None
    assert done.id == "p1"


def test_for_year_must_agree_both_ways() -> None:
    """A plan names its year; a task for 2027 takes only the 2027 plan."""
    rule = CompletionRule.from_outputs({"completed_by": "visit_planned", "for_year": Decimal(2027)})
    assert rule.for_year == 2027
    done = find_completion(rule, None, HISTORY)
    assert done is not None
    assert done.id == "v27"
    no_year = CompletionRule(event_type="visit_planned")
    assert find_completion(no_year, None, HISTORY) is None


def test_the_trigger_never_completes_its_own_task() -> None:
    """An event of the completing type that is the trigger itself does not count."""
    rule = CompletionRule(event_type="grade_notice_sent")
    assert not answers(BY_ID["g1"], rule, BY_ID["g1"])


def test_for_year_must_be_whole() -> None:
    """A fractional year is an evaluation error, not a silent truncation."""
    with pytest.raises(EvaluationError, match="for_year"):
        CompletionRule.from_outputs({"for_year": Decimal("2026.5")})


# -- build_task -------------------------------------------------------------------------


def test_build_task_copies_outputs_and_uses_the_completion() -> None:
    """The task carries clause, trigger, due, basis, channel, unit and its status."""
    outputs = {**BASE, "due": _sh(2026, 3, 3, 10), "basis": "hours", "channel": "phone"}
    task = build_task("CB-REP", outputs, BY_ID["r1"], HISTORY, _sh(2026, 3, 4))
    assert task.clause == "CB-REP"
    assert task.trigger_event_id == "r1"
    assert (task.basis, task.channel, task.unit) == ("hours", "phone", None)
    assert task.status == "on_time"
    assert task.completed_at == _sh(2026, 3, 2, 13)


def test_nothing_completes_a_task_with_completed_by_null() -> None:
    """A retention period is open until its due and served (on_time) after it."""
    outputs = {**BASE, "basis": "calendar", "completed_by": None}
    before = build_task("CB-ARCHIVE", outputs, BY_ID["r1"], HISTORY, DUE)
    after = build_task("CB-ARCHIVE", outputs, BY_ID["r1"], HISTORY, DUE + timedelta(seconds=1))
    assert (before.status, after.status) == ("open", "on_time")
    assert after.completed_at is None
    assert after.overdue_by is None


def test_customer_scoped_task_without_window_takes_any_completion() -> None:
    """No trigger and no completed_after: any completing event counts."""
    outputs = {**BASE, "completed_by": "grade_notice_sent"}
    task = build_task("SV-C-NOTICE", outputs, None, HISTORY, _sh(2026, 3, 20))
    assert task.trigger_event_id is None
    assert task.status == "on_time"


# -- extensions -------------------------------------------------------------------------

NOTICE = {"type": "supply_plan_notified", "id": "n1", "at": "2026-03-10T15:00:00+08:00"}
EXPIRY = _sh(2027, 3, 10, 23, 59, 59)
RULE = ExtensionRule("supply_plan_extension_requested", notice_days=10, max_months=12)


def _request(rid: str, at: str, months: int | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {
        "type": "supply_plan_extension_requested",
        "id": rid,
        "at": at,
        "for_event": "n1",
    }
    if months is not None:
        item["months"] = months
    return item


def test_extension_on_the_last_allowed_day_is_granted_and_noted() -> None:
    """到期前十天: a request on the 10th day before the expiry day still counts."""
    events = _events(NOTICE, _request("x1", "2027-02-28T23:00:00+08:00"))
    notes: list[str] = []
    due = extended_due(EXPIRY, RULE, events[0], events, clause="SP-VALID", notes=notes)
    assert due == _sh(2028, 3, 10, 23, 59, 59)
    assert notes == [
        "SP-VALID: extension x1 of n1 granted 12 months: due 2028-03-10T23:59:59+08:00"
    ]


def test_extension_one_day_too_late_is_refused() -> None:
    """A request 9 days before the expiry is refused; the due stays."""
    events = _events(NOTICE, _request("x1", "2027-03-01T08:00:00+08:00"))
    notes: list[str] = []
    due = extended_due(EXPIRY, RULE, events[0], events, clause="SP-VALID", notes=notes)
    assert due == EXPIRY
    assert "refused: made on 2027-03-01, the last day to ask was 2027-02-28" in notes[0]


def test_extensions_add_up_to_one_period_at_most() -> None:
    """5 + 9 months asked: 5 granted, then 7 (capped), then nothing is left."""
    events = _events(
        NOTICE,
        _request("x1", "2027-01-10T09:00:00+08:00", 5),
        _request("x2", "2027-06-01T09:00:00+08:00", 9),
        _request("x3", "2027-07-01T09:00:00+08:00", 1),
    )
    notes: list[str] = []
    due = extended_due(EXPIRY, RULE, events[0], events, clause="SP-VALID", notes=notes)
    assert due == _sh(2028, 3, 10, 23, 59, 59)
    assert "granted 5 months" in notes[0]
    assert "granted 7 months (capped)" in notes[1]
    assert "refused: already extended by the maximum of 12 months" in notes[2]


def test_extension_for_another_plan_is_ignored() -> None:
    """A request naming another notice does not touch this plan."""
    other = {**_request("x1", "2027-01-10T09:00:00+08:00"), "for_event": "n2"}
    events = _events(NOTICE, {**NOTICE, "id": "n2"}, other)
    assert extended_due(EXPIRY, RULE, events[0], events, clause="SP-VALID") == EXPIRY


def test_extended_by_needs_extension_months() -> None:
    """A pack that names extended_by without a cap is told so at evaluation."""
    with pytest.raises(EvaluationError, match="extension_months"):
        ExtensionRule.from_outputs({"extended_by": "supply_plan_extension_requested"})
    assert ExtensionRule.from_outputs({}) is None


def test_build_task_applies_the_extension_before_the_status() -> None:
    """Construction after the original expiry but within the extension is on time."""
    events = _events(
        NOTICE,
        _request("x1", "2027-02-01T09:00:00+08:00", 3),
        {"type": "construction_started", "id": "w1", "at": "2027-05-01T09:00:00+08:00"},
    )
    outputs = {
        **BASE,
        "due": EXPIRY,
        "basis": "calendar",
        "completed_by": "construction_started",
        "extended_by": "supply_plan_extension_requested",
        "extension_notice_days": Decimal(10),
        "extension_months": Decimal(12),
    }
    notes: list[str] = []
    task = build_task("SP-VALID", outputs, events[0], events, _sh(2027, 6, 1), notes=notes)
    assert task.due == _sh(2027, 6, 10, 23, 59, 59)
    assert task.status == "on_time"
    assert len(notes) == 1
