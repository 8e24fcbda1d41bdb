"""Schedule validation, schedule files, and how a schedule replaces a year."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from gridcrm_rules.calendar import (
    Schedule,
    WorkingDayCalendar,
    load_schedules,
    official_schedules,
)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "schedule-2027.example.yaml"
# Cut at 2026 so the tests keep their meaning when chinesecalendar adds 2027.
CHINA = WorkingDayCalendar.from_schedules(s for s in official_schedules() if s.year <= 2026)


def test_schedule_normalises_dates() -> None:
    """Dates are sorted and de-duplicated; strings are parsed as ISO dates."""
    s = Schedule.model_validate(
        {
            "year": 2027,
            "name": "n",
            "days_off": ["2027-01-02", "2027-01-01", "2027-01-02"],
            "make_up_working_days": ["2027-01-30"],
        }
    )
    assert s.days_off == (date(2027, 1, 1), date(2027, 1, 2))
    assert s.make_up_working_days == (date(2027, 1, 30),)
    assert s == Schedule(
        year=2027, name="n", days_off=s.days_off[::-1], make_up_working_days=(date(2027, 1, 30),)
    )


def test_schedule_is_frozen_and_hashable() -> None:
    """A schedule is an immutable value."""
    s = Schedule(year=2027, name="n")
    assert hash(s) == hash(Schedule(year=2027, name="n"))
    with pytest.raises(ValidationError):
        s.year = 2028  # type: ignore[misc]


def test_make_up_day_on_a_weekday_is_rejected() -> None:
    """A make-up working day must be a Saturday or Sunday."""
    with pytest.raises(ValidationError, match=r"Saturday or Sunday.*2027-01-04"):
        Schedule(year=2027, name="n", make_up_working_days=(date(2027, 1, 4),))


def test_day_both_off_and_make_up_is_rejected() -> None:
    """No date may be a day off and a make-up day at once."""
    with pytest.raises(ValidationError, match="both a day off and a make-up"):
        Schedule(
            year=2027,
            name="n",
            days_off=(date(2027, 1, 30),),
            make_up_working_days=(date(2027, 1, 30),),
        )


def test_dates_far_from_the_year_are_rejected() -> None:
    """Dates must lie in the year or an adjacent one (a typo guard)."""
    Schedule(year=2012, name="spill-over", make_up_working_days=(date(2011, 12, 31),))
    with pytest.raises(ValidationError, match=r"adjacent year.*2072-01-01"):
        Schedule(year=2027, name="n", days_off=(date(2072, 1, 1),))


def test_unknown_keys_are_rejected() -> None:
    """A misspelt key is an error, not silently ignored."""
    with pytest.raises(ValidationError, match="make_up_days"):
        Schedule.model_validate({"year": 2027, "name": "n", "make_up_days": []})


def test_load_example_yaml() -> None:
    """The shipped illustrative 2027 file loads and covers 2027."""
    (s2027,) = load_schedules(EXAMPLE)
    assert s2027.year == 2027
    assert "not official" in s2027.name
    cal = CHINA.with_schedule(s2027)
    assert cal.covered_years[-1] == 2027
    assert WorkingDayCalendar.china(schedules=[s2027]).schedule_name(2027) == s2027.name
    assert not cal.is_working_day(date(2027, 10, 1))
    assert cal.is_working_day(date(2027, 10, 9))


def test_load_json_toml_and_mapping(tmp_path: Path) -> None:
    """JSON, TOML, one-schedule mappings and bare lists load to the same schedules."""
    record = {
        "year": 2027,
        "name": "n",
        "days_off": ["2027-01-01"],
        "make_up_working_days": ["2027-01-30"],
    }
    expected = (Schedule.model_validate(record),)
    json_path = tmp_path / "s.json"
    json_path.write_text(json.dumps({"schedules": [record]}), encoding="utf-8")
    toml_path = tmp_path / "s.toml"
    toml_path.write_text(
        'year = 2027\nname = "n"\ndays_off = [2027-01-01]\nmake_up_working_days = [2027-01-30]\n',
        encoding="utf-8",
    )
    yml_path = tmp_path / "s.yml"
    yml_path.write_text(
        "year: 2027\nname: n\ndays_off: [2027-01-01]\nmake_up_working_days: [2027-01-30]\n",
        encoding="utf-8",
    )
    assert load_schedules(json_path) == expected
    assert load_schedules(str(toml_path)) == expected
    assert load_schedules(yml_path) == expected
    assert load_schedules(record) == expected
    assert load_schedules([record, record]) == expected * 2


def test_load_collects_errors_with_location(tmp_path: Path) -> None:
    """Every bad schedule in a file is reported, with its position in the list."""
    path = tmp_path / "bad.yaml"
    path.write_text(
        "schedules:\n"
        "  - {year: 2027, name: a, make_up_working_days: [2027-01-04]}\n"
        "  - {year: 2028, name: b, days_off: [not-a-date]}\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationError) as info:
        load_schedules(path)
    locs = [err["loc"] for err in info.value.errors()]
    assert locs[0][:3] == ("schedules", 0, "make_up_working_days")
    assert locs[1][:3] == ("schedules", 1, "days_off")
    assert info.value.error_count() == 2


def test_unknown_suffix_is_refused(tmp_path: Path) -> None:
    """Only .yaml/.yml/.json/.toml are read."""
    path = tmp_path / "s.txt"
    path.write_text("year: 2027", encoding="utf-8")
    with pytest.raises(ValueError, match=r"\.toml"):
        load_schedules(path)


def test_official_schedules_match_calendar() -> None:
    """The package data, one schedule per year, rebuilds the china() calendar."""
    schedules = official_schedules()
    assert [s.year for s in schedules][:23] == list(range(2004, 2027))
    assert WorkingDayCalendar.from_schedules(schedules) == WorkingDayCalendar.china()


def test_provincial_schedule_replaces_the_year() -> None:
    """A schedule for a covered year replaces it wholesale, leaving other years alone."""
    official_2026 = next(s for s in official_schedules() if s.year == 2026)
    provincial = Schedule(
        year=2026,
        name="province X 2026",
        days_off=(*official_2026.days_off, date(2026, 3, 2)),  # an extra local holiday
        make_up_working_days=official_2026.make_up_working_days,
    )
    cal = CHINA.with_schedule(provincial)
    assert not cal.is_working_day(date(2026, 3, 2))
    assert CHINA.is_working_day(date(2026, 3, 2))
    assert cal.schedule_name(2026) == "province X 2026"
    assert cal.working_days_between(date(2025, 12, 31), date(2026, 12, 31)) == 247
    assert cal.working_days_between(date(2024, 12, 31), date(2025, 12, 31)) == 248

    # Replacing means replacing: a 2026 schedule without National Day has no National Day.
    bare = CHINA.with_schedule(Schedule(year=2026, name="bare"))
    assert bare.is_working_day(date(2026, 10, 1))
    assert not bare.is_working_day(date(2026, 10, 10))  # the make-up Saturday is gone too
    assert bare.working_days_between(date(2025, 12, 31), date(2026, 12, 31)) == 261


def test_later_schedule_of_same_year_wins() -> None:
    """from_schedules applies schedules in order; the last one for a year wins."""
    first = Schedule(year=2027, name="first", days_off=(date(2027, 3, 1),))
    second = Schedule(year=2027, name="second")
    cal = WorkingDayCalendar.from_schedules([first, second])
    assert cal.is_working_day(date(2027, 3, 1))
    assert cal.schedule_name(2027) == "second"
    assert cal.covered_years == (2027,)


def test_spill_over_date_is_added_to_adjacent_year() -> None:
    """A make-up day a schedule lists on 31 Dec of the year before applies to that day."""
    s2027 = Schedule(year=2027, name="n", make_up_working_days=(date(2026, 12, 27),))
    cal = CHINA.with_schedule(s2027)
    assert not CHINA.is_working_day(date(2026, 12, 27))
    assert cal.is_working_day(date(2026, 12, 27))
