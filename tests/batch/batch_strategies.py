"""Random customers and histories, biased to the edges of RULES.md §2.

Edges aimed at: a due date exactly one or two months before the cutoff (08-31 vs
cutoff 10-31), a bill due on the cutoff, payments at 23:59:59 of the cutoff day
and at 00:00 the day after, theft exactly three years before ``as_of`` (and a day
or an hour either side), payments naming a bill vs FIFO, partial, zero and
double payments, equal instants, events after ``as_of``, grade overrides and
invalid rows.

One generator, two sources of choices: :func:`customer_history` draws from
hypothesis (small examples that shrink), :func:`seeded_batch` from a
``random.Random`` seeded by hypothesis (hundreds of customers per example,
cheap to generate; a failure names the customer and prints its history).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol, TypeVar

from dateutil.relativedelta import relativedelta
from hypothesis import strategies as st

from gridcrm_rules._time import SHANGHAI

__all__ = ["AS_OFS", "customer_history", "cutoff_of", "history", "seeded_batch"]

T = TypeVar("T")
AS_OFS = (
    datetime(2026, 11, 22, 9, 0, tzinfo=SHANGHAI),
    datetime(2026, 11, 1, 0, 0, tzinfo=SHANGHAI),
    datetime(2026, 3, 1, 0, 0, tzinfo=SHANGHAI),
    datetime(2024, 3, 1, 12, 0, tzinfo=SHANGHAI),  # leap year: cutoff 02-29
    datetime(2027, 1, 15, 18, 30, tzinfo=SHANGHAI),
)
History = tuple[dict[str, Any], list[dict[str, Any]]]


class Pick(Protocol):
    """Where the generator's choices come from."""

    def int(self, lo: int, hi: int) -> int: ...
    def choice(self, items: Sequence[T]) -> T: ...
    def shuffle(self, items: list[T]) -> list[T]: ...


