"""RULES.md §0: "前" in a deadline is inclusive, checked at the exact instant (issue 14).

"20日前" ends at 23:59:59 of the 20th, "16:00前" is on time at 16:00:00, "在每年1月"
ends at 23:59:59 on 31 January; one second later is late.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from gridcrm_rules.calendar import (
    annual_key_account_classification_due,
    monthly_maintenance_plan_due,
    monthly_report_due,
)
from gridcrm_rules.calendar.organisation import CLAUSE_IDS
from gridcrm_rules.engine.tasks import task_status

SECOND = timedelta(seconds=1)


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        (monthly_maintenance_plan_due(2026, 3), "2026-02-20T23:59:59+08:00"),  # MT-PLAN 20日前
        (monthly_report_due(2026, 1), "2026-02-07T16:00:00+08:00"),  # CB-REPORT 16:00前
        (annual_key_account_classification_due(2026), "2026-01-31T23:59:59+08:00"),  # KA-ANNUAL
    ],
    ids=["MT-PLAN", "CB-REPORT", "KA-ANNUAL"],
)
def test_on_time_at_the_due_instant_late_one_second_after(due: datetime, expected: str) -> None:
    """Completed at the due instant: on time; one second later: overdue by one second."""
    assert due.isoformat() == expected
    later = due + timedelta(days=3)
    assert task_status(due, due, later) == ("on_time", None)
    assert task_status(due, due + SECOND, later) == ("overdue", SECOND)
    assert task_status(due, None, due) == ("open", None)
    assert task_status(due, None, due + SECOND) == ("overdue", SECOND)


def test_ka_annual_is_a_named_organisation_deadline() -> None:
    """KA-ANNUAL sits beside CB-REPORT with its clause id; a bad year is refused."""
    assert CLAUSE_IDS["annual_key_account_classification_due"] == "KA-ANNUAL"
    assert annual_key_account_classification_due(2028).isoformat() == "2028-01-31T23:59:59+08:00"
    with pytest.raises(ValueError, match="year"):
        annual_key_account_classification_due(0)
