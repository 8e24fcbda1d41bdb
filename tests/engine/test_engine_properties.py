"""Hypothesis properties of credit grading on histories generated around the §2 boundaries.

Histories cluster where the rules are sharp: bill due dates near month ends (month-end
clamping of "due + n months < cutoff"), payments around the cutoff day's midnight and
around due dates, thefts around ``as_of - 3 years``, overrides of every target grade.

Grade order is A > B > C > D (``GRADE_RANK``).  ``None`` (ungraded) only occurs with the
strict pack; it is not ordered against the letters, so properties that compare grades use
the default pack, and the strict pack is only checked for "an offence in the window is D,
whatever the grade was, ungraded included".
"""

from __future__ import annotations

import calendar
import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from dateutil.relativedelta import relativedelta
from hypothesis import assume, given, note
from hypothesis import strategies as st

import gridcrm_rules as gr
from gridcrm_rules._time import SHANGHAI, local_date
from gridcrm_rules.areas.credit.settlement import settle
from gridcrm_rules.engine import GRADE_RANK
from gridcrm_rules.models import BillIssued, PaymentReceived, history_key

CREDIT = gr.Engine.from_packs(["credit"])
STRICT = gr.Engine.from_packs(["credit_strict"])
CUSTOMER = {"id": "C1", "category": "lv_commercial", "supply_voltage_kv": "0.38"}

AS_OFS = [
    datetime(2026, 11, 22, 9, 0, tzinfo=SHANGHAI),  # cutoff 2026-10-31
    datetime(2026, 3, 1, 0, 0, tzinfo=SHANGHAI),  # cutoff 2026-02-28, first instant of the month
    datetime(2024, 3, 31, 23, 59, 59, tzinfo=SHANGHAI),  # cutoff 2024-02-29 (leap year)
    datetime(2026, 12, 31, 12, 0, tzinfo=SHANGHAI),  # cutoff 2026-11-30
]
AMOUNTS = [Decimal(x) for x in ("0.00", "0.01", "50.00", "99.99", "100.00", "123.45", "300.00")]
DAYS = [1, 2, 15, 27, 28, 29, 30, 31]
CLOCK = [time(0, 0), time(0, 0, 1), time(9, 30), time(23, 59), time(23, 59, 59)]


def cutoff_of(as_of: datetime) -> date:
    return local_date(as_of).replace(day=1) - timedelta(days=1)


def month_day(anchor: date, months: int, day: int) -> date:
    first = anchor.replace(day=1) + relativedelta(months=months)
    return first.replace(day=min(day, calendar.monthrange(first.year, first.month)[1]))


def at_day(d: date, clock: time) -> datetime:
    return datetime.combine(d, clock, tzinfo=SHANGHAI)


