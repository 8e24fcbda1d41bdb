"""Tasks: deadline-bound duties and their status at ``as_of`` (RULES.md §4, docs/deadlines.md).

A task decision (``emits: task``) gives, per rule hit, the task's ``kind``,
``due``, ``basis``, ``channel`` and ``unit``, and optionally how the task is
completed and extended.  This module turns those outputs and the customer's
history into a :class:`~gridcrm_rules.models.Task`:

``completed_by`` (default ``callback_completed``)
    The event type that completes the task.  ``null`` means nothing has to be
    done but wait: the task (a retention period, say) is fulfilled when its
    ``due`` passes.
``completed_after``
    Completion events before this instant do not count.  Default: the trigger
    event's instant for an event-scoped task, no bound for a customer-scoped one.
``for_year``
    Only completion events naming this year (``for_year``) count, e.g. the
    visit plan of CB-VISIT.
``completed_amount_of``
    The code of an entitlement whose ``amount`` the completing events must
    reach together (SV-C-PREPAY: the required prepayment).  The engine resolves
    it to ``completed_amount`` from the decision's entitlements, so the amount
    has one definition (the entitlements pack).  Answering events are summed in
    time order; the task is completed by the event that makes the sum reach the
    amount, and ``Task.remaining_amount`` shows what is left at ``as_of``.  An
    answering event without an ``amount`` states that the whole is done.  When
    the amount cannot be known (no such entitlement, or its amount is null) any
    answering event completes the task, and the trace says so.
``extended_by`` / ``extension_notice_days`` / ``extension_months``
    Events of type ``extended_by`` naming the trigger push ``due`` back: a
    request counts if made at least ``extension_notice_days`` calendar days
    before the due in force, and all accepted requests together extend by at
    most ``extension_months`` months (SP-VALID).  Every decision on a request
    is written to the trace notes.

A completion event *answers* a task when it is of type ``completed_by``, is not
the trigger itself, and

* if it names an event (``for_event``), that is the task's trigger;
* if it names none, it is not earlier than ``completed_after`` (default above);
* if it or the task names a year (``for_year``), the years agree.

The first answering event (by instant, then id) completes the task.  Times are
compared at whole seconds: a completion at 23:59:59.5 meets a due of 23:59:59.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Final

from .._time import local_date
from ..calendar import months_after
from ..errors import EvaluationError
from ..models import Event, Task, TaskStatus, event_instant
from ..models.assembled import task as assembled_task

__all__ = [
    "DEFAULT_COMPLETED_BY",
    "AmountProgress",
    "CompletionRule",
    "ExtensionRule",
    "amount_progress",
    "answers",
    "build_task",
    "extended_due",
    "find_completion",
    "overdue_from",
    "task_status",
]

DEFAULT_COMPLETED_BY: Final = "callback_completed"
"""The completing event of a task whose rule does not say (RULES.md §4)."""


def _whole(t: datetime) -> datetime:
    return t.replace(microsecond=0)


def _number(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | Decimal) or int(value) != value:
        raise EvaluationError(f"task output {what!r} must be a whole number, got {value!r}",
                              type="invalid_output", values={what: value})
    return int(value)


@dataclass(frozen=True, slots=True)
class CompletionRule:
    """Which events complete a task (see the module docstring)."""

    event_type: str | None = DEFAULT_COMPLETED_BY
    after: datetime | None = None
    for_year: int | None = None
    amount: Decimal | None = None

    @classmethod
    def from_outputs(cls, outputs: Mapping[str, Any]) -> CompletionRule:
        """Read ``completed_by``, ``completed_after``, ``for_year`` and ``completed_amount``."""
        year = outputs.get("for_year")
        amount = outputs.get("completed_amount")
        if amount is not None and (isinstance(amount, bool) or not isinstance(amount, Decimal)):
            raise EvaluationError(f"task output 'completed_amount' must be money, got {amount!r}")
        return cls(
            event_type=outputs.get("completed_by", DEFAULT_COMPLETED_BY),
            after=outputs.get("completed_after"),
            for_year=None if year is None else _number(year, "for_year"),
            amount=amount,
        )


@dataclass(frozen=True, slots=True)
class ExtensionRule:
    """How requests of type ``event_type`` extend a due (see the module docstring)."""

    event_type: str
    notice_days: int
    max_months: int

    @classmethod
    def from_outputs(cls, outputs: Mapping[str, Any]) -> ExtensionRule | None:
        """Read ``extended_by`` and its companions; None when the task cannot be extended."""
        event_type = outputs.get("extended_by")
        if event_type is None:
            return None
        if outputs.get("extension_months") is None:
            raise EvaluationError("a task with 'extended_by' must give 'extension_months'",
                                  type="invalid_output")
        return cls(
            event_type=event_type,
            notice_days=_number(outputs.get("extension_notice_days", 0), "extension_notice_days"),
            max_months=_number(outputs["extension_months"], "extension_months"),
        )


def overdue_from(due: datetime) -> datetime:
    """The first instant at which a task due at ``due`` and not completed is overdue
    (:func:`task_status` compares at whole seconds: one second after the due's)."""
    return _whole(due) + timedelta(seconds=1)


def task_status(
    due: datetime, completed_at: datetime | None, as_of: datetime
) -> tuple[TaskStatus, timedelta | None]:
    """``(status, overdue_by)`` of a task at ``as_of``, comparing at whole seconds.

    ``on_time`` when completed at or before ``due``; ``overdue`` when completed
    later (by ``completed_at - due``) or not completed and ``due`` has passed (by
    ``as_of - due``); else ``open``.
    """
    if completed_at is not None:
        if _whole(completed_at) <= due:
            return "on_time", None
        return "overdue", completed_at - due
    if _whole(as_of) > due:
        return "overdue", as_of - due
    return "open", None


def _names_trigger(event: Event, trigger: Event | None) -> bool | None:
    """True/False when ``event`` names an event (the trigger or not); None when it names none."""
    ref = getattr(event, "for_event", None)
    if ref is None:
        return None
    return trigger is not None and ref == trigger.id


def answers(event: Event, rule: CompletionRule, trigger: Event | None) -> bool:
    """Whether ``event`` completes the task of ``rule`` triggered by ``trigger``."""
    if event.type != rule.event_type or (trigger is not None and event.id == trigger.id):
        return False
    instant = event_instant(event)
    named = _names_trigger(event, trigger)
    if named is False:
        return False
    lower = rule.after
    if lower is None and named is None and trigger is not None:
        lower = event_instant(trigger)
    if lower is not None and instant < lower:
        return False
    year = getattr(event, "for_year", None)
    return not ((year is not None or rule.for_year is not None) and year != rule.for_year)


def find_completion(
    rule: CompletionRule, trigger: Event | None, events: Sequence[Event]
) -> Event | None:
    """The first event (by instant, then id) that answers the task, if any."""
    wanted = rule.event_type  # compared inline first: most events are of another type
    candidates = sorted(
        (e for e in events if e.type == wanted and answers(e, rule, trigger)),
        key=lambda e: (event_instant(e), e.id),
    )
    return candidates[0] if candidates else None


@dataclass(frozen=True, slots=True)
class AmountProgress:
    """How far the answering events went towards a task's ``completed_amount``."""

    done: Event | None
    paid: Decimal
    events: int


def amount_progress(
    rule: CompletionRule, trigger: Event | None, events: Sequence[Event]
) -> AmountProgress:
    """The event whose amount makes the running sum reach ``rule.amount`` (if any).

    Events are taken in time order (then id); one without an ``amount`` completes
    the task on its own.  ``paid`` is the sum of the answering events' amounts.
    """
    assert rule.amount is not None
    wanted = rule.event_type  # compared inline first: most events are of another type
    candidates = sorted(
        (e for e in events if e.type == wanted and answers(e, rule, trigger)),
        key=lambda e: (event_instant(e), e.id),
    )
    paid = Decimal("0")
    done: Event | None = None
    for e in candidates:
        amount = getattr(e, "amount", None)
        if amount is None:
            done = done or e
            continue
        paid += amount
        if done is None and paid >= rule.amount:
            done = e
    return AmountProgress(done, paid, len(candidates))


def extended_due(
    due: datetime,
    rule: ExtensionRule,
    trigger: Event | None,
    events: Sequence[Event],
    *,
    clause: str,
    notes: list[str] | None = None,
) -> datetime:
    """``due`` after the extension requests in ``events`` that meet ``rule``.

    Requests are taken in time order.  One counts when its (Shanghai) day is at
    least ``notice_days`` calendar days before the day of the due in force, and
    while the total granted stays within ``max_months``; it extends by the
    ``months`` it asks for (one full ``max_months`` when it names none), capped
    at what is left.  The new due is ``months_after(due, total)``.
    """
    if trigger is None:
        return due
    requests = sorted(
        (
            e
            for e in events
            if e.type == rule.event_type
            and e.id != trigger.id
            and _names_trigger(e, trigger) is not False
            and event_instant(e) >= event_instant(trigger)
        ),
        key=lambda e: (event_instant(e), e.id),
    )
    granted, current = 0, due
    for request in requests:
        day = local_date(event_instant(request))
        latest = local_date(current) - timedelta(days=rule.notice_days)
        left = rule.max_months - granted
        if day > latest:
            verdict = (
                f"refused: made on {day.isoformat()}, the last day to ask was "
                f"{latest.isoformat()} ({rule.notice_days} days before {current.isoformat()})"
            )
        elif left <= 0:
            verdict = f"refused: already extended by the maximum of {rule.max_months} months"
        else:
            asked = getattr(request, "months", None)
            months = min(left, asked if asked is not None else rule.max_months)
            granted += months
            current = months_after(due, granted)
            capped = " (capped)" if asked is not None and asked > months else ""
            verdict = f"granted {months} months{capped}: due {current.isoformat()}"
        if notes is not None:
            notes.append(f"{clause}: extension {request.id} of {trigger.id} {verdict}")
    return current


def build_task(
    clause: str,
    outputs: Mapping[str, Any],
    trigger: Event | None,
    events: Sequence[Event],
    as_of: datetime,
    *,
    notes: list[str] | None = None,
    by_type: Mapping[str, Sequence[Event]] | None = None,
) -> Task:
    """The task one rule hit gives, with its status at ``as_of``.

    ``events`` are the customer's events known at ``as_of``; ``trigger`` is the
    event the task was produced for (None for a customer-scoped task).  ``by_type``:
    the same events grouped by type, in the same order (``Run.by_type``), when the caller
    has them; the completions and extension requests, which are each of one type, are then
    read from their group instead of found in the whole history (the same events).
    """

    def of_type(event_type: str | None) -> Sequence[Event]:
        if by_type is None or event_type is None:
            return events
        return by_type.get(event_type, ())

    due: datetime = outputs["due"]
    extension = ExtensionRule.from_outputs(outputs)
    if extension is not None:
        due = extended_due(due, extension, trigger, of_type(extension.event_type),
                           clause=clause, notes=notes)
    rule = CompletionRule.from_outputs(outputs)
    completed_at: datetime | None = None
    remaining: Decimal | None = None
    if rule.event_type is None:
        status: TaskStatus = "on_time" if _whole(as_of) > due else "open"
        late = None
    else:
        if rule.amount is not None:
            progress = amount_progress(rule, trigger, of_type(rule.event_type))
            done = progress.done
            remaining = Decimal("0") if done is not None else max(
                rule.amount - progress.paid, Decimal("0"))
            if notes is not None and done is None and progress.events:
                notes.append(
                    f"{clause}: {progress.events} {rule.event_type} event(s) came to "
                    f"{progress.paid:.2f} of the required {rule.amount:.2f}: not complete, "
                    f"{remaining:.2f} remains"
                )
        else:
            if notes is not None and "completed_amount_of" in outputs:
                notes.append(
                    f"{clause}: the amount of {outputs['completed_amount_of']!r} is not known, "
                    f"so any {rule.event_type} completes the task"
                )
            done = find_completion(rule, trigger, of_type(rule.event_type))
        completed_at = event_instant(done) if done is not None else None
        status, late = task_status(due, completed_at, as_of)
    return assembled_task(
        kind=outputs["kind"],
        clause=clause,
        trigger_event_id=trigger.id if trigger is not None else None,
        due=due,
        basis=outputs["basis"],
        channel=outputs.get("channel"),
        unit=outputs.get("unit"),
        status=status,
        completed_at=completed_at,
        overdue_by=late,
        remaining_amount=remaining,
    )
