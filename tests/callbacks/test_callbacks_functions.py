"""The deadline helpers the task packs call: next_daytime, period starts and ends, year_of."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest

from gridcrm_rules._time import SHANGHAI
from gridcrm_rules.calendar.deadlines import (
    NIGHT_END,
    NIGHT_START,
    end_of_year,
    next_daytime,
    start_of_month,
    start_of_year,
)
from gridcrm_rules.errors import EvaluationError
from gridcrm_rules.functions import FUNCTIONS


def _sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)  # type: ignore[arg-type, misc]


@pytest.mark.parametrize(
    ("t", "expected"),
    [
        (_sh(2026, 3, 10, 21, 59, 59), _sh(2026, 3, 10, 21, 59, 59)),
        (_sh(2026, 3, 10, 22, 0), _sh(2026, 3, 11, 8, 0)),
        (_sh(2026, 3, 10, 23, 30), _sh(2026, 3, 11, 8, 0)),
        (_sh(2026, 3, 11, 0, 0), _sh(2026, 3, 11, 8, 0)),
        (_sh(2026, 3, 11, 7, 59, 59, 999_999), _sh(2026, 3, 11, 8, 0)),
        (_sh(2026, 3, 11, 8, 0), _sh(2026, 3, 11, 8, 0)),
        (_sh(2026, 12, 31, 23, 0), _sh(2027, 1, 1, 8, 0)),
    ],
)
def test_next_daytime_default_night(t: datetime, expected: datetime) -> None:
    """22:00 is night, 08:00 is day; a night instant moves to 08:00 (next day after 22:00)."""
    assert next_daytime(t) == expected
    assert (time(22), time(8)) == (NIGHT_START, NIGHT_END)


def test_next_daytime_reads_the_shanghai_clock() -> None:
    """15:30 UTC is 23:30 in Shanghai: night, so 08:00 the next Shanghai morning."""
    assert next_daytime(datetime(2026, 3, 10, 15, 30, tzinfo=UTC)) == _sh(2026, 3, 11, 8, 0)


def test_next_daytime_other_windows() -> None:
    """A window within one day, and an empty window (no night)."""
    assert next_daytime(_sh(2026, 3, 10, 3, 0), time(1), time(6)) == _sh(2026, 3, 10, 6, 0)
    assert next_daytime(_sh(2026, 3, 10, 7, 0), time(1), time(6)) == _sh(2026, 3, 10, 7, 0)
    assert next_daytime(_sh(2026, 3, 10, 3, 0), time(6), time(6)) == _sh(2026, 3, 10, 3, 0)


def test_next_daytime_date_means_midnight_which_is_night() -> None:
    """A date is 00:00 Shanghai: inside the default night."""
    assert next_daytime(date(2026, 3, 10)) == _sh(2026, 3, 10, 8, 0)


def test_period_starts_and_ends() -> None:
    """Month and year starts at 00:00, the year's end at 23:59:59 of 31 December."""
    t = datetime(2026, 2, 28, 17, 0, tzinfo=UTC)  # 2026-03-01 01:00 in Shanghai
    assert start_of_month(t) == _sh(2026, 3, 1)
    assert start_of_year(t) == _sh(2026, 1, 1)
    assert end_of_year(date(2026, 6, 1)) == _sh(2026, 12, 31, 23, 59, 59)


def test_condition_language_bindings() -> None:
    """The whitelist binds the new helpers; night hours may be fractional."""
    f = FUNCTIONS
    night = f["next_daytime"].impl
    assert night(_sh(2026, 3, 10, 21, 45), Decimal("21.5"), 7) == _sh(2026, 3, 11, 7, 0)
    assert night(_sh(2026, 3, 10, 21, 15), Decimal("21.5"), 7) == _sh(2026, 3, 10, 21, 15)
    assert f["year_of"].impl(_sh(2026, 12, 31, 23, 59)) == 2026
    assert f["end_of_day"].impl(date(2026, 3, 1)) == _sh(2026, 3, 1, 23, 59, 59)
    assert f["start_of_month"].impl(_sh(2026, 3, 9, 12)) == _sh(2026, 3, 1)
    assert f["start_of_year"].impl(_sh(2026, 3, 9, 12)) == _sh(2026, 1, 1)
    assert f["end_of_year"].impl(_sh(2026, 3, 9, 12)) == _sh(2026, 12, 31, 23, 59, 59)


@pytest.mark.parametrize("hour", [24, -1, Decimal("24.0")])
def test_night_hours_outside_a_day_are_refused(hour: int | Decimal) -> None:
    """A night bound must be an hour in [0, 24): a bad_argument EvaluationError."""
    with pytest.raises(EvaluationError, match=r"argument 2 of next_daytime\(\) must be") as info:
        FUNCTIONS["next_daytime"].impl(_sh(2026, 3, 10, 12), hour, 8)
    assert info.value.type == "bad_argument"
