"""Credit facts of RULES.md §2 at their boundaries, computed directly from a FactContext."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from gridcrm_rules import Customer, parse_events
from gridcrm_rules._time import to_aware
from gridcrm_rules.areas.credit.facts import CREDIT_FACTS, credit_facts
from gridcrm_rules.builtin import default_facts
from gridcrm_rules.expr.types import Kind
from gridcrm_rules.facts import FactContext

CUSTOMER = Customer(id="C1", category="residential", supply_voltage_kv=Decimal("0.22"))
AS_OF = to_aware("2026-11-22T09:00:00+08:00")
CUTOFF = date(2026, 10, 31)
DEFAULTS = {"arrears_reading": "age", "year_window": "rolling_12m",
            "arrears_in_year_reading": "any_day"}


def facts(
    events: list[dict[str, Any]],
    *,
    as_of: datetime = AS_OF,
    cutoff: date = CUTOFF,
    **params: str,
) -> Mapping[str, Any]:
    ctx = FactContext(CUSTOMER, parse_events(events), as_of, cutoff, {**DEFAULTS, **params})
    return credit_facts(ctx)


def bill(bid: str, due: str, amount: str = "100.00") -> dict[str, Any]:
    y, m = int(due[:4]), int(due[5:7])
    y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return {
        "type": "bill_issued",
        "id": bid,
        "period": f"{y}-{m:02d}",
        "amount": amount,
        "due": due,
    }


def pay(pid: str, at: str, amount: str = "100.00", bill_id: str | None = None) -> dict[str, Any]:
    return {"type": "payment_received", "id": pid, "at": at, "amount": amount, "bill_id": bill_id}


def test_provider_declares_every_fact_it_computes() -> None:
    """The credit provider's declared names are exactly the keys it returns."""
    assert set(facts([])) == set(CREDIT_FACTS.provides)
    assert CREDIT_FACTS.params == ("arrears_reading", "year_window", "arrears_in_year_reading")


def test_declared_fact_types() -> None:
    """Boolean facts are bool, amounts number, dates nullable date (for the checker)."""
    t = CREDIT_FACTS.provides
    assert t["theft_or_violation_3y"].kind is Kind.BOOL
    assert t["arrears_amount"].kind is Kind.NUMBER
    assert t["oldest_unpaid_due"].kind is Kind.DATE
    assert t["oldest_unpaid_due"].nullable


def test_empty_history_facts() -> None:
    """No history: nothing owed, no offence, provisional with zero billing months."""
    f = facts([])
    assert f["arrears_amount"] == 0
    assert f["theft_or_violation_3y"] is False
    assert f["billing_months"] == 0
    assert f["provisional"] is True
    assert f["oldest_unpaid_due"] is None


@pytest.mark.parametrize(
    ("at", "inside"),
    [
        ("2023-11-22", True),
        ("2023-11-21T23:59:59+08:00", False),
        ("2023-11-21", False),
        ("2026-11-22T09:00:00+08:00", True),
    ],
)
def test_theft_window_is_three_years_inclusive(at: str, inside: bool) -> None:
    """Theft counts from as_of - 3 years (inclusive, by Shanghai date) up to as_of."""
    assert (
        facts([{"type": "theft_detected", "id": "t", "at": at}])["theft_or_violation_3y"] is inside
    )


def test_three_year_window_clamps_on_leap_day() -> None:
    """From 2027-02-28 the window starts on 2024-02-28 (3 years back from a non-leap date)."""
    as_of = to_aware("2027-02-28T09:00:00+08:00")
    cutoff = date(2027, 1, 31)
    on = facts(
        [{"type": "violation_recorded", "id": "v", "at": "2024-02-28"}], as_of=as_of, cutoff=cutoff
    )
    before = facts(
        [{"type": "violation_recorded", "id": "v", "at": "2024-02-27"}], as_of=as_of, cutoff=cutoff
    )
    assert on["theft_or_violation_3y"] is True
    assert before["theft_or_violation_3y"] is False