@st.composite
def histories(draw: st.DrawFn, *, future: bool = True) -> tuple[datetime, list[dict[str, Any]]]:
    """An as_of and a valid history (unique ids, payments name existing bills) near the boundaries.

    With ``future=False`` every event is known at as_of.
    """
    as_of = draw(st.sampled_from(AS_OFS))
    cutoff = cutoff_of(as_of)
    # A bill is known from the first day after its period: periods up to the cutoff's month
    # are known at as_of, the month of as_of only later.
    last_period = 1 if future else 0
    events: list[dict[str, Any]] = []
    bills: list[tuple[str, date]] = []
    for i in range(draw(st.integers(0, 5))):
        due = month_day(cutoff, draw(st.integers(-14, 1)), draw(st.sampled_from(DAYS)))
        period = month_day(cutoff, draw(st.integers(-16, last_period)), 1)
        bid = f"b{i}"
        bills.append((bid, due))
        events.append(
            {
                "type": "bill_issued",
                "id": bid,
                "period": period.strftime("%Y-%m"),
                "amount": draw(st.sampled_from(AMOUNTS)),
                "due": due,
            }
        )
    for i in range(draw(st.integers(0, 5))):
        anchors = [cutoff, cutoff + timedelta(days=1), *[d for _, d in bills]]
        base = draw(st.sampled_from(anchors))
        day = base + timedelta(days=draw(st.integers(-40, 3)))
        at = at_day(day, draw(st.sampled_from(CLOCK)))
        if not future and at > as_of:
            at = as_of
        # May name a bill not yet known at as_of (a prepayment): held as credit.
        named = draw(st.none() | st.sampled_from([b for b, _ in bills])) if bills else None
        events.append(
            {
                "type": "payment_received",
                "id": f"p{i}",
                "at": at,
                "amount": draw(st.sampled_from(AMOUNTS)),
                "bill_id": named,
            }
        )
    three_years = local_date(as_of) - relativedelta(years=3)
    for i in range(draw(st.integers(0, 1))):
        day = draw(
            st.sampled_from(
                [
                    three_years - timedelta(days=2),
                    three_years - timedelta(days=1),
                    three_years - timedelta(days=400),
                ]
            )
        )
        events.append(
            {
                "type": draw(st.sampled_from(["theft_detected", "violation_recorded"])),
                "id": f"t{i}",
                "at": at_day(day, time(12)),
            }
        )
    for i in range(draw(st.integers(0, 2))):
        # At least 2 s before as_of, so every drawn expiry (as_of - 1 s at the earliest)
        # is after the override was made, as the model requires.
        at = as_of - timedelta(days=draw(st.integers(0, 60)), seconds=draw(st.integers(2, 3600)))
        expires = draw(
            st.none()
            | st.just(as_of)
            | st.just(as_of + timedelta(days=5))
            | st.just(as_of - timedelta(seconds=1))
        )
        events.append(
            {
                "type": "grade_override",
                "id": f"o{i}",
                "at": at,
                "by": "kam",
                "to_grade": draw(st.sampled_from("ABCD")),
                "reason": "r",
                "expires": expires,
            }
        )
    return as_of, events


def grade(engine: gr.Engine, events: list[dict[str, Any]], as_of: datetime) -> str | None:
    c = engine.evaluate(CUSTOMER, events, as_of=as_of).credit
    assert c is not None
    return c.grade


def dump(
    events: list[dict[str, Any]], as_of: datetime, engine: gr.Engine = CREDIT
) -> dict[str, Any]:
    return engine.evaluate(CUSTOMER, events, as_of=as_of).model_dump(mode="json")


offence_offsets = st.sampled_from([-2, -1, 0, 1, 2]).map(lambda d: timedelta(days=d))


@given(
    histories(future=False),
    offence_offsets,
    st.sampled_from(CLOCK),
    st.sampled_from(["theft_detected", "violation_recorded"]),
)
def test_adding_an_offence_never_improves_the_grade(
    case: tuple[datetime, list[dict[str, Any]]], offset: timedelta, clock: time, kind: str
) -> None:
    """An offence near as_of - 3 years never improves the grade; inside the window it gives D."""
    as_of, events = case
    day = local_date(as_of) - relativedelta(years=3) + offset
    offence = {"type": kind, "id": "new-offence", "at": at_day(day, clock)}
    before = grade(CREDIT, events, as_of)
    after = grade(CREDIT, [*events, offence], as_of)
    assert before is not None
    assert after is not None
    assert GRADE_RANK[after] <= GRADE_RANK[before]
    if offset >= timedelta(0):
        assert after == "D"
    else:
        assert after == before


@given(
    histories(future=False),
    st.sampled_from([timedelta(0), timedelta(hours=8), timedelta(days=400)]),
)
def test_recent_offence_makes_even_ungraded_customers_d(
    case: tuple[datetime, list[dict[str, Any]]], back: timedelta
) -> None:
    """Strict pack: an offence inside the window gives D from any grade, ungraded (None) too."""
    as_of, events = case
    offence = {"type": "theft_detected", "id": "new-offence", "at": as_of - back}
    assert grade(STRICT, [*events, offence], as_of) == "D"


@given(histories(future=False), st.data())
def test_paying_earlier_never_worsens_the_grade(
    case: tuple[datetime, list[dict[str, Any]]], data: st.DataObject
) -> None:
    """Moving one payment's instant earlier never gives a worse grade."""
    as_of, events = case
    payments = [i for i, e in enumerate(events) if e["type"] == "payment_received"]
    assume(payments)
    index = data.draw(st.sampled_from(payments))
    shift = data.draw(
        st.sampled_from(
            [
                timedelta(seconds=1),
                timedelta(minutes=1),
                timedelta(hours=1),
                timedelta(days=1),
                timedelta(days=31),
                timedelta(days=62),
            ]
        )
    )
    earlier = [dict(e) for e in events]
    earlier[index]["at"] = events[index]["at"] - shift
    note(f"moved {events[index]['id']} from {events[index]['at']} to {earlier[index]['at']}")
    before = grade(CREDIT, events, as_of)
    after = grade(CREDIT, earlier, as_of)
    assert before is not None
    assert after is not None
    assert GRADE_RANK[after] >= GRADE_RANK[before]


