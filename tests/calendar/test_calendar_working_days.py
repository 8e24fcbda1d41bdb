"""Official facts, cross-checks and error behaviour of WorkingDayCalendar."""

from __future__ import annotations

import dataclasses
import pickle
from datetime import UTC, date, datetime, time, timedelta

import holidays
import pytest

from gridcrm_rules._time import SHANGHAI
from gridcrm_rules.calendar import Schedule, WorkingDayCalendar, official_schedules
from gridcrm_rules.errors import CalendarDataMissing

# The official data cut at 2026, so these tests keep their meaning (2027 unknown)
# when a later chinesecalendar release adds 2027.
OFFICIAL_TO_2026 = tuple(s for s in official_schedules() if s.year <= 2026)
CHINA = WorkingDayCalendar.from_schedules(OFFICIAL_TO_2026)


def _eod(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 23, 59, 59, tzinfo=SHANGHAI)


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


# -- official facts -------------------------------------------------------------

MAKE_UP_DAYS = [
    date(2025, 1, 26),
    date(2025, 2, 8),
    date(2025, 4, 27),
    date(2025, 9, 28),
    date(2025, 10, 11),
    date(2026, 1, 4),
    date(2026, 2, 14),
    date(2026, 2, 28),
    date(2026, 5, 9),
    date(2026, 9, 20),
    date(2026, 10, 10),
]


@pytest.mark.parametrize("day", MAKE_UP_DAYS, ids=str)
def test_make_up_days_are_working_days(day: date) -> None:
    """Each official 调休 weekend day of 2025 and 2026 is a working day."""
    assert day.weekday() >= 5
    assert CHINA.is_working_day(day)


@pytest.mark.parametrize("year", [2025, 2026])
def test_248_working_days_a_year(year: int) -> None:
    """2025 and 2026 each have 248 working days."""
    assert CHINA.working_days_between(date(year - 1, 12, 31), date(year, 12, 31)) == 248
    assert sum(CHINA.is_working_day(d) for d in _days(date(year, 1, 1), date(year, 12, 31))) == 248


@pytest.mark.parametrize(
    ("first", "last"),
    [
        (date(2025, 1, 28), date(2025, 2, 4)),  # Spring Festival 2025
        (date(2026, 2, 15), date(2026, 2, 23)),  # Spring Festival 2026
        (date(2025, 10, 1), date(2025, 10, 8)),  # National Day + Mid-Autumn 2025
        (date(2026, 10, 1), date(2026, 10, 7)),  # National Day 2026
    ],
    ids=str,
)
def test_golden_week_days_off(first: date, last: date) -> None:
    """Every day of the Spring Festival and National Day breaks is a day off."""
    assert not any(CHINA.is_working_day(d) for d in _days(first, last))
    assert CHINA.is_working_day(last + timedelta(days=1))


def test_ordinary_days() -> None:
    """An ordinary Monday works, an ordinary Saturday does not."""
    assert CHINA.is_working_day(date(2026, 3, 16))
    assert not CHINA.is_working_day(date(2026, 3, 14))


def test_datetime_input_uses_shanghai_date() -> None:
    """A datetime is judged by its Shanghai date, not by its own zone's date."""
    # 2026-02-13 20:00 UTC is already Saturday 2026-02-14 (a make-up day) in Shanghai.
    assert CHINA.is_working_day(datetime(2026, 2, 13, 20, 0, tzinfo=UTC))
    # 2026-02-14 17:00 UTC is Sunday 2026-02-15 (day off) in Shanghai.
    assert not CHINA.is_working_day(datetime(2026, 2, 14, 17, 0, tzinfo=UTC))
    with pytest.raises(ValueError, match="naive"):
        CHINA.is_working_day(datetime(2026, 2, 14, 12, 0))


def test_matches_holidays_package_every_day_2024_to_2026() -> None:
    """is_working_day agrees with python-holidays (CN) on every day of 2024-2026."""
    cn = holidays.country_holidays("CN", years=range(2024, 2027))
    make_up = set(cn.weekend_workdays)
    mismatches = [
        d
        for d in _days(date(2024, 1, 1), date(2026, 12, 31))
        if CHINA.is_working_day(d) != ((d.weekday() < 5 and d not in cn) or d in make_up)
    ]
    assert mismatches == []


def test_covered_years() -> None:
    """china() covers at least 2004-2026; schedule names say where the data comes from."""
    china = WorkingDayCalendar.china()
    assert china.covered_years[:23] == tuple(range(2004, 2027))
    assert china.fallback is None
    name = china.schedule_name(2026)
    assert name is not None
    assert "chinesecalendar" in name
    assert china.schedule_name(1999) is None
    assert china.with_fallback(None) == china


