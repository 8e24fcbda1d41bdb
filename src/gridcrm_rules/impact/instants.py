"""The monthly re-grade instants of a timeline (RULES.md §2: grades are updated monthly).

A month's re-grade instant is **00:00 Asia/Shanghai on the first day of the month**:
the first moment at which the month's cutoff ("截止上月", the last day of the
previous month, RULES.md §0) is complete.  Evaluating at that instant sees every
event of the previous month and nothing of the new one, so the grade is the one
the monthly run of 000 §二 assigns for that month.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from dateutil.relativedelta import relativedelta

from .._time import instant_argument, local_date, start_of_day

__all__ = ["Every", "regrade_instants"]

Every = Literal["month"]
"""How often a timeline samples the decision (only monthly, the regulation's rhythm)."""


def regrade_instants(
    start: date | datetime | str, end: date | datetime | str, every: Every = "month"
) -> tuple[datetime, ...]:
    """Every re-grade instant ``t`` with ``start <= t <= end``, oldest first.

    Raises ``ValueError`` when there is none (e.g. ``start`` and ``end`` inside one month).

    >>> [t.isoformat() for t in regrade_instants("2026-01-15", "2026-04-01")]
    ['2026-02-01T00:00:00+08:00', '2026-03-01T00:00:00+08:00', '2026-04-01T00:00:00+08:00']
    """
    if every != "month":
        raise ValueError(f"every: expected 'month', got {every!r}")
    lo, hi = instant_argument(start, "start"), instant_argument(end, "end")
    if hi < lo:
        raise ValueError(f"end {hi.isoformat()} is before start {lo.isoformat()}")
    month = local_date(lo).replace(day=1)
    out: list[datetime] = []
    while (instant := start_of_day(month)) <= hi:
        if instant >= lo:
            out.append(instant)
        month += relativedelta(months=1)
    if not out:
        raise ValueError(f"no re-grade instant (00:00 Asia/Shanghai on the 1st of a month) "
                         f"between {lo.isoformat()} and {hi.isoformat()}")
    return tuple(out)
