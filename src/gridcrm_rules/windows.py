"""The time windows the regulations count in, defined once for every backend.

The window functions are pure and their arguments and results immutable, so they are
memoised (``functools.lru_cache``): a history evaluated at one ``as_of`` asks for the
same windows for every customer (issue 13).

The per-customer Python backend (:mod:`gridcrm_rules.engine`, the credit facts)
and the columnar polars backend (:mod:`gridcrm_rules.batch`) both read these
functions; neither keeps a copy.  tests/test_windows.py checks them against
RULES.md §0/§2, and the differential tests (tests/batch/test_batch_scenarios.py,
tests/batch/test_batch_equivalence.py) fail when one backend drifts from them.

Source: 000_00d757a177b389d7.txt (电力客户信用等级评价与管理办法).

>>> from datetime import datetime
>>> from gridcrm_rules._time import SHANGHAI
>>> cutoff_of(datetime(2026, 3, 1, 0, 0, tzinfo=SHANGHAI))
datetime.date(2026, 2, 28)
>>> year_window(date(2026, 10, 31), "rolling_12m")
(datetime.date(2025, 10, 31), datetime.date(2026, 10, 31))
>>> offence_window(datetime(2026, 11, 22, 9, 0, tzinfo=SHANGHAI))
(datetime.date(2023, 11, 22), datetime.date(2026, 11, 22))
>>> arrears_age_limit(date(2026, 2, 28), 1)
datetime.date(2026, 1, 28)
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Final, Literal

from dateutil.relativedelta import relativedelta

from ._time import local_date

__all__ = [
    "OFFENCE_WINDOW_YEARS",
    "YEAR_WINDOWS",
    "arrears_age_limit",
    "cutoff_of",
    "offence_window",
    "year_window",
]

OFFENCE_WINDOW_YEARS: Final = 3
"""CR-D: theft or a violation "三年内" -- within three years up to ``as_of``'s day."""

YearWindowReading = Literal["rolling_12m", "calendar_year"]
YEAR_WINDOWS: Final[tuple[YearWindowReading, ...]] = ("rolling_12m", "calendar_year")
"""The readings of "一个年度" the ``year_window`` pack parameter chooses between."""


def cutoff_of(as_of: datetime | date) -> date:
    """The cutoff "截止上月": the last day of the month before ``as_of``'s local day.

    ``as_of`` is an aware datetime (its Asia/Shanghai day counts) or a date.
    """
    day = local_date(as_of) if isinstance(as_of, datetime) else as_of
    return day.replace(day=1) - timedelta(days=1)


@lru_cache(maxsize=4096)
def year_window(cutoff: date, reading: str) -> tuple[date, date]:
    """(start exclusive, end inclusive) of "一个年度" ending at ``cutoff``.

    ``rolling_12m``: the twelve months up to the cutoff; ``calendar_year``: the
    cutoff's calendar year up to the cutoff.  Any other reading is a ValueError.
    """
    if reading == "calendar_year":
        return date(cutoff.year, 1, 1) - timedelta(days=1), cutoff
    if reading == "rolling_12m":
        return cutoff - relativedelta(months=12), cutoff
    raise ValueError(f"year_window: expected 'rolling_12m' or 'calendar_year', got {reading!r}")


@lru_cache(maxsize=4096)
def offence_window(as_of: datetime) -> tuple[date, date]:
    """(first day, last day), both inclusive, of CR-D's "三年内" at ``as_of``.

    An offence recorded on the day three years before ``as_of``'s local day
    still counts; one recorded after ``as_of``'s day does not (not yet known).
    """
    today = local_date(as_of)
    return today - relativedelta(years=OFFENCE_WINDOW_YEARS), today


@lru_cache(maxsize=4096)
def arrears_age_limit(cutoff: date, months: int) -> date:
    """The first due day that is *not* "超过 ``months`` 个月" overdue at ``cutoff``.

    A bill due on day ``d`` is overdue by more than ``months`` months exactly when
    ``d + months < cutoff`` (month arithmetic of dateutil, RULES.md §0), i.e. when
    ``d < arrears_age_limit(cutoff, months)``: ``d + months`` never decreases as
    ``d`` grows, so one threshold per cutoff serves a whole column.
    """
    d = cutoff - timedelta(days=31 * months + 3)
    while d + relativedelta(months=months) < cutoff:
        d += timedelta(days=1)
    return d
