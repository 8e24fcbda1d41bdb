"""When a live session re-evaluates as its clock moves: month starts and task dues.

A grade is re-derived at each re-grade instant (00:00 Asia/Shanghai on the 1st,
when the cutoff "截止上月" moves: :func:`gridcrm_rules.impact.regrade_instants`,
the one definition) and a task becomes overdue when its ``due`` passes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from ..impact.instants import regrade_instants
from ..models import Decision

__all__ = ["instants_between", "month_starts_between"]


def month_starts_between(after: datetime, until: datetime) -> tuple[datetime, ...]:
    """The re-grade instants ``t`` with ``after < t <= until``, oldest first."""
    if until <= after:
        return ()
    try:
        found = regrade_instants(after, until)
    except ValueError:  # none in the span
        return ()
    return tuple(t for t in found if t > after)


def _open_dues(decision: Decision | None, after: datetime, until: datetime) -> Iterable[datetime]:
    if decision is None:
        return ()
    return (t.due for t in decision.tasks
            if t.due is not None and t.completed_at is None and after < t.due < until)


def instants_between(
    decision: Decision | None, after: datetime, until: datetime
) -> tuple[datetime, ...]:
    """Where a customer's decision may change on the way from ``after`` to ``until``:
    month starts crossed and the dues of its open tasks, then ``until`` itself."""
    points = set(month_starts_between(after, until)) | set(_open_dues(decision, after, until))
    points.add(until)
    return tuple(sorted(points))