@given(histories(), st.randoms(use_true_random=False))
def test_event_order_does_not_matter(
    case: tuple[datetime, list[dict[str, Any]]], rnd: random.Random
) -> None:
    """Shuffling the events gives a byte-identical JSON dump."""
    as_of, events = case
    shuffled = list(events)
    rnd.shuffle(shuffled)
    assert dump(shuffled, as_of) == dump(events, as_of)


@st.composite
def future_events(draw: st.DrawFn, as_of: datetime, bill_ids: list[str]) -> list[dict[str, Any]]:
    """Events strictly after as_of: offences, payments (maybe naming a bill), bills, overrides."""
    out: list[dict[str, Any]] = []
    for i in range(draw(st.integers(1, 4))):
        after = as_of + timedelta(seconds=draw(st.sampled_from([1, 60, 3600, 86400, 40 * 86400])))
        kind = draw(
            st.sampled_from(
                [
                    "theft_detected",
                    "violation_recorded",
                    "payment_received",
                    "bill_issued",
                    "grade_override",
                ]
            )
        )
        fid = f"future{i}"
        if kind == "payment_received":
            named = draw(st.none() | st.sampled_from(bill_ids)) if bill_ids else None
            out.append(
                {
                    "type": kind,
                    "id": fid,
                    "at": after,
                    "amount": draw(st.sampled_from(AMOUNTS)),
                    "bill_id": named,
                }
            )
        elif kind == "bill_issued":
            period = local_date(as_of).replace(day=1) + relativedelta(
                months=draw(st.integers(0, 2))
            )
            out.append(
                {
                    "type": kind,
                    "id": fid,
                    "period": period.strftime("%Y-%m"),
                    "amount": "500.00",
                    "due": cutoff_of(as_of) - timedelta(days=60),
                }
            )
        elif kind == "grade_override":
            out.append(
                {
                    "type": kind,
                    "id": fid,
                    "at": after,
                    "by": "kam",
                    "to_grade": draw(st.sampled_from("ABCD")),
                    "reason": "r",
                }
            )
        else:
            out.append({"type": kind, "id": fid, "at": after})
    return out


@given(histories(future=False), st.data())
def test_events_after_as_of_change_only_the_trace_count(
    case: tuple[datetime, list[dict[str, Any]]], data: st.DataObject
) -> None:
    """Events after as_of leave the decision identical except ``trace.events_after_as_of``."""
    as_of, events = case
    bill_ids = [e["id"] for e in events if e["type"] == "bill_issued"]
    extra = data.draw(future_events(as_of, bill_ids))
    base = dump(events, as_of)
    with_future = dump([*events, *extra], as_of)
    assert base["trace"]["events_after_as_of"] == 0
    assert with_future["trace"]["events_after_as_of"] == len(extra)
    with_future["trace"]["events_after_as_of"] = 0
    assert with_future == base


# -- settlement ----------------------------------------------------------------------


@st.composite
def ledgers(draw: st.DrawFn) -> tuple[list[BillIssued], list[PaymentReceived]]:
    """Bills and payments (some naming a bill) with colliding dates to exercise tie-breaks."""
    start = date(2026, 1, 31)
    bills = [
        BillIssued(
            id=f"b{i}",
            period=month_day(start, draw(st.integers(-3, 0)), 1).strftime("%Y-%m"),
            amount=draw(st.sampled_from(AMOUNTS)),
            due=month_day(start, draw(st.integers(0, 3)), draw(st.sampled_from(DAYS))),
        )
        for i in range(draw(st.integers(0, 6)))
    ]
    payments = [
        PaymentReceived(
            id=f"p{i}",
            at=at_day(
                start + timedelta(days=draw(st.integers(0, 100))), draw(st.sampled_from(CLOCK))
            ),
            amount=draw(st.sampled_from(AMOUNTS)),
            bill_id=draw(st.none() | st.sampled_from([b.id for b in bills])) if bills else None,
        )
        for i in range(draw(st.integers(0, 6)))
    ]
    return bills, payments


