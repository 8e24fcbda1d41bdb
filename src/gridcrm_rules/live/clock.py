"""When a live session re-evaluates as its clock moves: month starts and task dues.

A grade is re-derived at each re-grade instant (00:00 Asia/Shanghai on the 1st,
when the cutoff "截止上月" moves: :func:`gridcrm_rules.impact.regrade_instants`,
the one definition) and a task becomes overdue once its ``due`` has passed
(:func:`gridcrm_rules.engine.tasks.overdue_from`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ..engine.tasks import overdue_from
from ..impact.instants import regrade_instants
from ..models import Decision

__all__ = ["month_starts_between", "next_wakeup"]


def month_starts_between(after: datetime, until: datetime) -> tuple[datetime, ...]:
    """The re-grade instants ``t`` with ``after < t <= until``, oldest first."""
    if until <= after:
        return ()
    try:
        found = regrade_instants(after, until)
    except ValueError:  # none in the span
        return ()
    return tuple(t for t in found if t > after)


def next_wakeup(decision: Decision | None, after: datetime) -> datetime:
    """The first instant after ``after`` at which moving the clock there reports
    something with no new event: the next re-grade instant, or the instant an open task
    becomes overdue, whichever comes first.

    (A change that falls between them -- an offence leaving the three-year window at the
    start of a day -- is reported at the next instant the clock is moved to.)
    """
    candidates = list(month_starts_between(after, after + timedelta(days=32))[:1])
    if decision is not None:
        candidates += [overdue_from(t.due) for t in decision.tasks
                       if t.status == "open" and t.due is not None]
    return min(t for t in candidates if t > after)
