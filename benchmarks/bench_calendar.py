"""Benchmark: WorkingDayCalendar vs chinesecalendar vs python-holidays.

Run from the repository root (not collected by pytest)::

    PYTHONPATH=src python benchmarks/bench_calendar.py [--repeat 20] [--rounds 5]

Times ``is_working_day`` over every day of 2024-2026, repeated, against
``chinese_calendar.is_workday`` and an equivalent lookup in a prebuilt
``holidays.country_holidays("CN")`` object, all in the same run, and prints
nanoseconds per call and ratios.  Then measures ``working_days_after`` and
``working_days_between`` throughput, including the day-by-day fallback path.
Each figure is the best of ``--rounds`` timings, to damp noise.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from datetime import date, timedelta

import chinese_calendar  # type: ignore[import-untyped]
import holidays

from gridcrm_rules.calendar import WorkingDayCalendar

DAYS = [date(2024, 1, 1) + timedelta(days=i) for i in range(366 + 365 + 365)]


def best_ns_per_call(func: Callable[[], int], calls: int, rounds: int) -> float:
    """Best-of-``rounds`` wall time of ``func()`` divided by ``calls``, in nanoseconds."""
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter_ns()
        func()
        best = min(best, time.perf_counter_ns() - start)
    return best / calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=20, help="passes over 2024-2026 per timing")
    parser.add_argument("--rounds", type=int, default=5, help="timings per figure (best kept)")
    args = parser.parse_args()
    repeat, rounds = args.repeat, args.rounds

    t0 = time.perf_counter()
    cal = WorkingDayCalendar.china()
    build_ms = (time.perf_counter() - t0) * 1000
    cn = holidays.country_holidays("CN", years=range(2024, 2027))
    make_up = frozenset(cn.weekend_workdays)

    def ours() -> int:
        is_wd = cal.is_working_day
        return sum(is_wd(d) for _ in range(repeat) for d in DAYS)

    def package() -> int:
        is_wd = chinese_calendar.is_workday
        return sum(bool(is_wd(d)) for _ in range(repeat) for d in DAYS)

    def python_holidays() -> int:
        return sum(
            (d.weekday() < 5 and d not in cn) or d in make_up for _ in range(repeat) for d in DAYS
        )

    def baseline() -> int:
        return sum(d.weekday() < 5 for _ in range(repeat) for d in DAYS)

    assert ours() == package() == python_holidays(), "implementations disagree"
    calls = repeat * len(DAYS)
    results = {
        "WorkingDayCalendar.is_working_day": best_ns_per_call(ours, calls, rounds),
        "chinese_calendar.is_workday": best_ns_per_call(package, calls, rounds),
        "holidays CN lookup": best_ns_per_call(python_holidays, calls, rounds),
        "harness only (d.weekday() < 5)": best_ns_per_call(baseline, calls, rounds),
    }
    base = results["WorkingDayCalendar.is_working_day"]
    print(f"WorkingDayCalendar.china() built in {build_ms:.1f} ms")
    print(f"is_working_day over 2024-2026 ({len(DAYS)} days x {repeat}, best of {rounds}):")
    for name, ns in results.items():
        print(f"  {name:<36} {ns:9.1f} ns/call   {ns / base:6.2f}x ours")

    rng = random.Random(20260101)
    span = (date(2026, 9, 30) - date(2004, 1, 1)).days
    starts = [date(2004, 1, 1) + timedelta(days=rng.randrange(span)) for _ in range(20_000)]
    counts = [rng.randint(1, 30) for _ in starts]
    pairs = list(zip(starts, counts, strict=True))
    ends = [min(s + timedelta(days=rng.randrange(400)), date(2026, 12, 31)) for s in starts]
    fallback_cal = WorkingDayCalendar.from_schedules([], fallback="weekdays")

    def after() -> int:
        return sum(cal.working_days_after(s, n).day for s, n in pairs)

    def between() -> int:
        return sum(cal.working_days_between(a, b) for a, b in zip(starts, ends, strict=True))

    def after_fallback() -> int:
        return sum(fallback_cal.working_days_after(s, n).day for s, n in pairs)

    print(f"throughput ({len(pairs)} random starts 2004-2026, n in 1..30, best of {rounds}):")
    for name, func in [
        ("working_days_after (indexed)", after),
        ("working_days_between (indexed, <=400 d)", between),
        ("working_days_after (weekdays fallback)", after_fallback),
    ]:
        per_call = best_ns_per_call(func, len(pairs), rounds)
        print(f"  {name:<40} {per_call / 1000:7.2f} us/call  {1e9 / per_call:12,.0f} calls/s")


if __name__ == "__main__":
    main()
