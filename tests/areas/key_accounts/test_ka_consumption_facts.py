"""The consumption facts behind KA-GEN and KA-ANOM, computed directly."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from gridcrm_rules.areas.key_accounts.consumption import (
    consumption_facts,
    daily_average,
    previous_year_average,
)
from gridcrm_rules.facts import FactContext
from gridcrm_rules.models import Customer, MeterReading, MonthlyConsumption, parse_events

SHANGHAI = ZoneInfo("Asia/Shanghai")
AS_OF = datetime(2026, 11, 22, 9, 0, tzinfo=SHANGHAI)


def months(year: int, values: dict[int, str]) -> list[MonthlyConsumption]:
    """Monthly records of ``year``."""
    return [
        MonthlyConsumption(id=f"m{m}", month=f"{year}-{m:02d}", kwh=Decimal(v))
        for m, v in values.items()
    ]


def facts(events: list[dict[str, Any]], **params: Any) -> dict[str, Any]:
    """The consumption facts of a low-voltage customer at AS_OF."""
    ctx = FactContext(
        customer=Customer(id="C1", category="lv_commercial", supply_voltage_kv=Decimal("0.38")),
        events=parse_events(events),
        as_of=AS_OF,
        cutoff=date(2026, 10, 31),
        params={"ka_general_months": "with_records", **params},
    )
    return dict(consumption_facts(ctx))


def reading(rid: str, start: str, end: str, kwh: str) -> dict[str, Any]:
    """A meter reading read the morning after its period."""
    read = date.fromisoformat(end).toordinal() + 1
    at = datetime.combine(date.fromordinal(read), datetime.min.time(), tzinfo=SHANGHAI)
    return {
        "type": "meter_reading",
        "id": rid,
        "at": at.replace(hour=9),
        "period_start": start,
        "period_end": end,
        "kwh": kwh,
    }


def test_previous_year_average_readings() -> None:
    """with_records, calendar_year and since_connection divide the same total differently."""
    recs = months(2025, {10: "3000", 11: "4500", 12: "4500"})
    assert previous_year_average(recs, 2025) == (Decimal(4000), 3)
    assert previous_year_average(recs, 2025, reading="calendar_year") == (Decimal(1000), 3)
    since = previous_year_average(
        recs, 2025, reading="since_connection", connected_on=date(2025, 9, 20)
    )
    assert since == (Decimal(3000), 3)
    assert previous_year_average(recs, 2025, reading="since_connection")[0] == Decimal(1000)
    assert previous_year_average(
        recs, 2025, reading="since_connection", connected_on=date(2026, 2, 1)
    ) == (None, 3)
    assert previous_year_average(recs, 2024) == (None, 0)
    with pytest.raises(ValueError, match="ka_general_months"):
        previous_year_average(recs, 2025, reading="rolling")


def test_general_facts_read_only_the_previous_calendar_year() -> None:
    """2026 records do not count at an as_of in 2026; the month count is of 2025."""
    events = [
        {"type": "monthly_consumption", "id": "a", "month": "2025-12", "kwh": "4000"},
        {"type": "monthly_consumption", "id": "b", "month": "2026-01", "kwh": "90000"},
    ]
    got = facts(events)
    assert got["ka_prev_year_avg_kwh"] == Decimal(4000)
    assert got["ka_prev_year_months"] == 1


def test_daily_average_covers_only_known_days_and_later_readings_win() -> None:
    """Pro rata over covered days; where readings overlap the later one counts."""
    rates = {date(2026, 11, 1): Fraction(10), date(2026, 11, 2): Fraction(20)}
    assert daily_average(rates, date(2026, 11, 1), date(2026, 11, 7)) == Fraction(15)
    assert daily_average(rates, date(2026, 10, 1), date(2026, 10, 7)) is None
    got = facts(
        [
            reading("r1", "2026-11-01", "2026-11-07", "700"),  # 100/day
            reading("r1b", "2026-11-04", "2026-11-07", "800"),  # 200/day, read later
            reading("r2", "2026-11-08", "2026-11-14", "1085"),  # 155/day
        ]
    )
    # previous week: 3 days at 100 and 4 days at 200 -> 1100 / 7
    assert got["ka_reading_id"] == "r2"
    assert got["ka_daily_kwh"] == Decimal("155.0000")
    assert got["ka_daily_kwh_prev_week"] == Decimal("157.1429")
    assert got["ka_change_week_percent"] == Decimal("-1.363636363636363636363636364")


def test_change_percent_is_exact_at_the_boundary() -> None:
    """1000/7 -> 1300/7 kWh a day is exactly +30% (fractions, not rounded decimals)."""
    got = facts(
        [
            reading("r1", "2026-11-02", "2026-11-08", "1000"),
            reading("r2", "2026-11-09", "2026-11-15", "1300"),
        ]
    )
    assert got["ka_change_week_percent"] == Decimal(30)
    assert got["ka_change_month_percent"] is None


def test_same_period_last_month_is_month_end_clamped() -> None:
    """The comparison window of 03-29..03-31 is 02-28..02-28 (clamped) in a non-leap year."""
    got = facts(
        [
            reading("f", "2026-02-22", "2026-02-28", "700"),
            reading("m", "2026-03-29", "2026-03-31", "390"),
        ]
    )
    assert got["ka_daily_kwh_prev_month"] == Decimal("100.0000")
    assert got["ka_change_month_percent"] == Decimal(30)


def test_zero_previous_consumption_gives_no_percentage() -> None:
    """A change from zero has no percentage; the rules look at the averages instead."""
    got = facts(
        [
            reading("r1", "2026-11-02", "2026-11-08", "0"),
            reading("r2", "2026-11-09", "2026-11-15", "7"),
        ]
    )
    assert got["ka_daily_kwh_prev_week"] == 0
    assert got["ka_change_week_percent"] is None


def test_meter_reading_refuses_impossible_periods() -> None:
    """A period ending before it starts, or read before it ends, is an input error."""
    with pytest.raises(ValueError, match="period_end must not be before period_start"):
        MeterReading.model_validate(reading("x", "2026-11-09", "2026-11-02", "1"))
    bad = reading("y", "2026-11-02", "2026-11-08", "1") | {"at": "2026-11-07T09:00:00+08:00"}
    with pytest.raises(ValueError, match="before the end of its period"):
        MeterReading.model_validate(bad)
