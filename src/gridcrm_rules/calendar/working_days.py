"""Working-day arithmetic over official schedules (RULES.md §0, "Working days").

A working day (工作日) is Monday to Friday, minus the days off of the official
schedule, plus its make-up working days (调休).  "Within N working days after
day X" ends at 23:59:59 Asia/Shanghai of the N-th working day after X; X itself
does not count.

A :class:`WorkingDayCalendar` only answers for years whose schedule it holds.
Anything else raises :class:`~gridcrm_rules.errors.CalendarDataMissing` --
including a computation that *walks into* such a year -- unless the caller
opted into a named fallback, whose every use is reported through
``on_fallback(year)`` so the caller can record it.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import get_args

from gridcrm_rules._time import local_date
from gridcrm_rules.calendar._official import official_schedules
from gridcrm_rules.calendar.deadlines import end_of_day
from gridcrm_rules.calendar.schedule import Fallback, Schedule
from gridcrm_rules.errors import CalendarDataMissing

__all__ = ["OnFallback", "WorkingDayCalendar"]

OnFallback = Callable[[int], None]
"""Called with the year each time a calendar falls back for a year it does not cover."""

_FALLBACKS: tuple[str, ...] = get_args(Fallback)
_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True, repr=False)
class WorkingDayCalendar:
    """An immutable, hashable working-day calendar.

    Build one with :meth:`china` (the official PRC schedules from
    ``chinesecalendar``, optionally overridden) or :meth:`from_schedules`
    (only your own schedules).  Instances share nothing: "changing" one with
    :meth:`with_schedule` or :meth:`with_fallback` returns a new calendar.

    Attributes
    ----------
    covered_years
        Sorted years with an official schedule.  Dates in any other year raise
        ``CalendarDataMissing`` unless ``fallback`` is set.
    days_off
        Every known day off (weekend days may be included; they change nothing).
    make_up_working_days
        Every known weekend day declared a working day.
    fallback
        ``None`` (strict, the default) or ``"weekdays"``: in a year without a
        schedule, Monday-Friday are working days and there are no holidays.
    schedule_names
        ``(year, name)`` of the schedule in force for each covered year; not part
        of equality.
    """

    covered_years: tuple[int, ...]
    days_off: frozenset[date]
    make_up_working_days: frozenset[date]
    fallback: Fallback | None = None
    schedule_names: tuple[tuple[int, str], ...] = field(default=(), compare=False)
    _covered: frozenset[int] = field(init=False, compare=False)
    _working: frozenset[date] = field(init=False, compare=False)
    _index: tuple[int, ...] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        if self.fallback is not None and self.fallback not in _FALLBACKS:
            raise ValueError(
                f"expected fallback None or one of {_FALLBACKS}, got {self.fallback!r}"
            )
        years = tuple(sorted(set(self.covered_years)))
        off = frozenset(self.days_off)
        make_up = frozenset(self.make_up_working_days)
        object.__setattr__(self, "covered_years", years)
        object.__setattr__(self, "days_off", off)
        object.__setattr__(self, "make_up_working_days", make_up)
        object.__setattr__(self, "_covered", frozenset(years))
        index = _working_ordinals(years, off, make_up)
        object.__setattr__(self, "_index", index)
        object.__setattr__(self, "_working", frozenset(map(date.fromordinal, index)))

    # -- construction -------------------------------------------------------

    @classmethod
    def china(
        cls, *, schedules: Iterable[Schedule] = (), fallback: Fallback | None = None
    ) -> WorkingDayCalendar:
        """The official PRC calendar (``chinesecalendar``), then ``schedules`` on top.

        Each extra schedule adds its year, or replaces it if already covered
        (e.g. a provincial holiday): see :meth:`with_schedule`.
        """
        return cls.from_schedules((*official_schedules(), *schedules), fallback=fallback)

    @classmethod
    def from_schedules(
        cls, schedules: Iterable[Schedule], *, fallback: Fallback | None = None
    ) -> WorkingDayCalendar:
        """A calendar covering exactly the years of ``schedules``, applied in order."""
        off: set[date] = set()
        make_up: set[date] = set()
        names: dict[int, str] = {}
        for schedule in schedules:
            _apply(schedule, off, make_up)
            names[schedule.year] = schedule.name
        return cls(
            covered_years=tuple(names),
            days_off=frozenset(off),
            make_up_working_days=frozenset(make_up),
            fallback=fallback,
            schedule_names=tuple(sorted(names.items())),
        )

    def with_schedule(self, schedule: Schedule) -> WorkingDayCalendar:
        """A new calendar in which ``schedule`` governs its year.

        If the year is already covered, the schedule *replaces* it: every day
        off and make-up day dated in that year is dropped first.  Dates the
        schedule lists in an adjacent year (a make-up day on 31 December of the
        year before) are added on top of that year's entries.
        """
        off = set(self.days_off)
        make_up = set(self.make_up_working_days)
        _apply(schedule, off, make_up)
        names = dict(self.schedule_names)
        names[schedule.year] = schedule.name
        return WorkingDayCalendar(
            covered_years=(*self.covered_years, schedule.year),
            days_off=frozenset(off),
            make_up_working_days=frozenset(make_up),
            fallback=self.fallback,
            schedule_names=tuple(sorted(names.items())),
        )

    def with_fallback(self, fallback: Fallback | None) -> WorkingDayCalendar:
        """A new calendar with the same data and another fallback."""
        return replace(self, fallback=fallback)

    def schedule_name(self, year: int) -> str | None:
        """The name of the schedule in force for ``year``, or ``None`` if not covered."""
        return dict(self.schedule_names).get(year)

    # -- queries --------------------------------------------------------------

    def is_working_day(self, d: date | datetime, *, on_fallback: OnFallback | None = None) -> bool:
        """Whether ``d`` (its Shanghai date, for a datetime) is a working day.

        Raises ``CalendarDataMissing`` for a year not covered, unless a fallback
        is set; then ``on_fallback(year)`` is called and the fallback answers.
        """
        if isinstance(d, datetime):
            d = local_date(d)
        if d.year in self._covered:
            return d in self._working
        return self._fallback_is_working(d, on_fallback, None)

    def next_working_day(
        self, d: date | datetime, *, on_fallback: OnFallback | None = None
    ) -> date:
        """The first working day strictly after the Shanghai date of ``d``."""
        return self._nth_after(local_date(d), 1, on_fallback)

    def working_days_after(
        self, t: date | datetime, n: int, *, on_fallback: OnFallback | None = None
    ) -> datetime:
        """End (23:59:59 Asia/Shanghai) of the ``n``-th working day after ``t``.

        The Shanghai date of ``t`` itself does not count, whatever the time of
        day and whether or not it is a working day: a task archived on Friday
        at 08:00 with 1 working day is due Monday 23:59:59 (if Monday works).
        ``n`` must be at least 1 ("within 0 working days" has no meaning in the
        regulations, so it is refused rather than guessed).

        Raises ``CalendarDataMissing`` naming the first uncovered year the count
        walks into, unless a fallback is set; then ``on_fallback(year)`` is
        called once per uncovered year used.
        """
        if isinstance(n, bool) or not isinstance(n, int):
            raise TypeError(f"expected a whole number of working days, got {n!r}")
        if n < 1:
            raise ValueError(f"expected at least 1 working day, got {n}")
        return end_of_day(self._nth_after(local_date(t), n, on_fallback))

    def working_days_between(
        self, a: date | datetime, b: date | datetime, *, on_fallback: OnFallback | None = None
    ) -> int:
        """The number of working days in the half-open interval ``(a, b]``.

        ``a`` does not count and ``b`` does, matching :meth:`working_days_after`:
        ``working_days_between(x, working_days_after(x, n)) == n``.  If ``b`` is
        before ``a`` the result is minus the count over ``(b, a]``.  Datetimes
        are reduced to their Shanghai date.
        """
        start, end = local_date(a), local_date(b)
        if end < start:
            return -self.working_days_between(end, start, on_fallback=on_fallback)
        if start == end:
            return 0
        if self._span_covered(start + _ONE_DAY, end):
            lo = bisect_right(self._index, start.toordinal())
            return bisect_right(self._index, end.toordinal()) - lo
        reported: set[int] = set()
        count = 0
        day = start
        while day < end:
            day += _ONE_DAY
            count += self._is_working_slow(day, on_fallback, reported)
        return count

    # -- internals -------------------------------------------------------------

    def _nth_after(self, start: date, n: int, on_fallback: OnFallback | None) -> date:
        """The n-th working day after ``start`` (n >= 1)."""
        position = bisect_right(self._index, start.toordinal()) + n - 1
        if position < len(self._index):
            candidate = date.fromordinal(self._index[position])
            if self._span_covered(start + _ONE_DAY, candidate):
                return candidate
        reported: set[int] = set()
        day = start
        while n:
            day += _ONE_DAY
            n -= self._is_working_slow(day, on_fallback, reported)
        return day

    def _span_covered(self, first: date, last: date) -> bool:
        """Whether every year from ``first`` to ``last`` is covered (no gap jumped over)."""
        if first.year == last.year:
            return first.year in self._covered
        return all(year in self._covered for year in range(first.year, last.year + 1))

    def _is_working_slow(self, d: date, on_fallback: OnFallback | None, reported: set[int]) -> bool:
        if d.year in self._covered:
            return d in self._working
        return self._fallback_is_working(d, on_fallback, reported)

    def _fallback_is_working(
        self, d: date, on_fallback: OnFallback | None, reported: set[int] | None
    ) -> bool:
        if self.fallback is None:
            covered = (
                (self.covered_years[0], self.covered_years[-1]) if self.covered_years else None
            )
            raise CalendarDataMissing(d.year, covered=covered)
        if on_fallback is not None and (reported is None or d.year not in reported):
            if reported is not None:
                reported.add(d.year)
            on_fallback(d.year)
        # The only fallback so far is "weekdays": Monday to Friday.
        return d.weekday() < 5

    def __repr__(self) -> str:
        if self.covered_years:
            span = f"{self.covered_years[0]}-{self.covered_years[-1]}"
            if len(self.covered_years) != self.covered_years[-1] - self.covered_years[0] + 1:
                span = ",".join(map(str, self.covered_years))
        else:
            span = "none"
        return f"WorkingDayCalendar(covered_years={span}, fallback={self.fallback!r})"


def _apply(schedule: Schedule, off: set[date], make_up: set[date]) -> None:
    """Make ``schedule`` govern its year in the two sets (in place)."""
    off.difference_update({d for d in off if d.year == schedule.year})
    make_up.difference_update({d for d in make_up if d.year == schedule.year})
    off.difference_update(schedule.make_up_working_days)
    make_up.difference_update(schedule.days_off)
    off.update(schedule.days_off)
    make_up.update(schedule.make_up_working_days)


def _working_ordinals(
    years: tuple[int, ...], off: frozenset[date], make_up: frozenset[date]
) -> tuple[int, ...]:
    """Sorted ordinals of every working day in ``years``, the index behind the fast paths."""
    off_ord = {d.toordinal() for d in off}
    make_up_ord = {d.toordinal() for d in make_up}
    result: list[int] = []
    for year in years:
        for o in range(date(year, 1, 1).toordinal(), date(year, 12, 31).toordinal() + 1):
            # date.fromordinal(1) is Monday 0001-01-01, so (o - 1) % 7 is the weekday.
            if o in make_up_ord or ((o - 1) % 7 < 5 and o not in off_ord):
                result.append(o)
    return tuple(result)
