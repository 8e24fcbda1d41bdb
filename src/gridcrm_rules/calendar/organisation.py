"""Deadlines an organisation owes itself: reports, card rounds, plans, the key-account list.

Each function is pure and names its clause id (RULES.md §4) and the source
sentence it implements.  None of these deadlines moves for holidays: the
sources fix calendar days, and 003 says so explicitly for CB-REPORT
("节假日不顺延").  Where a source leaves a point open, the docstring says
**AMBIGUOUS** and states the reading used.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from types import MappingProxyType

from gridcrm_rules._time import local_date
from gridcrm_rules.calendar.deadlines import calendar_day_at, end_of_day, months_after

__all__ = [
    "CARD_ROUNDS_PER_YEAR",
    "CLAUSE_IDS",
    "annual_key_account_classification_due",
    "card_round_closes",
    "check_card_rounds",
    "monthly_maintenance_plan_due",
    "monthly_report_due",
    "weekly_maintenance_plan_due",
]

CARD_ROUNDS_PER_YEAR = 2
"""CB-CARD: "每年至少统一组织两次发放回收工作" (at least two rounds a year)."""

CLAUSE_IDS = MappingProxyType(
    {
        "monthly_report_due": "CB-REPORT",
        "card_round_closes": "CB-CARD",
        "check_card_rounds": "CB-CARD",
        "monthly_maintenance_plan_due": "MT-PLAN",
        "weekly_maintenance_plan_due": "MT-PLAN",
        "annual_key_account_classification_due": "KA-ANNUAL",
    }
)
"""Function name -> the clause id it implements, for traces."""

_REPORT_DAY, _REPORT_HOUR = 7, 16
_PLAN_DAY = 20
_THURSDAY = 3


def _next_month(year: int, month: int) -> tuple[int, int]:
    _check_month(month)
    return (year + 1, 1) if month == 12 else (year, month + 1)


def _previous_month(year: int, month: int) -> tuple[int, int]:
    _check_month(month)
    return (year - 1, 12) if month == 1 else (year, month - 1)


def _check_month(month: int) -> None:
    if not 1 <= month <= 12:
        raise ValueError(f"expected a month 1-12, got {month}")


def monthly_report_due(year: int, month: int) -> datetime:
    """CB-REPORT: when the callback statistics for month ``(year, month)`` are due.

    Source (003, 第十一条): "统计汇总以月为单位,上报时间为每月7日16:00前,节假日不顺延。"
    Statistics are summarised per month and reported by 16:00 on the 7th,
    without postponement for holidays.  A month can only be summarised after
    it ends, so the report due on the 7th covers the *previous* month: the
    statistics of January 2026 are due 2026-02-07 16:00 +08:00, those of
    December 2026 on 2027-01-07.  ``(year, month)`` is the month reported on.
    A report at exactly 16:00 is on time.
    """
    due_year, due_month = _next_month(year, month)
    return calendar_day_at(due_year, due_month, _REPORT_DAY, _REPORT_HOUR)


def card_round_closes(start: date | datetime) -> datetime:
    """CB-CARD: the instant by which a feedback-card (连心卡) round must be complete.

    Source (003, 第十一条): "组织、发放、回收、统计、分类、归档、上报全过程历时一个月完成。"
    The whole round takes at most one month.  The month is counted as in the
    Civil Code (Art. 201-203): the start day does not count, the period ends on
    the corresponding day of the next month (the last day of that month if it
    has none), at the end of that day.  A round started 2026-03-10 closes
    2026-04-10 23:59:59; one started 2026-01-31 closes 2026-02-28 23:59:59.
    """
    return end_of_day(months_after(local_date(start), 1))


def check_card_rounds(round_starts: Iterable[date | datetime], year: int) -> list[str]:
    """CB-CARD: problems with the feedback-card rounds held in ``year`` (empty if none).

    Source (003, 第十一条): "每年至少统一组织两次发放回收工作" -- at least two
    rounds a year.  A round belongs to the year in which it starts (Shanghai
    date); starts in other years are ignored and several starts on one day
    are one round.  The sampling quotas of a round (10% / 1%) are checked by
    the rule pack, not here.
    """
    starts = sorted({local_date(s) for s in round_starts if local_date(s).year == year})
    problems: list[str] = []
    if len(starts) < CARD_ROUNDS_PER_YEAR:
        held = ", ".join(d.isoformat() for d in starts) or "none"
        problems.append(
            f"CB-CARD: expected at least {CARD_ROUNDS_PER_YEAR} feedback-card rounds in "
            f"{year}, got {len(starts)} (started: {held})"
        )
    return problems


def monthly_maintenance_plan_due(year: int, month: int) -> datetime:
    """MT-PLAN: when the outage maintenance plan for month ``(year, month)`` is due.

    Source (004, 大宗用户管理办法 二、1): "每月20日前上报停电检修计划"
    -- the outage maintenance plan is reported before the 20th of each month.
    **AMBIGUOUS** on two points; readings used (RULES.md §4: "due by the 20th"):

    * which month the plan is for: a plan must precede the work it schedules,
      so the plan for month M is due in month M-1 (the plan for March 2026 is
      due 2026-02-20);
    * "20日前" is read as "by the end of the 20th" (23:59:59), not "by the 19th".

    A calendar day: no postponement for holidays.
    """
    due_year, due_month = _previous_month(year, month)
    return end_of_day(date(due_year, due_month, _PLAN_DAY))


def weekly_maintenance_plan_due(week_of: date | datetime) -> datetime:
    """MT-PLAN: when the weekly maintenance plan for the week containing ``week_of`` is due.

    Source (004, 大宗用户管理办法 二、1): "每周四上报周检修计划" -- the
    weekly plan is reported every Thursday.  **AMBIGUOUS** as to which week;
    reading used, as for the monthly plan: the plan for a week (Monday to
    Sunday, holding the Shanghai date of ``week_of``) is due on the Thursday
    *before* that week, at 23:59:59.  The plan for the week of Monday
    2026-03-16 is due Thursday 2026-03-12 23:59:59.  No holiday postponement.
    """
    day = local_date(week_of)
    monday = day - timedelta(days=day.weekday())
    return end_of_day(monday - timedelta(days=7 - _THURSDAY))


def annual_key_account_classification_due(year: int) -> datetime:
    """KA-ANNUAL: when the yearly key-account classification for ``year`` is due.

    Source (004, 供电所大客户维护与管理办法 第三条): "营业厅应在每年1月,完成年度大客户的统计分类。"
    The service hall completes the year's key-account classification in January,
    from the previous year's consumption (KA-GEN reads the previous calendar
    year).  "在每年1月" is read as "by the end of January": the list for 2026 is due
    2026-01-31 23:59:59 +08:00; a classification at that second is on time.  A
    calendar day: no postponement for holidays.
    """
    if not 1 <= year <= 9999:
        raise ValueError(f"expected a year 1-9999, got {year}")
    return end_of_day(date(year, 1, 31))
