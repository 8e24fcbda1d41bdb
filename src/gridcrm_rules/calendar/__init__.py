"""Working days, calendar-time deadlines and organisation deadlines (RULES.md §0, §4).

* :class:`WorkingDayCalendar` -- working-day arithmetic over official schedules
  (``WorkingDayCalendar.china()`` for the PRC State Council schedules).
* :class:`Schedule` / :func:`load_schedules` -- a year's schedule as data, so
  next year's notice or a provincial holiday needs no release.
* :mod:`~gridcrm_rules.calendar.deadlines` -- pure calendar-time arithmetic.
* :mod:`~gridcrm_rules.calendar.organisation` -- CB-REPORT, CB-CARD, MT-PLAN, KA-ANNUAL.
"""

from gridcrm_rules.calendar._official import official_schedules
from gridcrm_rules.calendar.deadlines import (
    END_OF_DAY,
    calendar_day_at,
    days_after,
    end_of_day,
    end_of_month,
    hours_after,
    minutes_after,
    months_after,
)
from gridcrm_rules.calendar.organisation import (
    CARD_ROUNDS_PER_YEAR,
    CLAUSE_IDS,
    annual_key_account_classification_due,
    card_round_closes,
    check_card_rounds,
    monthly_maintenance_plan_due,
    monthly_report_due,
    weekly_maintenance_plan_due,
)
from gridcrm_rules.calendar.schedule import Fallback, Schedule, load_schedules
from gridcrm_rules.calendar.working_days import OnFallback, WorkingDayCalendar

__all__ = [
    "CARD_ROUNDS_PER_YEAR",
    "CLAUSE_IDS",
    "END_OF_DAY",
    "Fallback",
    "OnFallback",
    "Schedule",
    "WorkingDayCalendar",
    "annual_key_account_classification_due",
    "calendar_day_at",
    "card_round_closes",
    "check_card_rounds",
    "days_after",
    "end_of_day",
    "end_of_month",
    "hours_after",
    "load_schedules",
    "minutes_after",
    "monthly_maintenance_plan_due",
    "monthly_report_due",
    "months_after",
    "official_schedules",
    "weekly_maintenance_plan_due",
]