def test_last_offence_is_the_latest_inside_the_window() -> None:
    """``last_offence_on`` is the date of the latest theft or violation in the window."""
    f = facts(
        [
            {"type": "theft_detected", "id": "t1", "at": "2024-01-10"},
            {"type": "violation_recorded", "id": "v1", "at": "2025-06-01T23:30:00+08:00"},
            {"type": "theft_detected", "id": "t0", "at": "2020-01-10"},
        ]
    )
    assert f["last_offence_on"] == date(2025, 6, 1)


@pytest.mark.parametrize(
    ("due", "over_1m", "over_2m"),
    [
        ("2026-08-29", True, True),
        ("2026-08-30", True, True),
        ("2026-08-31", True, False),
        ("2026-09-30", True, False),
        ("2026-10-01", False, False),
        ("2026-10-31", False, False),
    ],
)
def test_arrears_age_boundaries_with_month_end_clamping(
    due: str, over_1m: bool, over_2m: bool
) -> None:
    """``due + n months < cutoff`` with relativedelta clamping decides over 1 and 2 months."""
    f = facts([bill("b1", due)])
    assert (f["arrears_over_1m"], f["arrears_over_2m"]) == (over_1m, over_2m)
    assert f["oldest_unpaid_due"] == date.fromisoformat(due)
    assert f["arrears_amount"] == Decimal("100.00")


def test_bill_due_after_cutoff_is_not_arrears() -> None:
    """A bill due after the cutoff is not in arrears at the cutoff, even unpaid."""
    f = facts([bill("b1", "2026-11-01")])
    assert f["arrears_amount"] == 0
    assert f["had_arrears_in_year"] is False


def test_payment_at_end_of_cutoff_day_counts() -> None:
    """Payments up to 23:59:59.999999 Shanghai on the cutoff day reduce arrears."""
    f = facts([bill("b1", "2026-10-31"), pay("p1", "2026-10-31T23:59:59.999999+08:00")])
    assert f["arrears_amount"] == 0
    g = facts([bill("b1", "2026-10-31"), pay("p1", "2026-11-01T00:00:00+08:00")])
    assert g["arrears_amount"] == Decimal("100.00")


def test_late_payment_detected_by_shanghai_date() -> None:
    """A payment at 23:30 Shanghai on the due day is on time even though UTC is still that day."""
    on_time = facts([bill("b1", "2026-05-15"), pay("p1", "2026-05-15T15:30:00+00:00")])
    late = facts([bill("b1", "2026-05-15"), pay("p1", "2026-05-15T16:00:00+00:00")])
    assert on_time["had_arrears_in_year"] is False
    assert late["had_arrears_in_year"] is True


@pytest.mark.parametrize(
    ("window", "due", "counted"),
    [
        ("rolling_12m", "2025-10-31", False),
        ("rolling_12m", "2025-11-01", True),
        ("calendar_year", "2025-12-31", False),
        ("calendar_year", "2026-01-01", True),
        ("calendar_year", "2026-10-31", True),
    ],
)
def test_year_window_boundaries_due_in_window(window: str, due: str, counted: bool) -> None:
    """due_in_window reading: a bill paid a day late counts only if due inside (start, cutoff]."""
    y, m, d = (int(x) for x in due.split("-"))
    paid = date(y, m, d).toordinal() + 1
    at = date.fromordinal(paid).isoformat()
    f = facts([bill("b1", due), pay("p1", at)], year_window=window,
              arrears_in_year_reading="due_in_window")
    assert f["had_arrears_in_year"] is counted


@pytest.mark.parametrize(
    ("window", "start"),
    [("rolling_12m", date(2025, 10, 31)), ("calendar_year", date(2025, 12, 31))],
)
@pytest.mark.parametrize(
    ("due_offset", "paid_offset", "counted"),
    [
        (0, 1, True),  # due the day before the window, paid on its first day: in arrears then
        (0, 0, False),  # paid on its due day, before the window: a clean year
        (-40, 0, False),  # long overdue, but settled before the window opened
        (-40, 1, True),  # long overdue, settled on the window's first day
        (1, 2, True),  # due on the first day, paid a day late (both readings)
        (1, 1, False),  # due on the first day, paid on time
    ],
)
def test_any_day_reading_at_the_window_start(
    window: str, start: date, due_offset: int, paid_offset: int, counted: bool
) -> None:
    """any_day (default): some day of the window with a bill past due and unpaid counts."""
    due = date.fromordinal(start.toordinal() + due_offset).isoformat()
    at = date.fromordinal(start.toordinal() + paid_offset).isoformat() + "T10:00:00+08:00"
    f = facts([bill("b1", due), pay("p1", at)], year_window=window)
    assert f["had_arrears_in_year"] is counted


