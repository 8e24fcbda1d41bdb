"""FIFO settlement of bills by payments (RULES.md §2): named bill first, then oldest-first."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from gridcrm_rules._time import SHANGHAI
from gridcrm_rules.areas.credit.settlement import Allocation, UnknownBill, settle
from gridcrm_rules.models import BillIssued, PaymentReceived


def bill(bid: str, due: str, amount: str, period: str | None = None) -> BillIssued:
    return BillIssued(id=bid, period=period or due[:7], amount=amount, due=due)


def pay(pid: str, at: str, amount: str, bill_id: str | None = None) -> PaymentReceived:
    return PaymentReceived(id=pid, at=at, amount=amount, bill_id=bill_id)


def shanghai(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def test_unnamed_payment_settles_oldest_bill_first() -> None:
    """An unnamed payment goes to the bill with the earliest due date, whatever the input order."""
    s = settle(
        [bill("b2", "2026-09-15", "100"), bill("b1", "2026-08-15", "100")],
        [pay("p1", "2026-09-01", "100")],
    )
    assert s.allocations == (Allocation("p1", "b1", Decimal("100"), shanghai("2026-09-01T00:00")),)
    assert s.unallocated == 0
    assert [b.id for b in s.bills] == ["b1", "b2"]


def test_named_payment_goes_to_its_bill_first_then_fifo() -> None:
    """A named payment fills its bill, and the rest goes oldest-first."""
    s = settle(
        [
            bill("b1", "2026-08-15", "100"),
            bill("b2", "2026-09-15", "100"),
            bill("b3", "2026-10-15", "100"),
        ],
        [pay("p1", "2026-10-01", "150", bill_id="b3")],
    )
    assert [(a.bill_id, a.amount) for a in s.allocations] == [
        ("b3", Decimal("100")),
        ("b1", Decimal("50")),
    ]
    assert s.unallocated == 0


def test_named_payment_for_a_settled_bill_falls_back_to_fifo() -> None:
    """Money naming an already-paid bill is not lost: it settles the oldest open bill."""
    s = settle(
        [bill("b1", "2026-08-15", "100"), bill("b2", "2026-09-15", "100")],
        [
            pay("p1", "2026-08-10", "100", bill_id="b1"),
            pay("p2", "2026-09-10", "100", bill_id="b1"),
        ],
    )
    assert [(a.payment_id, a.bill_id) for a in s.allocations] == [("p1", "b1"), ("p2", "b2")]


def test_overpayment_leaves_unallocated_credit() -> None:
    """Money beyond every open bill is kept as unallocated credit, not dropped."""
    s = settle([bill("b1", "2026-08-15", "100.00")], [pay("p1", "2026-08-01", "130.55")])
    assert s.unallocated == Decimal("30.55")
    assert sum(a.amount for a in s.allocations) == Decimal("100.00")


def test_credit_from_earlier_overpayment_is_not_carried_to_later_bills() -> None:
    """Each payment is allocated when made; leftover credit stays unallocated."""
    s = settle(
        [bill("b1", "2026-08-15", "100"), bill("b2", "2026-09-15", "100")],
        [pay("p1", "2026-07-01", "250")],
    )
    assert [(a.bill_id, a.amount) for a in s.allocations] == [
        ("b1", Decimal("100")),
        ("b2", Decimal("100")),
    ]
    assert s.unallocated == Decimal("50")


def test_payments_applied_in_time_order_ties_by_id() -> None:
    """Same-instant payments apply in id order; same-due bills settle in (period, id) order."""
    s = settle(
        [bill("bb", "2026-08-15", "100", "2026-07"), bill("ba", "2026-08-15", "100", "2026-07")],
        [pay("p2", "2026-08-01", "100"), pay("p1", "2026-08-01", "60")],
    )
    assert [(a.payment_id, a.bill_id, a.amount) for a in s.allocations] == [
        ("p1", "ba", Decimal("60")),
        ("p2", "ba", Decimal("40")),
        ("p2", "bb", Decimal("60")),
    ]


def test_bills_with_same_due_ordered_by_period_before_id() -> None:
    """With equal due dates the older billing period is settled first, whatever the ids."""
    s = settle(
        [
            bill("a-new", "2026-08-15", "100", "2026-07"),
            bill("z-old", "2026-08-15", "100", "2026-06"),
        ],
        [pay("p1", "2026-08-01", "100")],
    )
    assert s.allocations[0].bill_id == "z-old"


def test_earlier_payment_applied_first_regardless_of_input_order() -> None:
    """Payments are sorted by instant, so a later-listed but earlier payment is applied first."""
    s = settle(
        [bill("b1", "2026-08-15", "100")],
        [pay("late", "2026-09-01", "100"), pay("early", "2026-08-01T10:00:00+08:00", "100")],
    )
    assert s.allocations[0].payment_id == "early"
    assert s.unallocated == Decimal("100")


def test_paid_by_counts_only_payments_up_to_the_instant() -> None:
    """``paid_by`` sums the allocations made at or before an instant (inclusive)."""
    s = settle(
        [bill("b1", "2026-08-15", "100")],
        [
            pay("p1", "2026-08-10T10:00:00+08:00", "40"),
            pay("p2", "2026-08-20T10:00:00+08:00", "60"),
        ],
    )
    assert s.paid_by("b1", shanghai("2026-08-10T09:59:59")) == 0
    assert s.paid_by("b1", shanghai("2026-08-10T10:00:00")) == Decimal("40")
    assert s.paid_by("b1", shanghai("2026-08-31T00:00:00")) == Decimal("100")


def test_settled_at_is_the_instant_of_the_last_needed_payment() -> None:
    """A bill is settled when the cumulative allocation reaches its amount; None while open."""
    b = bill("b1", "2026-08-15", "100")
    s = settle([b], [pay("p1", "2026-08-10", "40"), pay("p2", "2026-08-20T12:00:00+08:00", "60")])
    assert s.settled_at(b) == shanghai("2026-08-20T12:00:00")
    assert settle([b], [pay("p1", "2026-08-10", "99.99")]).settled_at(b) is None


def test_settle_with_no_payments_allocates_nothing() -> None:
    """Without payments every bill stays open and nothing is unallocated."""
    s = settle([bill("b1", "2026-08-15", "100")], [])
    assert s.allocations == ()
    assert s.unallocated == 0


def test_settle_refuses_a_payment_naming_a_missing_bill() -> None:
    """Called directly with an inconsistent history, settle raises UnknownBill naming both ids."""
    with pytest.raises(UnknownBill, match=r"'p1' names bill 'b9'"):
        settle([bill("b1", "2026-08-15", "100")], [pay("p1", "2026-08-10", "1", bill_id="b9")])


def test_settle_can_hold_a_payment_for_a_bill_not_given() -> None:
    """With ``unknown_bill="hold"`` money naming an absent bill is kept whole as credit."""
    s = settle(
        [bill("b1", "2026-08-15", "100")],
        [pay("p1", "2026-08-10", "60", bill_id="b9"), pay("p2", "2026-08-11", "30")],
        unknown_bill="hold",
    )
    assert [(a.payment_id, a.bill_id, a.amount) for a in s.allocations] == [
        ("p2", "b1", Decimal("30"))
    ]
    assert s.unallocated == Decimal("60")
