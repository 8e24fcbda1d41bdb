"""Shared pieces of the population rules: grade ranks, input indexing, counting.

Every function is pure: it reads decisions and customers and returns new
frozen records. Inputs are indexed by customer id and refused when an id is
repeated or a needed record is missing, so nothing is silently dropped.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, Final

from ..models import Customer, Decision, Grade

__all__ = [
    "GRADE_ORDER",
    "at_least_percent",
    "customers_by_id",
    "decisions_by_id",
    "grade_of",
    "grade_rank",
    "grade_text",
    "matched",
]

GRADE_ORDER: Final[tuple[Grade, ...]] = ("A", "B", "C", "D")
"""Best first. An ungraded customer (grade None) ranks after D: the source gives
priority to *higher* grades, and an ungraded customer has no grade to claim it with."""


def grade_rank(grade: Grade | None) -> int:
    """0 for A … 3 for D, 4 for ungraded."""
    return GRADE_ORDER.index(grade) if grade is not None else len(GRADE_ORDER)


def grade_text(grade: Grade | None) -> str:
    """'grade B' or 'ungraded'."""
    return f"grade {grade}" if grade is not None else "ungraded"


def grade_of(decision: Decision) -> Grade | None:
    """The effective credit grade of a decision (None without a credit result)."""
    return decision.credit.grade if decision.credit is not None else None


def decisions_by_id(decisions: Iterable[Decision]) -> dict[str, Decision]:
    """Decisions keyed by customer id; a repeated id is a ``ValueError``."""
    out: dict[str, Decision] = {}
    for d in decisions:
        if d.customer_id in out:
            raise ValueError(f"customer {d.customer_id!r} has more than one decision")
        out[d.customer_id] = d
    return out


def customers_by_id(customers: Iterable[Customer | Mapping[str, Any]]) -> dict[str, Customer]:
    """Customers (models or dicts) keyed by id; a repeated id is a ``ValueError``."""
    out: dict[str, Customer] = {}
    for raw in customers:
        c = raw if isinstance(raw, Customer) else Customer.model_validate(raw)
        if c.id in out:
            raise ValueError(f"customer {c.id!r} appears more than once")
        out[c.id] = c
    return out


def matched(
    decisions: Sequence[Decision], customers: Iterable[Customer | Mapping[str, Any]]
) -> list[tuple[Decision, Customer]]:
    """Each decision with its customer; a decision without one, or a customer
    without a decision, is a ``ValueError`` naming the ids."""
    by_d = decisions_by_id(decisions)
    by_c = customers_by_id(customers)
    no_customer = sorted(set(by_d) - set(by_c))
    no_decision = sorted(set(by_c) - set(by_d))
    problems = []
    if no_customer:
        problems.append(f"decisions without a customer record: {', '.join(no_customer)}")
    if no_decision:
        problems.append(f"customers without a decision: {', '.join(no_decision)}")
    if problems:
        raise ValueError("; ".join(problems))
    return [(by_d[i], by_c[i]) for i in sorted(by_d)]


def at_least_percent(count: int, percent: Decimal | int) -> int:
    """The smallest whole number of items that is at least ``percent`` % of ``count``.

    >>> at_least_percent(10, 10), at_least_percent(11, 10), at_least_percent(0, 10)
    (1, 2, 0)
    """
    pct = Decimal(percent)
    if not 0 <= pct <= 100:
        raise ValueError(f"percent must be between 0 and 100, got {percent}")
    return min(count, math.ceil(Decimal(count) * pct / 100))
