"""The credit facts of RULES.md §2, computed from a history at ``as_of``.

Source: 000_00d757a177b389d7.txt (电力客户信用等级评价与管理办法).
Counting words follow RULES.md §0: "超过一个月" is strictly more than one month.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from ..._time import SHANGHAI, local_date
from ...expr.types import BOOL, DATE, NUMBER, Type
from ...facts.registry import FactContext, FactProvider
from ...models import BillIssued, PaymentReceived, TheftDetected, ViolationRecorded
from ...models.events import EVENT_MODELS
from ...windows import arrears_age_limit, offence_window, year_window
from .settlement import settle

__all__ = ["ARREARS_IN_YEAR_READINGS", "CREDIT_FACTS", "CREDIT_PARAMS", "arrears_in_year_reading",
           "credit_facts"]

_ZERO = Decimal("0")
_BILL, _PAYMENT, _OFFENCE = 1, 2, 3
_READ: tuple[tuple[type, int], ...] = (
    (BillIssued, _BILL), (PaymentReceived, _PAYMENT),
    (TheftDetected, _OFFENCE), (ViolationRecorded, _OFFENCE),
)


def _kind_of(cls: type) -> int | None:
    """What the credit facts read an event of class ``cls`` as (None: nothing)."""
    return next((kind for base, kind in _READ if issubclass(cls, base)), None)


_KIND: dict[type, int | None] = {m: _kind_of(m) for m in EVENT_MODELS.values()}
"""Every event model and what the credit facts read it as: one lookup per event (a
subclass, not in it, is read as its base by :func:`_kind_of`)."""

CREDIT_PARAMS = ("arrears_reading", "year_window", "arrears_in_year_reading")
"""Pack parameters the credit facts read (defaults in areas/credit/credit.yaml)."""


ARREARS_IN_YEAR_READINGS = ("any_day", "due_in_window")
"""Readings of "一个年度内有拖欠电费现象" (RULES.md §2 ``had_arrears_in_year``)."""


def arrears_in_year_reading(params: Mapping[str, Any]) -> str:
    """The ``arrears_in_year_reading`` parameter, checked (default in credit.yaml: ``any_day``)."""
    reading = str(params["arrears_in_year_reading"])
    if reading not in ARREARS_IN_YEAR_READINGS:
        raise ValueError(
            f"arrears_in_year_reading: expected 'any_day' or 'due_in_window', got {reading!r}"
        )
    return reading


def credit_facts(ctx: FactContext) -> Mapping[str, Any]:
    """All credit facts in one pass over one settlement of the bills."""
    bills: list[BillIssued] = []
    payments: list[PaymentReceived] = []
    offence_instants: list[datetime] = []
    kinds = _KIND
    for e in ctx.events:  # one pass over the history, split by model class
        cls = type(e)
        kind = kinds[cls] if cls in kinds else _kind_of(cls)
        if kind == _BILL:
            bills.append(e)  # type: ignore[arg-type]  # _KIND names the model
        elif kind == _PAYMENT:
            payments.append(e)  # type: ignore[arg-type]
        elif kind == _OFFENCE:
            offence_instants.append(e.at)  # type: ignore[union-attr]
    # the context's history is in the engine's order, so payments are in time order
    settlement = settle(bills, payments, unknown_bill="hold", in_order=True)
    cutoff = ctx.cutoff
    end_of_cutoff = datetime.combine(cutoff, time.max, tzinfo=SHANGHAI)
    window_start, window_end = year_window(cutoff, str(ctx.params["year_window"]))
    any_day = arrears_in_year_reading(ctx.params) == "any_day"

    arrears = _ZERO
    oldest_unpaid: date | None = None
    had_arrears = False
    window_amounts: list[Decimal] = []
    settled_on = settlement.settled
    for bill in settlement.bills:
        due = bill.due
        if due > cutoff:
            continue
        amount = bill.amount
        settled = settled_on.get(bill.id) if amount > _ZERO else None
        settled_day = None if settled is None else local_date(settled)
        if settled is not None and settled <= end_of_cutoff:  # an instant: 1940s DST hours
            unpaid = _ZERO  # settled by the cutoff: allocations never exceed the amount
        else:
            unpaid = amount - settlement.paid_by(bill.id, end_of_cutoff)
        if unpaid > _ZERO:
            arrears += unpaid
            oldest_unpaid = due if oldest_unpaid is None else min(oldest_unpaid, due)
        if window_start < due <= window_end:
            window_amounts.append(amount)
            if unpaid > _ZERO or (settled_day is not None and settled_day > due):
                had_arrears = True
        elif (
            any_day
            and due <= window_start
            and amount > _ZERO
            and (settled_day is None or settled_day > window_start)
        ):
            # Due before the window: in arrears on its first day unless settled before it.
            had_arrears = True

    reading = str(ctx.params["arrears_reading"])
    if reading == "age":
        over_1m = oldest_unpaid is not None and oldest_unpaid < arrears_age_limit(cutoff, 1)
        over_2m = oldest_unpaid is not None and oldest_unpaid < arrears_age_limit(cutoff, 2)
    elif reading == "amount":
        month_bill = sum(window_amounts, _ZERO) / len(window_amounts) if window_amounts else _ZERO
        over_1m = arrears > month_bill
        over_2m = arrears > 2 * month_bill
    else:
        raise ValueError(f"arrears_reading: expected 'age' or 'amount', got {reading!r}")

    since, until = offence_window(ctx.as_of)
    offences = [day for day in map(local_date, offence_instants) if since <= day <= until]
    periods = {b.period for b in bills}
    return {
        "theft_or_violation_3y": bool(offences),
        "last_offence_on": max(offences) if offences else None,
        "arrears_amount": arrears,
        "arrears_over_1m": over_1m,
        "arrears_over_2m": over_2m,
        "oldest_unpaid_due": oldest_unpaid,
        "had_arrears_in_year": had_arrears,
        "billing_months": len(periods),
        "provisional": len(periods) < 12,
        "unallocated_credit": settlement.unallocated,
    }


_TYPES: dict[str, Type] = {
    "theft_or_violation_3y": BOOL,
    "last_offence_on": DATE.or_none(),
    "arrears_amount": NUMBER,
    "arrears_over_1m": BOOL,
    "arrears_over_2m": BOOL,
    "oldest_unpaid_due": DATE.or_none(),
    "had_arrears_in_year": BOOL,
    "billing_months": NUMBER,
    "provisional": BOOL,
    "unallocated_credit": NUMBER,
}

_DOCS = {
    "theft_or_violation_3y": "Theft or illegal use within 3 years up to as_of (inclusive).",
    "last_offence_on": "Date of the latest theft/violation within the 3-year window.",
    "arrears_amount": "Unpaid amount at the end of the cutoff day, of bills due on or before it.",
    "arrears_over_1m": "Some unpaid bill has due + 1 month < cutoff (or the amount reading).",
    "arrears_over_2m": "Some unpaid bill has due + 2 months < cutoff (or the amount reading).",
    "oldest_unpaid_due": "Due date of the oldest bill unpaid at cutoff.",
    "had_arrears_in_year": (
        "On some day of the year window a bill was past due and not fully paid (a bill due "
        "in the window paid late or unpaid at cutoff; with the default any_day reading also "
        "a bill due before the window still unpaid on its first day)."
    ),
    "billing_months": "Number of distinct billing periods in the history.",
    "provisional": "Fewer than 12 months of billing history.",
    "unallocated_credit": "Paid money not allocated to any bill (a credit balance).",
}

CREDIT_FACTS = FactProvider(
    name="credit",
    provides=_TYPES,
    compute=credit_facts,
    params=CREDIT_PARAMS,
    docs=_DOCS,
    clause="CR",
    columnar="gridcrm_rules.areas.credit.columnar_facts:credit_columnar",
    reported_in="credit",
)
