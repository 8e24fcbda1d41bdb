"""Hypothesis properties of working-day and calendar-time arithmetic."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import chinese_calendar  # type: ignore[import-untyped]
from hypothesis import given, settings
from hypothesis import strategies as st

from gridcrm_rules._time import SHANGHAI, local_date
from gridcrm_rules.calendar import (
    WorkingDayCalendar,
    end_of_month,
    hours_after,
    minutes_after,
    months_after,
)

CHINA = WorkingDayCalendar.china()
WEEKDAYS_ONLY = WorkingDayCalendar.from_schedules([], fallback="weekdays")
END = time(23, 59, 59)

ZONES = st.sampled_from([SHANGHAI, UTC, ZoneInfo("America/New_York"), ZoneInfo("Asia/Kolkata")])
# Leave room after the start for up to 40 working days inside the covered years.
starts = st.datetimes(
    min_value=datetime(2004, 1, 1), max_value=datetime(2026, 9, 30), timezones=ZONES
)
counts = st.integers(min_value=1, max_value=40)
covered_dates = st.dates(min_value=date(2004, 1, 1), max_value=date(2026, 12, 31))


def _reference_after(start: date, n: int) -> date:
    """Step day by day with chinese_calendar's own predicate (the slow, obvious way)."""
    day = start
    while n:
        day += timedelta(days=1)
        n -= bool(chinese_calendar.is_workday(day))
    return day


@given(starts, counts)
def test_lands_on_a_working_day_at_end_of_day(t: datetime, n: int) -> None:
    """The result is 23:59:59 Shanghai of a working day, exactly n working days after."""
    due = CHINA.working_days_after(t, n)
    assert due.tzinfo is SHANGHAI
    assert due.timetz().replace(tzinfo=None) == END
    assert CHINA.is_working_day(due.date())
    assert CHINA.working_days_between(local_date(t), due.date()) == n
    assert due.date() > local_date(t)
    assert due.date() == _reference_after(local_date(t), n)


@given(starts, counts)
def test_monotone_in_n(t: datetime, n: int) -> None:
    """One more working day is strictly later."""
    assert CHINA.working_days_after(t, n + 1) > CHINA.working_days_after(t, n)


@given(starts, st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=30)), counts)
def test_monotone_in_t(t: datetime, delta: timedelta, n: int) -> None:
    """A later start never gives an earlier deadline."""
    later = t + delta
    assert CHINA.working_days_after(later, n) >= CHINA.working_days_after(t, n)


@given(covered_dates, covered_dates, covered_dates)
def test_between_is_additive_and_antisymmetric(a: date, b: date, c: date) -> None:
    """between(a, b) + between(b, c) == between(a, c), and between(b, a) == -between(a, b)."""
    ab = CHINA.working_days_between(a, b)
    assert ab + CHINA.working_days_between(b, c) == CHINA.working_days_between(a, c)
    assert CHINA.working_days_between(b, a) == -ab


@given(covered_dates)
def test_is_working_day_matches_chinese_calendar(d: date) -> None:
    """The frozenset lookup agrees with chinese_calendar.is_workday on 2004-2026."""
    assert CHINA.is_working_day(d) == chinese_calendar.is_workday(d)


@settings(max_examples=50)
@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 1, 1)), counts)
def test_weekday_fallback_counts_mondays_to_fridays(start: date, n: int) -> None:
    """The weekdays fallback counts Mon-Fri only, and reports each year it used."""
    seen: list[int] = []
    due = WEEKDAYS_ONLY.working_days_after(start, n, on_fallback=seen.append)
    days = [start + timedelta(days=i) for i in range(1, (due.date() - start).days + 1)]
    assert sum(d.weekday() < 5 for d in days) == n
    assert due.date().weekday() < 5
    assert seen == sorted({d.year for d in days})


@given(
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=ZONES),
    st.integers(min_value=-10_000, max_value=10_000),
    st.integers(min_value=-10_000, max_value=10_000),
)
def test_hours_after_is_elapsed_time(t: datetime, a: int, b: int) -> None:
    """hours_after adds exact elapsed hours and composes; results are in Shanghai."""
    result = hours_after(t, a)
    assert result.tzinfo is SHANGHAI
    assert result - t == timedelta(hours=a)
    assert hours_after(result, b) == hours_after(t, a + b)
    assert minutes_after(t, a * 60) == result
    assert hours_after(t, Decimal(a)) == result
    assert hours_after(t, float(a)) == result


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)),
    st.integers(min_value=-240, max_value=240),
)
def test_months_after_clamps_to_month_end(d: date, n: int) -> None:
    """months_after keeps the day of month, clamped to the target month's last day."""
    result = months_after(d, n)
    assert result.tzinfo is SHANGHAI
    assert result.timetz().replace(tzinfo=None) == time(0, 0)
    months = d.year * 12 + d.month - 1 + n
    assert (result.year, result.month - 1) == divmod(months, 12)
    last_day = end_of_month(result).day
    assert result.day == min(d.day, last_day)