def test_any_day_reading_counts_a_bill_due_before_the_window_still_unpaid() -> None:
    """A bill due before the window and unpaid at the cutoff is arrears on every window day."""
    f = facts([bill("b1", "2025-09-15")])
    assert f["had_arrears_in_year"] is True
    assert facts([bill("b1", "2025-09-15")], arrears_in_year_reading="due_in_window")[
        "had_arrears_in_year"] is False


def test_unknown_arrears_in_year_reading_is_refused() -> None:
    """A reading that is neither any_day nor due_in_window is an error, not a guess."""
    with pytest.raises(ValueError, match="arrears_in_year_reading"):
        facts([], arrears_in_year_reading="sometimes")


def test_zero_amount_bill_is_never_late() -> None:
    """A zero bill needs no payment, so it is neither arrears nor a late payment."""
    f = facts([bill("b1", "2026-05-15", "0.00")])
    assert f["arrears_amount"] == 0
    assert f["had_arrears_in_year"] is False
    assert f["billing_months"] == 1


def test_amount_reading_compares_with_average_window_bill() -> None:
    """Amount reading: arrears over 1x / 2x the average window bill are over 1 / 2 months."""
    events = [
        bill("b1", "2026-09-15", "100.00"),
        bill("b2", "2026-10-15", "500.00"),
        pay("p1", "2026-09-15", "100.00", "b1"),
    ]
    f = facts(events, arrears_reading="amount")
    assert (f["arrears_over_1m"], f["arrears_over_2m"]) == (True, False)
    g = facts(events, arrears_reading="age")
    assert (g["arrears_over_1m"], g["arrears_over_2m"]) == (False, False)


def test_amount_reading_equal_to_average_is_not_over() -> None:
    """超过 excludes equality: arrears equal to the average bill are not over one month."""
    events = [
        bill("b1", "2026-09-15", "100.00"),
        bill("b2", "2026-10-15", "100.00"),
        pay("p1", "2026-09-15", "100.00"),
    ]
    f = facts(events, arrears_reading="amount")
    assert f["arrears_amount"] == Decimal("100.00")
    assert f["arrears_over_1m"] is False


def test_billing_months_count_distinct_periods() -> None:
    """Two bills of one period are one billing month; provisional below 12."""
    events = [
        {
            "type": "bill_issued",
            "id": f"b{i}",
            "period": f"2025-{i:02d}",
            "amount": "1.00",
            "due": f"2025-{i:02d}-28",
        }
        for i in range(1, 13)
    ]
    events.append(
        {
            "type": "bill_issued",
            "id": "extra",
            "period": "2025-12",
            "amount": "1.00",
            "due": "2025-12-28",
        }
    )
    f = facts([*events, pay("p", "2024-12-01", "13.00")])
    assert f["billing_months"] == 12
    assert f["provisional"] is False


def test_bad_param_value_is_a_clear_error() -> None:
    """An unknown reading is refused with 'expected ..., got ...' wording."""
    with pytest.raises(ValueError, match=r"expected 'age' or 'amount', got 'size'"):
        facts([bill("b1", "2026-08-15")], arrears_reading="size")
    with pytest.raises(
        ValueError, match=r"expected 'rolling_12m' or 'calendar_year', got 'fiscal'"
    ):
        facts([], year_window="fiscal")


def test_default_registry_is_fresh_and_refuses_duplicate_fact_names() -> None:
    """Each ``default_facts()`` is a new registry; registering a fact name twice is refused."""
    assert default_facts() is not default_facts()
    with pytest.raises(ValueError, match="provided twice"):
        default_facts().with_provider(CREDIT_FACTS)
