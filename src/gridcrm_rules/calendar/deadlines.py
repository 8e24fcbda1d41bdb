"""Calendar-time deadline arithmetic (RULES.md §0, "Hours" and "Month arithmetic").

Pure functions, usable from Python and from the condition language.  None of
them knows about holidays: for working days use
:class:`gridcrm_rules.calendar.WorkingDayCalendar`.

Conventions shared by every function here:

* An input is a ``date`` (meaning 00:00 of that day in Asia/Shanghai) or an
  *aware* ``datetime``; a naive ``datetime`` raises ``ValueError``.
* Every result is an aware ``datetime`` in Asia/Shanghai.
* "The end of a day" is 23:59:59 of that day (RULES.md §0): a completion at
  23:59:59 is on time, one at 00:00:00 the next day is late.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache

from dateutil.relativedelta import relativedelta

from gridcrm_rules._time import SHANGHAI, local_date, to_aware

__all__ = [
    "END_OF_DAY",
    "NIGHT_END",
    "NIGHT_START",
    "calendar_day_at",
    "days_after",
    "end_of_day",
    "end_of_month",
    "end_of_year",
    "hours_after",
    "minutes_after",
    "months_after",
    "next_daytime",
    "start_of_month",
    "start_of_year",
]

END_OF_DAY = time(23, 59, 59)
"""The wall-clock time at which a day-based deadline ends."""

_US_PER_MINUTE = 60_000_000
_US_PER_HOUR = 60 * _US_PER_MINUTE


def _microseconds(amount: int | Decimal | float, unit: int, what: str) -> int:
    """``amount`` units as a whole number of microseconds (half-even rounding)."""
    if isinstance(amount, bool):
        raise TypeError(f"expected a number of {what}, got a bool")
    if isinstance(amount, int):
        return amount * unit
    if isinstance(amount, Decimal):
        if not amount.is_finite():
            raise ValueError(f"expected a finite number of {what}, got {amount}")
        return int((amount * unit).to_integral_value(rounding=ROUND_HALF_EVEN))
    if isinstance(amount, float):
        if not math.isfinite(amount):
            raise ValueError(f"expected a finite number of {what}, got {amount}")
        return round(amount * unit)
    raise TypeError(f"expected int, Decimal or float {what}, got {type(amount).__name__}")


def _elapsed(t: date | datetime, microseconds: int) -> datetime:
    """``t`` plus an elapsed duration, computed in UTC so any zone offset is honoured."""
    instant = to_aware(t).astimezone(UTC) + timedelta(microseconds=microseconds)
    return instant.astimezone(SHANGHAI)


def hours_after(t: date | datetime, h: int | Decimal | float) -> datetime:
    """The instant ``h`` hours after ``t``, in calendar time (holidays ignored).

    "Within 24 hours after T" (e.g. CB-REP, PO-NOTICE) ends at ``T + 24h``.
    ``h`` may be fractional (``Decimal("1.5")``) or negative ("at least 24 hours
    *before* the start" is ``hours_after(start, -24)``).

    >>> from datetime import datetime
    >>> from gridcrm_rules._time import SHANGHAI
    >>> hours_after(datetime(2026, 2, 16, 9, 30, tzinfo=SHANGHAI), 48).isoformat()
    '2026-02-18T09:30:00+08:00'
    """
    return _elapsed(t, _microseconds(h, _US_PER_HOUR, "hours"))


def minutes_after(t: date | datetime, m: int | Decimal | float) -> datetime:
    """The instant ``m`` minutes after ``t``, in calendar time (e.g. SLA-ARRIVE: 45 min)."""
    return _elapsed(t, _microseconds(m, _US_PER_MINUTE, "minutes"))


def days_after(t: date | datetime, n: int) -> datetime:
    """The same Shanghai wall-clock time ``n`` calendar days after ``t`` (holidays ignored).

    A date means 00:00, so ``days_after(date(2026, 3, 1), 10)`` is
    2026-03-11 00:00 +08:00.  For "by the end of the n-th day" combine with
    :func:`end_of_day`.
    """
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"expected a whole number of days, got {n!r}")
    return to_aware(t).astimezone(SHANGHAI) + timedelta(days=n)


def months_after(t: date | datetime, n: int) -> datetime:
    """The same Shanghai wall-clock time ``n`` calendar months after ``t``.

    Uses ``dateutil.relativedelta``, which clamps to the end of the month
    (RULES.md §0): 2026-01-31 + 1 month = 2026-02-28.  A date means 00:00.

    >>> from datetime import date
    >>> months_after(date(2026, 1, 31), 1).isoformat()
    '2026-02-28T00:00:00+08:00'
    """
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"expected a whole number of months, got {n!r}")
    return to_aware(t).astimezone(SHANGHAI) + _months(n)


@lru_cache(maxsize=256)
def _months(n: int) -> relativedelta:
    """``relativedelta(months=n)``, built once per ``n`` (building one costs more than adding
    it); never changed after it is made, so one object serves every call."""
    return relativedelta(months=n)


def end_of_day(t: date | datetime) -> datetime:
    """23:59:59 Asia/Shanghai of the Shanghai calendar day on which ``t`` falls."""
    return datetime.combine(local_date(t), END_OF_DAY, tzinfo=SHANGHAI)


def end_of_month(t: date | datetime) -> datetime:
    """23:59:59 Asia/Shanghai of the last day of the (Shanghai) month of ``t``.

    >>> from datetime import date
    >>> end_of_month(date(2028, 2, 3)).isoformat()
    '2028-02-29T23:59:59+08:00'
    """
    day = local_date(t)
    first_of_next = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return end_of_day(first_of_next - timedelta(days=1))


def calendar_day_at(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A fixed calendar day at a fixed Shanghai time, never postponed for holidays.

    For rules such as CB-REPORT ("每月7日16:00前,节假日不顺延": 16:00 on the 7th,
    no postponement).  An impossible date or time raises ``ValueError``.
    """
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


NIGHT_START = time(22, 0)
"""Default start of the night (PO-CALLBACK: "夜间除外"; GAP, RULES.md §4)."""

NIGHT_END = time(8, 0)
"""Default end of the night: a night-time deadline moves to this time."""


def next_daytime(
    t: date | datetime, night_start: time = NIGHT_START, night_end: time = NIGHT_END
) -> datetime:
    """``t`` itself if it is daytime in Shanghai, else the end of that night.

    The night is the half-open wall-clock window ``[night_start, night_end)``; it
    crosses midnight when ``night_start > night_end`` (the default 22:00-08:00)
    and is empty when the two are equal.  Used for PO-CALLBACK (a phone callback
    after a planned outage, "夜间除外": not at night): 23:30 moves to 08:00 the
    next morning, 03:00 to 08:00 the same morning, 22:00 is night, 08:00 is day.

    >>> from datetime import datetime
    >>> from gridcrm_rules._time import SHANGHAI
    >>> next_daytime(datetime(2026, 3, 10, 23, 30, tzinfo=SHANGHAI)).isoformat()
    '2026-03-11T08:00:00+08:00'
    """
    local = to_aware(t).astimezone(SHANGHAI)
    clock = local.timetz().replace(tzinfo=None)
    if night_start == night_end:
        return local
    if night_start > night_end:
        if clock >= night_start:
            return datetime.combine(local.date() + timedelta(days=1), night_end, tzinfo=SHANGHAI)
        if clock < night_end:
            return datetime.combine(local.date(), night_end, tzinfo=SHANGHAI)
        return local
    if night_start <= clock < night_end:
        return datetime.combine(local.date(), night_end, tzinfo=SHANGHAI)
    return local


def start_of_month(t: date | datetime) -> datetime:
    """00:00 Asia/Shanghai of the first day of the (Shanghai) month of ``t``."""
    return datetime.combine(local_date(t).replace(day=1), time(0, 0), tzinfo=SHANGHAI)


def start_of_year(t: date | datetime) -> datetime:
    """00:00 Asia/Shanghai of 1 January of the (Shanghai) year of ``t``."""
    return datetime(local_date(t).year, 1, 1, tzinfo=SHANGHAI)


def end_of_year(t: date | datetime) -> datetime:
    """23:59:59 Asia/Shanghai of 31 December of the (Shanghai) year of ``t``.

    CB-VISIT: the visit plan for year Y is due ``end_of_year`` of a day in Y-1.
    """
    return end_of_day(date(local_date(t).year, 12, 31))