# -- deadlines across golden weeks (computed by hand) ---------------------------


@pytest.mark.parametrize(
    ("start", "n", "due"),
    [
        # Spring Festival 2026: off 02-15..02-23, make-up Saturdays 02-14 and 02-28.
        (date(2026, 2, 12), 1, _eod(2026, 2, 13)),
        (date(2026, 2, 12), 2, _eod(2026, 2, 14)),
        (date(2026, 2, 12), 3, _eod(2026, 2, 24)),
        (date(2026, 2, 12), 7, _eod(2026, 2, 28)),  # CB-BIZ: 13, 14, 24, 25, 26, 27, 28
        (date(2026, 2, 13), 7, _eod(2026, 3, 2)),  # 14, 24, 25, 26, 27, 28, Mon 03-02
        (date(2026, 2, 16), 1, _eod(2026, 2, 24)),  # start inside the break
        # National Day 2025: off 10-01..10-08, make-up Sun 09-28 and Sat 10-11.
        (date(2025, 9, 26), 5, _eod(2025, 10, 10)),  # CB-LET-C: 28, 29, 30, 10-09, 10-10
        (date(2025, 9, 30), 10, _eod(2025, 10, 21)),  # CB-LET-R: 9, 10, 11, 13-17, 20, 21
    ],
)
def test_deadlines_across_golden_weeks(start: date, n: int, due: datetime) -> None:
    """Hand-computed working-day deadlines across Spring Festival 2026 and National Day 2025."""
    assert CHINA.working_days_after(start, n) == due
    assert CHINA.working_days_between(start, due.date()) == n


def test_time_of_day_does_not_matter() -> None:
    """Day X never counts, whether the event came at 00:00 or 23:59 (Shanghai)."""
    early = datetime(2025, 9, 26, 0, 0, tzinfo=SHANGHAI)
    late = datetime(2025, 9, 26, 23, 59, tzinfo=SHANGHAI)
    assert CHINA.working_days_after(early, 5) == CHINA.working_days_after(late, 5)
    result = CHINA.working_days_after(late, 5)
    assert result.tzinfo is SHANGHAI
    assert result.timetz().replace(tzinfo=None) == time(23, 59, 59)


def test_next_working_day_and_negative_between() -> None:
    """next_working_day skips the break; between is antisymmetric."""
    assert CHINA.next_working_day(date(2025, 9, 30)) == date(2025, 10, 9)
    assert CHINA.next_working_day(date(2026, 2, 13)) == date(2026, 2, 14)
    assert CHINA.working_days_between(date(2025, 10, 10), date(2025, 9, 26)) == -5
    assert CHINA.working_days_between(date(2025, 9, 26), date(2025, 9, 26)) == 0


@pytest.mark.parametrize("n", [0, -1])
def test_n_below_one_is_refused(n: int) -> None:
    """Zero or negative working days is a ValueError, not a guess."""
    with pytest.raises(ValueError, match="at least 1"):
        CHINA.working_days_after(date(2026, 3, 2), n)


def test_non_integer_n_is_refused() -> None:
    """n must be an int (a bool or a float is a TypeError)."""
    with pytest.raises(TypeError):
        CHINA.working_days_after(date(2026, 3, 2), True)
    with pytest.raises(TypeError):
        CHINA.working_days_after(date(2026, 3, 2), 1.5)  # type: ignore[arg-type]


# -- outside the covered years --------------------------------------------------


def test_uncovered_year_raises_naming_it() -> None:
    """A date in 2027 raises CalendarDataMissing(2027, covered=(2004, 2026))."""
    with pytest.raises(CalendarDataMissing) as info:
        CHINA.is_working_day(date(2027, 3, 1))
    assert info.value.year == 2027
    assert info.value.covered == (2004, 2026)
    assert "2027" in str(info.value)
    with pytest.raises(CalendarDataMissing, match="2003"):
        CHINA.is_working_day(date(2003, 12, 31))


def test_walking_into_uncovered_year_raises() -> None:
    """10 working days after 2026-12-28 needs 2027, so it raises naming 2027."""
    assert CHINA.working_days_after(date(2026, 12, 28), 3) == _eod(2026, 12, 31)
    with pytest.raises(CalendarDataMissing) as info:
        CHINA.working_days_after(date(2026, 12, 28), 10)
    assert info.value.year == 2027
    with pytest.raises(CalendarDataMissing):
        CHINA.working_days_between(date(2026, 12, 28), date(2027, 1, 5))
    with pytest.raises(CalendarDataMissing):
        CHINA.next_working_day(date(2026, 12, 31))


