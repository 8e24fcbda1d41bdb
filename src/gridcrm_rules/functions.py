"""The whitelist of functions a condition or formula may call.

Pure numeric helpers come from :mod:`gridcrm_rules.expr.functions`; the
deadline helpers are bound here to :mod:`gridcrm_rules.calendar`.  The
working-day function reads the engine's calendar from the evaluation context,
so two engines with different calendars never interfere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from types import MappingProxyType
from typing import Final

from ._time import local_date
from .calendar import (
    WorkingDayCalendar,
    days_after,
    end_of_month,
    hours_after,
    minutes_after,
    months_after,
)
from .calendar.deadlines import (
    end_of_day,
    end_of_year,
    next_daytime,
    start_of_month,
    start_of_year,
)
from .expr.functions import BASE_FUNCTIONS, Domain, FunctionSpec, guarded
from .expr.types import DATETIME, NUMBER, Kind

__all__ = ["FUNCTIONS", "EvalContext"]


@dataclass(slots=True)
class EvalContext:
    """Per-evaluation services for functions: the calendar and a note sink.

    A fresh context is made for every evaluation; ``notes`` collects what the
    trace must show (e.g. a calendar fallback used for a year).
    """

    calendar: WorkingDayCalendar
    notes: list[str] = field(default_factory=list)

    def fallback_used(self, year: int) -> None:
        """Record that ``year`` was computed with the calendar's named fallback."""
        note = (
            f"working days of {year} computed with fallback {self.calendar.fallback!r}: "
            "no official schedule is known for that year"
        )
        if note not in self.notes:
            self.notes.append(note)


def _working_days_after(ctx: EvalContext, t: date | datetime, n: int | Decimal) -> datetime:
    return ctx.calendar.working_days_after(t, int(n), on_fallback=ctx.fallback_used)


def _months_after(t: date | datetime, n: int | Decimal) -> datetime:
    return months_after(t, int(n))


def _days_after(t: date | datetime, n: int | Decimal) -> datetime:
    return days_after(t, int(n))


def _clock(hour: int | Decimal) -> time:
    """A wall-clock time from hours after midnight (22 -> 22:00, 7.5 -> 07:30)."""
    minutes = int((Decimal(hour) * 60).to_integral_value())
    return time(minutes // 60, minutes % 60)


def _next_daytime(
    t: date | datetime, night_start: int | Decimal, night_end: int | Decimal
) -> datetime:
    return next_daytime(t, _clock(night_start), _clock(night_end))


def _year_of(t: date | datetime) -> int:
    return local_date(t).year


_T = frozenset({Kind.DATETIME, Kind.DATE})
_N = frozenset({Kind.NUMBER})

WORKING_DAYS: Final = Domain(whole=True, low=1, high=1000)
"""``working_days_after``'s count: 1 to 1000 working days (about four years)."""
DAYS: Final = Domain(whole=True, low=-36_600, high=36_600)
"""``days_after``'s count: whole days within a hundred years either way."""
MONTHS: Final = Domain(whole=True, low=-1_200, high=1_200)
"""``months_after``'s count: whole months within a hundred years either way."""
HOURS: Final = Domain(low=-876_000, high=876_000)
"""``hours_after``'s amount: hours within a hundred years either way."""
MINUTES: Final = Domain(low=-52_560_000, high=52_560_000)
"""``minutes_after``'s amount: minutes within a hundred years either way."""
CLOCK: Final = Domain(low=0, below=24)
"""``next_daytime``'s night bounds: hours after midnight in [0, 24)."""


def _deadline(
    name: str, params: tuple[frozenset[Kind], ...], impl: object, doc: str, *, ctx: bool = False,
    domains: tuple[Domain | None, ...] = (),
) -> FunctionSpec:
    return FunctionSpec(name, params, DATETIME, impl, doc, needs_context=ctx,  # type: ignore[arg-type]
                        domains=domains)


FUNCTIONS: Final = MappingProxyType(
    {
        **BASE_FUNCTIONS,
        **{
            f.name: guarded(f)
            for f in (
                _deadline(
                    "working_days_after",
                    (_T, _N),
                    _working_days_after,
                    "23:59:59 of the n-th working day after t (t's day does not count).",
                    ctx=True,
                    domains=(None, WORKING_DAYS),
                ),
                _deadline("hours_after", (_T, _N), hours_after, "t + h hours, calendar time.",
                          domains=(None, HOURS)),
                _deadline("minutes_after", (_T, _N), minutes_after, "t + m minutes.",
                          domains=(None, MINUTES)),
                _deadline("days_after", (_T, _N), _days_after, "t + n calendar days.",
                          domains=(None, DAYS)),
                _deadline(
                    "months_after", (_T, _N), _months_after, "t + n months, month-end clamped.",
                    domains=(None, MONTHS),
                ),
                _deadline(
                    "end_of_month", (_T,), end_of_month, "23:59:59 of the last day of t's month."
                ),
                _deadline(
                    "next_daytime",
                    (_T, _N, _N),
                    _next_daytime,
                    "t, or the end of the night [start, end) it falls in (hours, e.g. 22, 8).",
                    domains=(None, CLOCK, CLOCK),
                ),
                _deadline("end_of_day", (_T,), end_of_day, "23:59:59 of t's day."),
                _deadline(
                    "start_of_month", (_T,), start_of_month, "00:00 of the 1st of t's month."
                ),
                _deadline("start_of_year", (_T,), start_of_year, "00:00 of 1 January of t's year."),
                _deadline(
                    "end_of_year", (_T,), end_of_year, "23:59:59 of 31 December of t's year."
                ),
                FunctionSpec("year_of", (_T,), NUMBER, _year_of, "The (Shanghai) year of t."),
            )
        },
    }
)
"""Every function name the condition language accepts."""
