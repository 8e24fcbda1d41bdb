"""Compute a few deadlines with gridcrm_rules.calendar.

Run from the repository root::

    PYTHONPATH=src python examples/calendar_deadlines.py
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from gridcrm_rules._time import SHANGHAI
from gridcrm_rules.calendar import (
    WorkingDayCalendar,
    card_round_closes,
    hours_after,
    load_schedules,
    monthly_maintenance_plan_due,
    monthly_report_due,
    weekly_maintenance_plan_due,
)
from gridcrm_rules.errors import CalendarDataMissing

cal = WorkingDayCalendar.china()
print(cal)

# CB-BIZ: callback within 7 working days after the installation is archived.
archived = datetime(2026, 2, 12, 15, 30, tzinfo=SHANGHAI)
print("CB-BIZ  7 working days after", archived, "->", cal.working_days_after(archived, 7))

# CB-LET-R: reply to a letter report within 10 working days (across National Day 2025).
print("CB-LET-R 10 working days after 2025-09-30 ->", cal.working_days_after(date(2025, 9, 30), 10))

# CB-REP: phone callback within 24 hours of the repair being archived (calendar time).
print("CB-REP  24 h after", archived, "->", hours_after(archived, 24))

# Organisation deadlines (calendar days, never postponed for holidays).
print("CB-REPORT statistics of 2026-01 due", monthly_report_due(2026, 1))
print("CB-CARD  round started 2026-03-10 closes", card_round_closes(date(2026, 3, 10)))
print("MT-PLAN  plan for 2026-03 due", monthly_maintenance_plan_due(2026, 3))
print("MT-PLAN  week of 2026-03-16 due", weekly_maintenance_plan_due(date(2026, 3, 16)))

# 2027 is not covered yet: strict by default ...
try:
    cal.working_days_after(date(2026, 12, 28), 10)
except CalendarDataMissing as exc:
    print("strict:", exc)

# ... an explicit, recorded fallback ...
used: list[int] = []
lenient = cal.with_fallback("weekdays")
due = lenient.working_days_after(date(2026, 12, 28), 10, on_fallback=used.append)
print("fallback:", due, "- fell back for", used)

# ... or next year's schedule as data (this example file is ILLUSTRATIVE, not official).
example = Path(__file__).with_name("schedule-2027.example.yaml")
with_2027 = WorkingDayCalendar.china(schedules=load_schedules(example))
print("with a 2027 schedule:", with_2027.working_days_after(date(2026, 12, 28), 10))