def test_fallback_is_applied_and_reported() -> None:
    """With fallback='weekdays', 2027 counts Mon-Fri and on_fallback records 2027 once."""
    cal = CHINA.with_fallback("weekdays")
    seen: list[int] = []
    # 29, 30, 31 Dec 2026; then Fri 1 Jan 2027 (no holidays in the fallback), 4-8, 11 Jan.
    assert cal.working_days_after(date(2026, 12, 28), 10, on_fallback=seen.append) == _eod(
        2027, 1, 11
    )
    assert seen == [2027]
    seen.clear()
    assert cal.is_working_day(date(2027, 1, 1), on_fallback=seen.append)
    assert seen == [2027]
    seen.clear()
    assert cal.working_days_between(date(2026, 12, 28), date(2027, 1, 11), on_fallback=seen.append)
    assert seen == [2027]
    # Covered years are unaffected by the fallback, and nothing is reported for them.
    seen.clear()
    assert cal.working_days_after(date(2025, 9, 26), 5, on_fallback=seen.append) == _eod(
        2025, 10, 10
    )
    assert seen == []


def test_user_schedule_for_2027_makes_it_work() -> None:
    """Adding a 2027 schedule covers 2027 without any fallback."""
    s2027 = Schedule(
        year=2027,
        name="test 2027",
        days_off=(date(2027, 1, 1), date(2027, 1, 2), date(2027, 1, 3)),
    )
    cal = CHINA.with_schedule(s2027)
    assert cal.covered_years[-1] == 2027
    # 29, 30, 31 Dec; 4-8 Jan; 11, 12 Jan (1 Jan is a day off now).
    assert cal.working_days_after(date(2026, 12, 28), 10) == _eod(2027, 1, 12)
    assert cal == WorkingDayCalendar.from_schedules([*OFFICIAL_TO_2026, s2027])
    with pytest.raises(CalendarDataMissing, match="2028"):
        cal.is_working_day(date(2028, 1, 3))


def test_gap_year_is_not_jumped_over() -> None:
    """With 2028 known but 2027 not, a count from 2026 into 2028 still raises for 2027."""
    s2028 = Schedule(year=2028, name="test 2028")
    cal = CHINA.with_schedule(s2028)
    assert cal.covered_years[-2:] == (2026, 2028)
    with pytest.raises(CalendarDataMissing) as info:
        cal.working_days_between(date(2026, 12, 1), date(2028, 1, 31))
    assert info.value.year == 2027
    with pytest.raises(CalendarDataMissing):
        cal.working_days_after(date(2026, 12, 28), 300)


# -- immutability, equality, independence ---------------------------------------


def test_calendar_is_frozen_hashable_and_independent() -> None:
    """Calendars are frozen values; with_schedule leaves the original untouched."""
    other = WorkingDayCalendar.from_schedules(OFFICIAL_TO_2026)
    assert other == CHINA
    assert hash(other) == hash(CHINA)
    assert other is not CHINA
    assert len({CHINA, other}) == 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        CHINA.fallback = "weekdays"  # type: ignore[misc]
    extended = CHINA.with_schedule(Schedule(year=2027, name="x"))
    assert extended != CHINA
    assert 2027 not in CHINA.covered_years
    assert CHINA.with_fallback("weekdays") != CHINA
    assert CHINA.with_fallback("weekdays").with_fallback(None) == CHINA


def test_unknown_fallback_is_refused() -> None:
    """Only the named fallbacks exist."""
    with pytest.raises(ValueError, match="fallback"):
        WorkingDayCalendar.china(fallback="guess")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="fallback"):
        CHINA.with_fallback("guess")  # type: ignore[arg-type]


def test_repr_is_short() -> None:
    """The repr names the span and the fallback, not 600 dates."""
    assert repr(CHINA) == "WorkingDayCalendar(covered_years=2004-2026, fallback=None)"
    empty = WorkingDayCalendar.from_schedules([], fallback="weekdays")
    assert repr(empty) == "WorkingDayCalendar(covered_years=none, fallback='weekdays')"


def test_empty_calendar_raises_without_span() -> None:
    """A calendar with no schedules and no fallback knows no year."""
    empty = WorkingDayCalendar.from_schedules([])
    with pytest.raises(CalendarDataMissing) as info:
        empty.is_working_day(date(2026, 1, 5))
    assert info.value.covered is None


def test_calendar_pickles() -> None:
    """A calendar survives pickling (e.g. to worker processes in batch runs)."""
    restored = pickle.loads(pickle.dumps(CHINA))
    assert restored == CHINA
    assert restored.working_days_after(date(2026, 2, 12), 7) == _eod(2026, 2, 28)
