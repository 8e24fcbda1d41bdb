"""Organisation deadlines: CB-REPORT, CB-CARD and MT-PLAN."""

from __future__ import annotations

import inspect
from datetime import UTC, date, datetime, timedelta

import pytest

from gridcrm_rules._time import SHANGHAI
from gridcrm_rules.calendar import (
    CLAUSE_IDS,
    card_round_closes,
    check_card_rounds,
    monthly_maintenance_plan_due,
    monthly_report_due,
    organisation,
    weekly_maintenance_plan_due,
)


def _sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)  # type: ignore[arg-type, misc]


# -- CB-REPORT -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "month", "due"),
    [
        (2026, 1, _sh(2026, 2, 7, 16, 0)),
        (2025, 9, _sh(2025, 10, 7, 16, 0)),  # inside National Day 2025: not postponed
        (2026, 12, _sh(2027, 1, 7, 16, 0)),
    ],
)
def test_monthly_report_due(year: int, month: int, due: datetime) -> None:
    """A month's statistics are due 16:00 on the 7th of the next month, no postponement."""
    assert monthly_report_due(year, month) == due


def test_monthly_report_rejects_bad_month() -> None:
    """Month must be 1-12."""
    with pytest.raises(ValueError, match="month 1-12"):
        monthly_report_due(2026, 13)


# -- CB-CARD ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "closes"),
    [
        (date(2026, 3, 10), _sh(2026, 4, 10, 23, 59, 59)),
        (date(2026, 1, 31), _sh(2026, 2, 28, 23, 59, 59)),
        (date(2026, 12, 15), _sh(2027, 1, 15, 23, 59, 59)),
        (_sh(2026, 3, 10, 15, 0), _sh(2026, 4, 10, 23, 59, 59)),
        # 2026-03-09 18:00 UTC is 2026-03-10 02:00 in Shanghai.
        (datetime(2026, 3, 9, 18, 0, tzinfo=UTC), _sh(2026, 4, 10, 23, 59, 59)),
    ],
)
def test_card_round_closes(start: date, closes: datetime) -> None:
    """A round closes at the end of the corresponding day one month later (clamped)."""
    assert card_round_closes(start) == closes


def test_two_rounds_are_enough() -> None:
    """Two rounds started in the year: no problem."""
    assert check_card_rounds([date(2026, 4, 1), date(2026, 10, 12)], 2026) == []


def test_fewer_than_two_rounds_is_a_problem() -> None:
    """One round (duplicates and other years not counted) is reported under CB-CARD."""
    problems = check_card_rounds(
        [date(2026, 4, 1), _sh(2026, 4, 1, 9, 0), date(2025, 10, 1), date(2027, 1, 5)], 2026
    )
    assert len(problems) == 1
    assert problems[0].startswith("CB-CARD:")
    assert "got 1" in problems[0]
    assert "2026-04-01" in problems[0]
    assert "got 0" in check_card_rounds([], 2026)[0]


# -- MT-PLAN ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "month", "due"),
    [
        (2026, 3, _sh(2026, 2, 20, 23, 59, 59)),  # 2026-02-20 is a day off: not postponed
        (2027, 1, _sh(2026, 12, 20, 23, 59, 59)),
        (2026, 12, _sh(2026, 11, 20, 23, 59, 59)),
    ],
)
def test_monthly_maintenance_plan_due(year: int, month: int, due: datetime) -> None:
    """The plan for a month is due by the end of the 20th of the month before."""
    assert monthly_maintenance_plan_due(year, month) == due


@pytest.mark.parametrize("offset", range(7))
def test_weekly_maintenance_plan_due(offset: int) -> None:
    """Any day of the week of Monday 2026-03-16 maps to Thursday 2026-03-12 23:59:59."""
    week_of = date(2026, 3, 16) + timedelta(days=offset)
    due = weekly_maintenance_plan_due(week_of)
    assert due == _sh(2026, 3, 12, 23, 59, 59)
    assert due.weekday() == 3


def test_weekly_plan_uses_shanghai_date() -> None:
    """Sunday 16:00 UTC is already Monday in Shanghai, so it belongs to the next week."""
    sunday_utc = datetime(2026, 3, 15, 16, 0, tzinfo=UTC)  # Mon 2026-03-16 00:00 Shanghai
    assert weekly_maintenance_plan_due(sunday_utc) == _sh(2026, 3, 12, 23, 59, 59)


def test_clause_ids_and_citations() -> None:
    """Every public function is mapped to its clause id and cites it in its docstring."""
    for name in organisation.__all__:
        obj = getattr(organisation, name)
        if not inspect.isfunction(obj):
            continue
        clause = CLAUSE_IDS[name]
        doc = inspect.getdoc(obj) or ""
        assert doc.startswith(clause), name
        assert "Source (00" in doc, name
