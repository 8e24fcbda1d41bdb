"""Consumption facts for key accounts (RULES.md §5): KA-GEN and KA-ANOM.

Source: 004_953f5f3099258168.txt (供电所大客户维护与管理办法):

* KA-GEN: 一般大客户:是指上一年度月均用电量4000度以上用电户 — the monthly average of
  the previous calendar year, from ``monthly_consumption`` events.
* KA-ANOM: 营业厅应对辖区内所有大客户电表电量进行每周一次的抄读核对。当客户日均用电量较
  上周(或上月同期)增加30%或减少20%,则须进行情况调查 — daily averages from
  ``meter_reading`` events.

The comparisons are computed with exact fractions and handed to the rules as
percentages, so that "+30%" is exactly 30 and the pack's ``>=`` decides the boundary.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Any

from dateutil.relativedelta import relativedelta

from ..._time import local_date
from ...expr.types import NUMBER, STR, Type
from ...facts.registry import FactContext, FactProvider
from ...models import MeterReading, MonthlyConsumption

__all__ = [
    "CONSUMPTION_FACTS",
    "CONSUMPTION_PARAMS",
    "GENERAL_MONTHS_READINGS",
    "consumption_facts",
    "daily_average",
    "previous_year_average",
]

CONSUMPTION_PARAMS = ("ka_general_months",)
"""Pack parameters these facts read (declared in areas/key_accounts/key_accounts.yaml)."""

GENERAL_MONTHS_READINGS = ("with_records", "since_connection", "calendar_year")
"""How KA-GEN divides the previous year's consumption (RULES.md §5, AMBIGUOUS):

* ``with_records`` (default): by the number of months that have a record;
* ``since_connection``: by the months from the month of ``customer.connected_on``
  (January if connected earlier or unknown) to December; months without a
  record count as zero;