class RandomPick:
    """Choices from a seeded ``random.Random``."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def int(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)

    def choice(self, items: Sequence[T]) -> T:
        return self.rng.choice(items)

    def shuffle(self, items: list[T]) -> list[T]:
        self.rng.shuffle(items)
        return items


class DrawPick:
    """Choices drawn from hypothesis (so failing examples shrink)."""

    def __init__(self, draw: st.DrawFn) -> None:
        self.draw = draw

    def int(self, lo: int, hi: int) -> int:
        return self.draw(st.integers(lo, hi))

    def choice(self, items: Sequence[T]) -> T:
        return self.draw(st.sampled_from(items))

    def shuffle(self, items: list[T]) -> list[T]:
        return list(self.draw(st.permutations(items)))


def cutoff_of(as_of: datetime) -> date:
    """The last day of the month before ``as_of``."""
    return as_of.date().replace(day=1) - timedelta(days=1)


def _money(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def _due(p: Pick, as_of: datetime, period: date) -> date:
    how = p.int(0, 3)
    if how == 0:  # the customary due date: the 15th of the month after the period
        return (period + relativedelta(months=1)).replace(day=15)
    if how == 1:  # the last day of the following month (e.g. 08-31)
        return period + relativedelta(months=1) + relativedelta(day=31)
    months = p.choice([0, 1, 2, 3, 11, 12, 13])
    return cutoff_of(as_of) - relativedelta(months=months) + timedelta(days=p.int(-1, 1))


def _instant(p: Pick, as_of: datetime, due: date | None) -> str:
    how = p.int(0, 5)
    if how == 0 and due is not None:
        d = due + timedelta(days=p.int(-20, 20))
        t = datetime.combine(d, time(p.int(0, 23), p.choice([0, 30])), tzinfo=SHANGHAI)
    elif how == 1:  # around the end of the cutoff day
        end = datetime.combine(cutoff_of(as_of) + timedelta(days=1), time(0), tzinfo=SHANGHAI)
        t = end + timedelta(seconds=p.choice([-1, 0, 1, 3600 * 9]))
    elif how == 2:  # around as_of
        t = as_of + timedelta(hours=p.int(-30, 30))
    elif how == 3:  # a date alone: 00:00 Shanghai
        return (as_of.date() - timedelta(days=p.int(0, 500))).isoformat()
    else:
        t = as_of - timedelta(days=p.int(0, 700), hours=p.int(0, 23))
    if p.int(0, 1):
        return t.isoformat()
    return t.astimezone(UTC).isoformat().replace("+00:00", "Z")


def history(p: Pick, as_of: datetime, cid: str) -> History:
    """One customer and its events (as the dicts a caller passes to ``evaluate``)."""
    category = p.choice(["residential", "lv_commercial", "dedicated_transformer", "other"])
    customer: dict[str, Any] = {"id": cid, "category": category,
                                "supply_voltage_kv": p.choice(["0.22", "0.38", "10", "35"])}
    if category == "dedicated_transformer":
        customer["transformer_kva"] = p.choice([315, 630, 1250])
    events: list[dict[str, Any]] = []
    first = as_of.date().replace(day=1)
    months = sorted({p.int(-26, 1) for _ in range(p.int(0, 14))})
    bills: list[tuple[str, int, date]] = []
    for i, back in enumerate(months):
        period = first + relativedelta(months=back)
        due = _due(p, as_of, period)
        fen = p.choice([0, 100, 12345, 50000, p.int(1, 400_000)])
        bid = f"{cid}-b{i}"
        bills.append((bid, fen, due))
        events.append({"type": "bill_issued", "id": bid, "period": period.strftime("%Y-%m"),
                       "amount": _money(fen), "due": due.isoformat()})
    naming = p.int(0, 2)  # 0: FIFO only, 1: some payments name their bill, 2: all do
    pays: list[tuple[tuple[str, int, date] | None, str, int]] = []
    for bill in bills:
        how = p.choice(["on_time"] * 6 + ["late", "late", "partial", "none", "edge", "edge"])
        if how == "none":
            continue
        bid, fen, due = bill
        if how == "on_time":
            at = datetime.combine(due - timedelta(days=p.int(0, 20)), time(p.int(0, 23)),
                                  tzinfo=SHANGHAI).isoformat()
        elif how == "late":
            at = datetime.combine(due + timedelta(days=p.choice([1, 2, 40, 70])),
                                  time(p.int(0, 23)), tzinfo=SHANGHAI).isoformat()
        else:
            at = _instant(p, as_of, due)
        share = p.choice([0.5, 0.3, 0.0]) if how == "partial" else p.choice([1.0, 1.0, 2.0])
        pays.append((bill, at, int(fen * share)))
    for _ in range(p.choice([0, 0, 1, 3])):
        target = p.choice(bills) if bills else None
        pays.append((target, _instant(p, as_of, target[2] if target else None),
                     p.choice([0, 5_000, 100_000])))
    for j, (target, at, fen) in enumerate(pays):
        pay: dict[str, Any] = {"type": "payment_received", "id": f"{cid}-p{j}", "at": at,
                               "amount": _money(fen)}
        if target and (naming == 2 or (naming == 1 and p.int(0, 1))):
            pay["bill_id"] = target[0]
        events.append(pay)
    for k in range(p.choice([0, 0, 0, 0, 0, 1, 1, 2])):
        kind = p.choice(["theft_detected", "violation_recorded"])
        edge = p.int(0, 3)
        base = datetime.combine(as_of.date() - relativedelta(years=3), time(0), tzinfo=SHANGHAI)
        if edge == 0:
            at = (base + timedelta(days=p.int(-1, 1))).date().isoformat()
        elif edge == 1:
            at = (base + timedelta(hours=p.int(-2, 2))).isoformat()
        else:
            at = _instant(p, as_of, None)
        events.append({"type": kind, "id": f"{cid}-t{k}", "at": at})
    if p.int(0, 30) == 0:
        events.append({"type": "grade_override", "id": f"{cid}-o", "by": "mgr", "reason": "r",
                       "to_grade": p.choice("ABCD"),
                       "at": (as_of - timedelta(days=3)).isoformat()})
    if p.int(0, 80) == 0:  # an invalid row: the customer must land in errors
        events.append({"type": "payment_received", "id": f"{cid}-bad", "amount": "-1",
                       "at": as_of.isoformat()})
    return customer, p.shuffle(events)


@st.composite
def customer_history(draw: st.DrawFn, as_of: datetime, cid: str) -> History:
    """One customer's history, drawn from hypothesis."""
    return history(DrawPick(draw), as_of, cid)


@st.composite
def small_batch(draw: st.DrawFn, size: int) -> tuple[datetime, list[History]]:
    """An ``as_of`` and up to ``size`` customers drawn from hypothesis (shrinkable)."""
    as_of = draw(st.sampled_from(AS_OFS))
    n = draw(st.integers(1, size))
    return as_of, [draw(customer_history(as_of, f"C{i:05d}")) for i in range(n)]


def seeded_batch(size: int) -> st.SearchStrategy[tuple[datetime, list[History]]]:
    """An ``as_of`` and ``size`` customers from a hypothesis-chosen seed."""

    def build(as_of: datetime, seed: int) -> tuple[datetime, list[History]]:
        pick = RandomPick(seed)
        return as_of, [history(pick, as_of, f"C{i:05d}") for i in range(size)]

    return st.builds(build, st.sampled_from(AS_OFS), st.integers(0, 2**32 - 1))
