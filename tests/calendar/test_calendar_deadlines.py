"""Calendar-time deadline functions: examples, input checks and doctests."""

from __future__ import annotations

import doctest
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from gridcrm_rules._time import SHANGHAI
from gridcrm_rules.calendar import (
    calendar_day_at,
    days_after,
    deadlines,
    end_of_day,
    end_of_month,
    hours_after,
    minutes_after,
    months_after,
)


def _sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)  # type: ignore[arg-type, misc]


def test_doctests() -> None:
    """The examples in the deadlines docstrings run."""
    result = doctest.testmod(deadlines, raise_on_error=False)
    assert result.attempted > 0
    assert result.failed == 0


def test_hours_after_examples() -> None:
    """CB-REP: 24 h, or 48 h in a disaster, calendar time across Spring Festival."""
    archived = _sh(2026, 2, 16, 9, 30)
    assert hours_after(archived, 24) == _sh(2026, 2, 17, 9, 30)
    assert hours_after(archived, 48) == _sh(2026, 2, 18, 9, 30)
    assert hours_after(archived, Decimal("1.5")) == _sh(2026, 2, 16, 11, 0)
    assert hours_after(archived, 0.25) == _sh(2026, 2, 16, 9, 45)
    assert hours_after(archived, -24) == _sh(2026, 2, 15, 9, 30)
    assert minutes_after(archived, 45) == _sh(2026, 2, 16, 10, 15)


def test_results_are_in_shanghai_whatever_the_input_zone() -> None:
    """An input in UTC or another offset gives the same instant, expressed in Shanghai."""
    t = datetime(2026, 3, 1, 20, 0, tzinfo=UTC)  # 2026-03-02 04:00 in Shanghai
    result = hours_after(t, 1)
    assert result.tzinfo is SHANGHAI
    assert result == _sh(2026, 3, 2, 5, 0)
    assert (result.hour, result.day) == (5, 2)
    assert days_after(t, 1) == _sh(2026, 3, 3, 4, 0)
    assert end_of_day(t) == _sh(2026, 3, 2, 23, 59, 59)
    plus9 = datetime(2026, 3, 2, 0, 30, tzinfo=timezone(timedelta(hours=9)))
    assert end_of_day(plus9) == _sh(2026, 3, 1, 23, 59, 59)


def test_date_means_midnight_shanghai() -> None:
    """A date input means 00:00 of that day in Shanghai."""
    assert hours_after(date(2026, 3, 1), 1) == _sh(2026, 3, 1, 1, 0)
    assert days_after(date(2026, 3, 1), 10) == _sh(2026, 3, 11, 0, 0)
    assert months_after(date(2026, 3, 1), 1) == _sh(2026, 4, 1, 0, 0)


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2026, 1, 31), 1, _sh(2026, 2, 28)),
        (date(2028, 1, 31), 1, _sh(2028, 2, 29)),
        (date(2026, 3, 31), 1, _sh(2026, 4, 30)),
        (date(2026, 3, 31), -1, _sh(2026, 2, 28)),
        (date(2026, 11, 15), 3, _sh(2027, 2, 15)),
        (_sh(2026, 1, 31, 14, 5), 1, _sh(2026, 2, 28, 14, 5)),
        (date(2026, 2, 28), 12, _sh(2027, 2, 28)),
    ],
)
def test_months_after_clamping(start: date, n: int, expected: datetime) -> None:
    """Month arithmetic clamps to the end of the month (RULES.md §0)."""
    assert months_after(start, n) == expected


def test_end_of_month() -> None:
    """end_of_month is 23:59:59 of the last day, leap years included."""
    assert end_of_month(date(2026, 2, 3)) == _sh(2026, 2, 28, 23, 59, 59)
    assert end_of_month(date(2028, 2, 29)) == _sh(2028, 2, 29, 23, 59, 59)
    assert end_of_month(_sh(2026, 12, 31, 23, 59, 59)) == _sh(2026, 12, 31, 23, 59, 59)
    # 2026-04-30 17:00 UTC is already May 1st in Shanghai.
    assert end_of_month(datetime(2026, 4, 30, 17, 0, tzinfo=UTC)) == _sh(2026, 5, 31, 23, 59, 59)


def test_calendar_day_at_is_never_postponed() -> None:
    """A fixed day at a fixed hour, even inside a holiday (2026-10-07 is a day off)."""
    assert calendar_day_at(2026, 10, 7, 16) == _sh(2026, 10, 7, 16, 0)
    assert calendar_day_at(2026, 10, 7, 16, 30).tzinfo is SHANGHAI
    with pytest.raises(ValueError, match="day is out of range"):
        calendar_day_at(2026, 2, 30, 16)


@pytest.mark.parametrize(
    "call",
    [
        lambda t: hours_after(t, 1),
        lambda t: minutes_after(t, 1),
        lambda t: days_after(t, 1),
        lambda t: months_after(t, 1),
        end_of_day,
        end_of_month,
    ],
)
def test_naive_datetime_is_refused(call: object) -> None:
    """Every function refuses a naive datetime (RULES.md §0)."""
    assert callable(call)
    with pytest.raises(ValueError, match="naive"):
        call(datetime(2026, 3, 1, 12, 0))


def test_bad_amounts_are_refused() -> None:
    """Non-finite, boolean or non-numeric amounts are errors."""
    t = _sh(2026, 3, 1)
    with pytest.raises(ValueError, match="finite"):
        hours_after(t, float("nan"))
    with pytest.raises(ValueError, match="finite"):
        hours_after(t, Decimal("Infinity"))
    with pytest.raises(TypeError, match="bool"):
        hours_after(t, True)
    with pytest.raises(TypeError):
        hours_after(t, "24")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        days_after(t, 1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        months_after(t, Decimal(1))  # type: ignore[arg-type]
