"""The shared time windows (gridcrm_rules.windows) against RULES.md §0/§2.

Both backends read these definitions; the differential tests in tests/batch/ catch a
backend that stops doing so.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given
from hypothesis import strategies as st

from gridcrm_rules._time import SHANGHAI
from gridcrm_rules.windows import (
    OFFENCE_WINDOW_YEARS,
    YEAR_WINDOWS,
    arrears_age_limit,
    cutoff_of,
    offence_window,
    year_window,
)

DAYS = st.dates(date(2001, 1, 1), date(2098, 12, 31))
INSTANTS = st.datetimes(datetime(2001, 1, 1), datetime(2098, 12, 31), timezones=st.just(SHANGHAI))


@given(INSTANTS)
def test_cutoff_is_the_last_day_of_the_previous_month(as_of: datetime) -> None:
    """The cutoff is before as_of's month and the day after it is the 1st of that month."""
    cutoff = cutoff_of(as_of)
    assert cutoff + timedelta(days=1) == as_of.date().replace(day=1)
    assert cutoff_of(as_of.date()) == cutoff


def test_cutoff_reads_the_shanghai_day() -> None:
    """23:30 UTC on 10-31 is 11-01 in Shanghai (cutoff 10-31); 15:59 UTC is still 10-31."""
    assert cutoff_of(datetime.fromisoformat("2026-10-31T23:30:00+00:00")) == date(2026, 10, 31)
    assert cutoff_of(datetime.fromisoformat("2026-10-31T15:59:00+00:00")) == date(2026, 9, 30)


@given(DAYS, st.integers(1, 3))
def test_arrears_age_limit_is_the_month_arithmetic_threshold(cutoff: date, months: int) -> None:
    """d < limit exactly when d + months < cutoff, for every day around the limit."""
    limit = arrears_age_limit(cutoff, months)
    for d in (limit - timedelta(days=k) for k in range(-4, 5)):
        assert (d < limit) == (d + relativedelta(months=months) < cutoff)


def test_arrears_age_limit_clamps_month_ends() -> None:
    """RULES.md §0: 01-28 + 1 month == 02-28 is not over one month at cutoff 02-28."""
    assert arrears_age_limit(date(2026, 2, 28), 1) == date(2026, 1, 28)
    assert arrears_age_limit(date(2026, 10, 31), 2) == date(2026, 8, 31)


def test_month_thresholds_match_relativedelta() -> None:
    """The first day d with d + n months >= cutoff, for every cutoff of 2000-2040."""
    day = date(2000, 1, 31)
    while day < date(2040, 12, 31):
        for months in (1, 2):
            t = arrears_age_limit(day, months)
            assert t + relativedelta(months=months) >= day
            assert (t - timedelta(days=1)) + relativedelta(months=months) < day
        day = (day + timedelta(days=1)).replace(day=1) + relativedelta(day=31)


@given(DAYS)
def test_year_windows_end_at_the_cutoff(cutoff: date) -> None:
    """Both readings end at the cutoff; rolling is 12 months back, calendar starts on 01-01."""
    start, end = year_window(cutoff, "rolling_12m")
    assert (start, end) == (cutoff - relativedelta(months=12), cutoff)
    start, end = year_window(cutoff, "calendar_year")
    assert start + timedelta(days=1) == date(cutoff.year, 1, 1)
    assert end == cutoff
    assert set(YEAR_WINDOWS) == {"rolling_12m", "calendar_year"}


def test_unknown_year_window_is_refused() -> None:
    """A reading the pack parameter does not allow raises with both choices named."""
    with pytest.raises(ValueError, match="expected 'rolling_12m' or 'calendar_year'"):
        year_window(date(2026, 10, 31), "fiscal")


@given(INSTANTS)
def test_offence_window_is_three_years_to_today(as_of: datetime) -> None:
    """CR-D: from the same day three years back (inclusive) to as_of's day (inclusive)."""
    since, until = offence_window(as_of)
    assert until == as_of.date()
    assert since == as_of.date() - relativedelta(years=OFFENCE_WINDOW_YEARS)
    assert OFFENCE_WINDOW_YEARS == 3