@given(ledgers())
def test_settlement_conserves_money(ledger: tuple[list[BillIssued], list[PaymentReceived]]) -> None:
    """Allocated plus unallocated equals paid, per payment and in total; no bill over-allocated."""
    bills, payments = ledger
    s = settle(bills, payments)
    total_paid = sum((p.amount for p in payments), Decimal(0))
    allocated = sum((a.amount for a in s.allocations), Decimal(0))
    assert allocated + s.unallocated == total_paid
    assert s.unallocated >= 0
    assert all(a.amount > 0 for a in s.allocations)
    for p in payments:
        assert (
            sum((a.amount for a in s.allocations if a.payment_id == p.id), Decimal(0)) <= p.amount
        )
        assert all(a.at == p.at for a in s.allocations if a.payment_id == p.id)
    for b in bills:
        assert sum((a.amount for a in s.allocations if a.bill_id == b.id), Decimal(0)) <= b.amount


@given(ledgers())
def test_settlement_is_fifo_with_named_bill_first(
    ledger: tuple[list[BillIssued], list[PaymentReceived]],
) -> None:
    """Replaying the allocations: unallocated money only exists once every bill is paid, and each
    payment fills its named bill first, then bills strictly oldest-first (due, period, id)."""
    bills, payments = ledger
    s = settle(bills, payments)
    order = sorted(bills, key=lambda b: (b.due, b.period, b.id))
    remaining = {b.id: b.amount for b in order}
    by_payment: dict[str, list[tuple[str, Decimal]]] = {}
    for a in s.allocations:
        by_payment.setdefault(a.payment_id, []).append((a.bill_id, a.amount))
    for p in sorted(payments, key=lambda p: (p.at, p.id)):
        allocs = by_payment.get(p.id, [])
        expected: list[tuple[str, Decimal]] = []
        left = p.amount
        if p.bill_id is not None and remaining[p.bill_id] > 0 and left > 0:
            take = min(left, remaining[p.bill_id])
            expected.append((p.bill_id, take))
            remaining[p.bill_id] -= take
            left -= take
        for b in order:
            if left > 0 and remaining[b.id] > 0:
                take = min(left, remaining[b.id])
                expected.append((b.id, take))
                remaining[b.id] -= take
                left -= take
        assert allocs == expected
    if s.unallocated > 0:
        assert all(v == 0 for v in remaining.values())


@given(ledgers(), st.randoms(use_true_random=False))
def test_settlement_ignores_input_order(
    ledger: tuple[list[BillIssued], list[PaymentReceived]], rnd: random.Random
) -> None:
    """Settling shuffled bills and payments gives the same allocations."""
    bills, payments = ledger
    b2, p2 = list(bills), list(payments)
    rnd.shuffle(b2)
    rnd.shuffle(p2)
    assert settle(b2, p2) == settle(bills, payments)


@given(ledgers())
def test_settlement_in_history_order_is_the_same_settlement(
    ledger: tuple[list[BillIssued], list[PaymentReceived]],
) -> None:
    """``in_order=True`` (payments as a history in the engine's order holds them: the credit
    facts' call) skips the sort and changes nothing."""
    bills, payments = ledger
    ordered = sorted(payments, key=history_key)
    assert settle(bills, ordered, in_order=True) == settle(bills, payments)


@given(ledgers())
def test_settled_at_is_the_allocation_that_pays_the_last_yuan(
    ledger: tuple[list[BillIssued], list[PaymentReceived]],
) -> None:
    """``settled_at`` (kept while settling) is the instant of the allocation that brings a
    bill's allocations up to its amount, replayed from the allocations; None while short."""
    bills, payments = ledger
    s = settle(bills, payments)
    for b in bills:
        total, expected = Decimal(0), None
        for a in s.by_bill.get(b.id, ()):
            total += a.amount
            if total >= b.amount:
                expected = a.at
                break
        assert s.settled_at(b) == (expected if b.amount > 0 else None)