* ``calendar_year``: by 12.
"""

_DISPLAY = Decimal("0.0001")


def _decimal(value: Fraction) -> Decimal:
    """An exact fraction as a Decimal (28 significant digits; exact when it terminates)."""
    with localcontext() as ctx:
        ctx.prec = 28
        return Decimal(value.numerator) / Decimal(value.denominator)


def previous_year_average(
    records: Iterable[MonthlyConsumption],
    year: int,
    *,
    reading: str = "with_records",
    connected_on: date | None = None,
) -> tuple[Decimal | None, int]:
    """(monthly average kWh of ``year``, number of months with a record).

    Several records for one month add up (several meters). The average is None
    when no month of ``year`` has a record (or the customer was connected after it).

    >>> from gridcrm_rules.models import MonthlyConsumption as M
    >>> recs = [M(id="a", month="2025-11", kwh=3000), M(id="b", month="2025-12", kwh=5000)]
    >>> previous_year_average(recs, 2025)
    (Decimal('4000'), 2)
    >>> previous_year_average(recs, 2025, reading="calendar_year")[0]
    Decimal('666.6666666666666666666666667')
    """
    per_month: dict[str, Decimal] = {}
    prefix = f"{year:04d}-"
    for r in records:
        if r.month.startswith(prefix):
            per_month[r.month] = per_month.get(r.month, Decimal(0)) + r.kwh
    if not per_month:
        return None, 0
    total = sum(per_month.values(), Decimal(0))
    if reading == "with_records":
        months = len(per_month)
    elif reading == "calendar_year":
        months = 12
    elif reading == "since_connection":
        if connected_on is None or connected_on.year < year:
            months = 12
        elif connected_on.year > year:
            return None, len(per_month)
        else:
            months = 13 - connected_on.month
    else:
        expected = ", ".join(repr(r) for r in GENERAL_MONTHS_READINGS)
        raise ValueError(f"ka_general_months: expected one of {expected}, got {reading!r}")
    return _decimal(Fraction(total) / months), len(per_month)


def _days(start: date, end: date) -> int:
    return (end - start).days + 1


def _day_rates(readings: Iterable[MeterReading]) -> dict[date, Fraction]:
    """kWh per day for every day a reading covers; a later reading wins an overlap."""
    rates: dict[date, Fraction] = {}
    for r in sorted(readings, key=lambda r: (r.at, r.id)):
        rate = Fraction(r.kwh) / _days(r.period_start, r.period_end)
        day = r.period_start
        while day <= r.period_end:
            rates[day] = rate
            day += timedelta(days=1)
    return rates


def daily_average(rates: Mapping[date, Fraction], start: date, end: date) -> Fraction | None:
    """Average kWh per day over the covered days of ``start..end`` (None: none covered)."""
    covered = [rates[d] for d in _each_day(start, end) if d in rates]
    if not covered:
        return None
    return sum(covered, Fraction(0)) / len(covered)


def _each_day(start: date, end: date) -> Iterable[date]:
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def _change_percent(current: Fraction, previous: Fraction | None) -> Decimal | None:
    if previous is None or previous == 0:
        return None
    return _decimal((current - previous) / previous * 100)


def _display(value: Fraction | None) -> Decimal | None:
    return None if value is None else _decimal(value).quantize(_DISPLAY)


def consumption_facts(ctx: FactContext) -> Mapping[str, Any]:
    """KA-GEN and KA-ANOM facts in one pass over the history known at ``as_of``."""
    year = local_date(ctx.as_of).year - 1
    monthly = [e for e in ctx.events if isinstance(e, MonthlyConsumption)]
    average, months = previous_year_average(
        monthly,
        year,
        reading=str(ctx.params["ka_general_months"]),
        connected_on=ctx.customer.connected_on,
    )
    readings = [e for e in ctx.events if isinstance(e, MeterReading)]
    facts: dict[str, Any] = {
        "ka_prev_year_avg_kwh": average,
        "ka_prev_year_months": months,
        "ka_reading_id": None,
        "ka_daily_kwh": None,
        "ka_daily_kwh_prev_week": None,
        "ka_daily_kwh_prev_month": None,
        "ka_change_week_percent": None,
        "ka_change_month_percent": None,
    }
    if not readings:
        return facts
    latest = max(readings, key=lambda r: (r.period_end, r.at, r.id))
    start, end = latest.period_start, latest.period_end
    current = Fraction(latest.kwh) / _days(start, end)
    rates = _day_rates(r for r in readings if r is not latest)
    week = daily_average(rates, start - timedelta(days=7), end - timedelta(days=7))
    month = daily_average(rates, start - relativedelta(months=1), end - relativedelta(months=1))
    facts.update(
        {
            "ka_reading_id": latest.id,
            "ka_daily_kwh": _display(current),
            "ka_daily_kwh_prev_week": _display(week),
            "ka_daily_kwh_prev_month": _display(month),
            "ka_change_week_percent": _change_percent(current, week),
            "ka_change_month_percent": _change_percent(current, month),
        }
    )
    return facts


_TYPES: dict[str, Type] = {
    "ka_prev_year_avg_kwh": NUMBER.or_none(),
    "ka_prev_year_months": NUMBER,
    "ka_reading_id": STR.or_none(),
    "ka_daily_kwh": NUMBER.or_none(),
    "ka_daily_kwh_prev_week": NUMBER.or_none(),
    "ka_daily_kwh_prev_month": NUMBER.or_none(),
    "ka_change_week_percent": NUMBER.or_none(),
    "ka_change_month_percent": NUMBER.or_none(),
}

_DOCS = {
    "ka_prev_year_avg_kwh": "Monthly average kWh of the previous calendar year (KA-GEN); None "
    "without records. Divisor per ka_general_months.",
    "ka_prev_year_months": "Months of the previous calendar year that have a consumption record.",
    "ka_reading_id": "Id of the latest meter_reading (largest period_end) known at as_of.",
    "ka_daily_kwh": "Daily average kWh of the latest meter reading (kwh / days, 4 decimals).",
    "ka_daily_kwh_prev_week": "Daily average over the same days one week earlier, from the "
    "other readings pro rata (covered days only); None if none covered.",
    "ka_daily_kwh_prev_month": "Daily average over the same days one month earlier (上月同期), "
    "month-end clamped; None if none covered.",
    "ka_change_week_percent": "Change of the latest daily average against the previous week, "
    "in percent (exact); None when there is nothing (or zero) to compare with.",
    "ka_change_month_percent": "Change against the same period last month, in percent; None "
    "when there is nothing (or zero) to compare with.",
}

CONSUMPTION_FACTS = FactProvider(
    name="consumption",
    provides=_TYPES,
    compute=consumption_facts,
    params=CONSUMPTION_PARAMS,
    docs=_DOCS,
    clause="KA-GEN",
)
