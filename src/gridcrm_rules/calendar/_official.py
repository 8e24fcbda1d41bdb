"""The official PRC schedules shipped by the ``chinesecalendar`` package.

``chinesecalendar`` (import name ``chinese_calendar``) transcribes the State
Council notices since 2004.  This module reads its two tables once per call
and turns them into one :class:`Schedule` per year; nothing here is cached,
so there is no module-level state.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from importlib.metadata import PackageNotFoundError, version

from chinese_calendar import constants  # type: ignore[import-untyped]

from gridcrm_rules.calendar.schedule import Schedule

__all__ = ["official_schedules"]


def _package_version() -> str:
    try:
        return version("chinesecalendar")
    except PackageNotFoundError:  # pragma: no cover - installed without metadata
        return "unknown"


def official_schedules() -> tuple[Schedule, ...]:
    """One schedule per year covered by ``chinesecalendar``, oldest first.

    An entry belongs to the year it is dated in (a make-up Saturday on
    2011-12-31 for New Year 2012 belongs to 2011), which is how the package
    keys its tables and how :meth:`WorkingDayCalendar.with_schedule` replaces
    a year.
    """
    days_off: dict[int, list[date]] = defaultdict(list)
    make_up: dict[int, list[date]] = defaultdict(list)
    holidays: dict[date, str] = constants.holidays
    workdays: dict[date, str] = constants.workdays
    for day in holidays:
        days_off[day.year].append(day)
    for day in workdays:
        make_up[day.year].append(day)
    years = sorted(days_off.keys() | make_up.keys())
    pkg = _package_version()
    return tuple(
        Schedule(
            year=year,
            name=f"国务院办公厅 {year} 年部分节假日安排 (chinesecalendar {pkg})",
            source="https://pypi.org/project/chinesecalendar/",
            days_off=tuple(days_off[year]),
            make_up_working_days=tuple(make_up[year]),
        )
        for year in years
    )
