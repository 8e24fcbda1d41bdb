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
from operator import attrgetter
from typing import Literal, NamedTuple

from ...errors import UnknownBill
from ...models import BillIssued, PaymentReceived, utc_instant

__all__ = ["Allocation", "Settlement", "UnknownBill", "settle"]

_ZERO = Decimal("0")


class Allocation(NamedTuple):
    """Part of a payment applied to a bill (a named tuple: built in C, one per allocation)."""

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
    settled: Mapping[str, datetime] = field(default_factory=dict)
    """Each fully paid bill's settlement instant: the instant of the allocation that paid
    its last yuan (built by :func:`settle`; a bill of amount 0 or less is never in it)."""

    def paid_by(self, bill_id: str, instant: datetime) -> Decimal:
        """Amount allocated to ``bill_id`` from payments made at or before ``instant``."""
        return sum((a.amount for a in self.by_bill.get(bill_id, ()) if a.at <= instant), _ZERO)

    def settled_at(self, bill: BillIssued) -> datetime | None:
        """When a non-zero ``bill`` was fully paid: the instant of the payment whose
        allocation brought its allocations up to its amount; None while it is (partly)
        unpaid."""
        return self.settled.get(bill.id)


def settle(
    bills: Iterable[BillIssued],
    payments: Iterable[PaymentReceived],
    *,
    unknown_bill: Literal["raise", "hold"] = "raise",
    in_order: bool = False,
) -> Settlement:
    """Allocate payments to bills: the named bill first, the rest oldest-first.

    A payment naming a bill that is not among ``bills`` raises
    :class:`UnknownBill`, or with ``unknown_bill="hold"`` is kept whole as
    unallocated credit: at a point in time before that bill is issued, the
    money is earmarked for it and settles nothing else.

    ``in_order=True``: ``payments`` are already in time order, ties by id -- as a
    history in the engine's order (:func:`~gridcrm_rules.models.history_key`) holds
    them -- so they are not sorted again.  The result is the same as without it.
    """
    ordered = tuple(sorted(bills, key=_BILL_ORDER))
    order = [b.id for b in ordered]
    remaining = {b.id: b.amount for b in ordered}
    settled: dict[str, datetime] = {}
    amount_of = dict(remaining)
    paid: dict[str, Decimal] = {}
    by_bill: dict[str, list[Allocation]] = {}
    allocations: list[Allocation] = []
    unallocated = _ZERO
    first_open = 0  # bills before it are fully settled (what a bill owes never grows)
    n = len(order)
    for p in payments if in_order else sorted(payments, key=_payment_order):
        left = p.amount
        named = p.bill_id
        if named is not None:
            owed = remaining.get(named)
            if owed is None:
                if unknown_bill == "hold":
                    unallocated += left
                    continue
                raise UnknownBill(
                    f"payment {p.id!r} names bill {named!r}, which is not in the history"
                )
            take = owed if owed < left else left  # min(left, owed), as min picks on a tie
            if take > _ZERO:
                allocation = Allocation(p.id, named, take, p.at)
                allocations.append(allocation)
                by_bill.setdefault(named, []).append(allocation)
                remaining[named] = owed - take
                left -= take
                _paid(named, take, p.at, paid, amount_of, settled)
        while first_open < n and remaining[order[first_open]] <= _ZERO:
            first_open += 1
        i = first_open
        while left > _ZERO and i < n:
            bill_id = order[i]
            i += 1
            owed = remaining[bill_id]
            take = owed if owed < left else left
            if take > _ZERO:
                allocation = Allocation(p.id, bill_id, take, p.at)
                allocations.append(allocation)
                by_bill.setdefault(bill_id, []).append(allocation)
                remaining[bill_id] = owed - take
                left -= take
                _paid(bill_id, take, p.at, paid, amount_of, settled)
        unallocated += left
    return Settlement(
        ordered, tuple(allocations), unallocated, {k: tuple(v) for k, v in by_bill.items()},
        settled,
    )


def _paid(bill_id: str, take: Decimal, at: datetime, paid: dict[str, Decimal],
          amount_of: Mapping[str, Decimal], settled: dict[str, datetime]) -> None:
    """Add an allocation to a bill's running total; the first that reaches its amount
    settles it (a running sum, rounded at the context's precision as any sum is)."""
    total = paid[bill_id] = paid.get(bill_id, _ZERO) + take
    if bill_id not in settled and total >= amount_of[bill_id]:
        settled[bill_id] = at


_BILL_ORDER = attrgetter("due", "period", "id")
"""Bills settle oldest due first, ties by period, then id."""


def _payment_order(p: PaymentReceived) -> tuple[datetime, str]:
    """Payments apply in time order (in UTC: compares in C), ties by id."""
    return utc_instant(p.at), p.id
