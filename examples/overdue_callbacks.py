"""List a day's overdue callbacks for a set of customers.

Takes the bundled sample (``gridcrm_rules.sample.load_sample()``: 60 customers
with two years of bills and a few installations), adds a fortnight of service
events (repairs, complaints, letters, a planned outage), evaluates every
customer at the end of the chosen day and prints the callbacks and replies
that are overdue and still not done, per owner unit, most overdue first; then
the ones done late.  Run from the repository root::

    PYTHONPATH=src python examples/overdue_callbacks.py            # 2026-11-20
    PYTHONPATH=src python examples/overdue_callbacks.py 2026-11-13
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import gridcrm_rules as gr
from gridcrm_rules.calendar import end_of_day
from gridcrm_rules.sample import load_sample

CALLBACK_CLAUSES = frozenset(
    {"CB-BIZ", "CB-REP", "CB-LET-C", "CB-LET-R", "CB-PHONE", "CB-DEPUTY", "PO-CALLBACK"}
)
"""Event-driven callbacks and replies: the daily to-do list of RULES.md §4."""

DAY = date(2026, 11, 20)


def _ev(event_type: str, event_id: str, day_time: str, **fields: Any) -> dict[str, Any]:
    """An event of November 2026: ``_ev("repair_archived", "R1", "16T09:10")``."""
    when = f"2026-11-{day_time}:00+08:00"
    instant = "start" if event_type == "planned_outage" else "at"
    return {"type": event_type, "id": event_id, instant: when, **fields}


ADDED_EVENTS: dict[str, list[dict[str, Any]]] = {
    # C0001, 10 kV: a repair called back in time, another never.
    "C0001": [
        _ev("repair_archived", "X-R1", "16T09:10"),
        _ev("callback_completed", "X-R1-CB", "16T17:00", for_event="X-R1"),
        _ev("repair_archived", "X-R2", "18T14:00"),
    ],
    # C0002: a phone complaint called back a day late; a letter report unanswered.
    "C0002": [
        _ev("complaint_received", "X-P1", "09T10:00", channel="phone", kind="complaint"),
        _ev("callback_completed", "X-P1-CB", "17T11:00", for_event="X-P1"),
        _ev("complaint_received", "X-L1", "02T15:00", channel="letter", kind="report"),
    ],
    # C0003: a storm repair (48 h) still inside its deadline at the end of the day.
    "C0003": [_ev("repair_archived", "X-R3", "19T08:00", disaster=True)],
    # C0004: a letter complaint with a reply request, not answered.
    "C0004": [_ev("complaint_received", "X-L2", "10T09:00", channel="letter", kind="complaint")],
    # C0005: a new installation archived on the 6th, never called back.
    "C0005": [_ev("installation_archived", "X-I1", "06T16:00", business="new")],
    # C0042, 10 kV: a planned outage ending at 23:30; its callback deadline moves to 08:00.
    "C0042": [_ev("planned_outage", "X-O1", "18T20:00", end="2026-11-18T23:30:00+08:00")],
}


@dataclass(frozen=True)
class Row:
    """One overdue task of one customer."""

    customer_id: str
    task: gr.Task

    @property
    def late(self) -> timedelta:
        """How late (the task is overdue, so this is set)."""
        assert self.task.overdue_by is not None
        return self.task.overdue_by


def overdue_callbacks(
    engine: gr.Engine,
    customers: Iterable[dict[str, Any]],
    events_for: Any,
    day: date,
) -> tuple[list[Row], list[Row]]:
    """(still to do, done late) callbacks of ``customers`` at the end of ``day``."""
    as_of: datetime = end_of_day(day)
    todo: list[Row] = []
    late: list[Row] = []
    for customer in customers:
        decision = engine.evaluate(customer, events_for(customer["id"]), as_of=as_of)
        for task in decision.tasks:
            if task.clause not in CALLBACK_CLAUSES or task.status != "overdue":
                continue
            (todo if task.completed_at is None else late).append(Row(customer["id"], task))
    todo.sort(key=lambda r: (r.task.unit or "", -r.late, r.customer_id))
    late.sort(key=lambda r: (r.customer_id, r.task.due))
    return todo, late


def _duration(delta: timedelta) -> str:
    hours, minutes = divmod(int(delta.total_seconds()) // 60, 60)
    return f"{hours // 24}d {hours % 24:02d}h" if hours >= 24 else f"{hours}h {minutes:02d}m"


def render(day: date, todo: Sequence[Row], late: Sequence[Row]) -> str:
    """The report as text."""
    lines = [f"Overdue callbacks at the end of {day.isoformat()} ({len(todo)} still to do)"]
    unit = None
    for row in todo:
        t = row.task
        if t.unit != unit:
            unit = t.unit
            lines.append(f"\n[{unit or 'no unit'}]")
        lines.append(
            f"  {row.customer_id}  {t.clause:<11} {t.kind:<24} {t.channel or '-':<6} "
            f"trigger {t.trigger_event_id:<8} due {t.due:%Y-%m-%d %H:%M}  "
            f"late {_duration(row.late)}"
        )
    lines.append(f"\nDone late ({len(late)}):")
    for row in late:
        t = row.task
        assert t.completed_at is not None
        lines.append(
            f"  {row.customer_id}  {t.clause:<11} due {t.due:%Y-%m-%d %H:%M}  "
            f"done {t.completed_at:%Y-%m-%d %H:%M}  late {_duration(row.late)}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] = ()) -> str:
    """Build the report for the day in ``argv`` (default 2026-11-20) and return it."""
    day = date.fromisoformat(argv[0]) if argv else DAY
    sample = load_sample()

    def events_for(customer_id: str) -> list[dict[str, Any]]:
        return sample.events_for(customer_id) + ADDED_EVENTS.get(customer_id, [])

    todo, late = overdue_callbacks(gr.Engine.default(), sample.customers, events_for, day)
    return render(day, todo, late)


if __name__ == "__main__":
    print(main(sys.argv[1:]))
