"""Grade episodes: since when a customer has held its grade (RULES.md §3 SV-C-NOTICE).

"在确定为C级客户的当月,即通知该客户": the C notice is owed once per C *episode*, in
the month the grade first became C.  The engine keeps no grade history, so it
re-grades the same history at the previous month ends (the grade a monthly run
in that month determined) and walks back while the grade stays the same.

A task rule asks for this with the output ``episode_of: <grade>``: its ``due``
becomes the end of the episode's first month, and completions count from that
month's first day (see :func:`episode_window`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Final

from dateutil.relativedelta import relativedelta

from .._time import SHANGHAI, local_date

__all__ = ["MAX_EPISODE_MONTHS", "episode_start", "episode_window", "month_end_instant"]

MAX_EPISODE_MONTHS: Final = 120
"""How many month ends are re-graded at most (ten years; the trace says when reached)."""


def month_end_instant(month: date) -> datetime:
    """The last instant (23:59:59.999999 Shanghai) of ``month``'s last day."""
    last = month.replace(day=1) + relativedelta(months=1) - timedelta(days=1)
    return datetime.combine(last, time.max, tzinfo=SHANGHAI)


def episode_start(
    grade_at: Callable[[datetime], str | None],
    as_of: datetime,
    grade: str,
    *,
    earliest: date | None,
    max_months: int = MAX_EPISODE_MONTHS,
) -> tuple[date, bool]:
    """First day of the month the current run of ``grade`` began, and whether the walk
    stopped at ``max_months`` (the episode may be older).

    ``grade_at(t)`` is the grade the rules give the same history at instant ``t``.
    Month ends are tried from the month before ``as_of``'s backwards; the walk stops
    at the first that is not ``grade``, or before ``earliest`` (the first event's
    day: before it there is no history to grade).
    """
    month = local_date(as_of).replace(day=1)
    for _ in range(max_months):
        previous = month - relativedelta(months=1)
        end = month_end_instant(previous)
        if earliest is not None and local_date(end) < earliest:
            return month, False
        if earliest is None or grade_at(end) != grade:
            return month, False
        month = previous
    return month, True


def episode_window(start: date) -> tuple[datetime, datetime]:
    """(completions count from, due) of a task owed in the month ``start``."""
    first = datetime.combine(start.replace(day=1), time(0), tzinfo=SHANGHAI)
    due = month_end_instant(start).replace(microsecond=0)
    return first, due
