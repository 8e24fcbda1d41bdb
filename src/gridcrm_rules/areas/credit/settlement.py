"""Settlement of bills by payments (RULES.md §2): FIFO unless a payment names its bill.

Pure and order-independent: bills are settled oldest due date first (ties by
period, then id); payments are applied in time order (ties by id).  Every yuan
paid is either allocated to a bill or left as an unallocated credit, so
``allocated + unallocated == paid`` always holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Literal

from ...errors import UnknownBill
from ...models import BillIssued, PaymentReceived, utc_wall

__all__ = ["Allocation", "Settlement", "UnknownBill", "settle"]

_ZERO = Decimal("0")


@dataclass(frozen=True, slots=True)
class Allocation:
    """Part of a payment applied to a bill."""

    payment_id: str
    bill_id: str
    amount: Decimal
    at: datetime


@dataclass(frozen=True, slots=True)
class Settlement:
    """The bills, the allocations made to each, and any unallocated credit."""

    bills: tuple[BillIssued, ...]
    allocations: tuple[Allocation, ...]
    unallocated: Decimal
    by_bill: Mapping[str, tuple[Allocation, ...]] = field(default_factory=dict)
    """Each bill's allocations in payment order (built by :func:`settle`)."""

    def paid_by(self, bill_id: str, instant: datetime) -> Decimal:
        """Amount allocated to ``bill_id`` from payments made at or before ``instant``."""
        return sum((a.amount for a in self.by_bill.get(bill_id, ()) if a.at <= instant), _ZERO)

    def settled_at(self, bill: BillIssued) -> datetime | None:
        """When a non-zero ``bill`` was fully paid; None while it is (partly) unpaid."""
        total = _ZERO
        for a in self.by_bill.get(bill.id, ()):
            total += a.amount
            if total >= bill.amount:
                return a.at
        return None


def settle(
    bills: Iterable[BillIssued],
    payments: Iterable[PaymentReceived],
    *,
    unknown_bill: Literal["raise", "hold"] = "raise",
) -> Settlement:
    """Allocate payments to bills: the named bill first, the rest oldest-first.

    A payment naming a bill that is not among ``bills`` raises
    :class:`UnknownBill`, or with ``unknown_bill="hold"`` is kept whole as
    unallocated credit: at a point in time before that bill is issued, the
    money is earmarked for it and settles nothing else.
    """
    ordered = tuple(sorted(bills, key=lambda b: (b.due, b.period, b.id)))
    remaining = {b.id: b.amount for b in ordered}
    allocations: list[Allocation] = []
    unallocated = _ZERO
    first_open = 0  # bills before it are fully settled (what a bill owes never grows)
    for p in sorted(payments, key=lambda p: (utc_wall(p.at), p.id)):  # naive: compares in C
        left = p.amount
        if p.bill_id is not None:
            if p.bill_id not in remaining:
                if unknown_bill == "hold":
                    unallocated += left
                    continue
                raise UnknownBill(
                    f"payment {p.id!r} names bill {p.bill_id!r}, which is not in the history"
                )
            take = min(left, remaining[p.bill_id])
            if take > 0:
                allocations.append(Allocation(p.id, p.bill_id, take, p.at))
                remaining[p.bill_id] -= take
                left -= take
        while first_open < len(ordered) and remaining[ordered[first_open].id] <= 0:
            first_open += 1
        for i in range(first_open, len(ordered)):
            if left <= 0:
                break
            b = ordered[i]
            take = min(left, remaining[b.id])
            if take > 0:
                allocations.append(Allocation(p.id, b.id, take, p.at))
                remaining[b.id] -= take
                left -= take
        unallocated += left
    by_bill: dict[str, list[Allocation]] = {}
    for a in allocations:
        by_bill.setdefault(a.bill_id, []).append(a)
    return Settlement(
        ordered, tuple(allocations), unallocated, {k: tuple(v) for k, v in by_bill.items()}
    )
