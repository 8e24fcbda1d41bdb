"""Random customers and histories, biased to the edges of RULES.md §2.

Edges aimed at: a due date exactly one or two months before the cutoff (08-31 vs
cutoff 10-31), a bill due on the cutoff, payments at 23:59:59 of the cutoff day
and at 00:00 the day after, theft exactly three years before ``as_of`` (and a day
or an hour either side), payments naming a bill vs FIFO, partial, zero and
double payments, equal instants, events after ``as_of``, grade overrides and
invalid rows.

:func:`service_history` widens a history to every event type of the default
packs and to the customer fields they read (20 kV and 110 kV customers, key
accounts and important customers, regions, prepaid meters): consumption and
meter readings (KA-ANOM), voltage measurements (SQ-VOLT), usage-nature checks,
applications with documents, repairs and crew arrivals, complaints and
contacts with their replies and callbacks, planned outages with notices,
supply plans with extensions, prepayments, visits and grade notices -- each
triggering event sometimes completed, late, early, after ``as_of`` or never.

One generator, two sources of choices: :func:`customer_history` draws from
hypothesis (small examples that shrink), :func:`seeded_batch` from a
``random.Random`` seeded by hypothesis (hundreds of customers per example,
cheap to generate; a failure names the customer and prints its history).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Protocol, TypeVar

from dateutil.relativedelta import relativedelta
from hypothesis import strategies as st

from gridcrm_rules._time import SHANGHAI

__all__ = ["AS_OFS", "customer_history", "cutoff_of", "history", "seeded_batch",
           "service_batch", "service_history"]

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


def _at(p: Pick, as_of: datetime, days: int = 400) -> datetime:
    """An instant up to ``days`` before ``as_of`` (sometimes a little after it)."""
    if p.int(0, 9) == 0:
        return as_of + timedelta(hours=p.int(1, 48))
    return as_of - timedelta(days=p.int(0, days), hours=p.int(0, 23), minutes=p.choice([0, 30]))


def _later(p: Pick, at: datetime) -> datetime:
    """A follow-up instant: within the hour, a few working days, or weeks later."""
    return at + p.choice([timedelta(minutes=45), timedelta(hours=2), timedelta(days=1),
                          timedelta(days=p.int(2, 9), hours=p.int(0, 8)), timedelta(days=40)])


def _text(t: datetime) -> str:
    return t.isoformat()


def _customer_fields(p: Pick, customer: dict[str, Any]) -> None:
    """The fields the entitlement, key-account and service packs read."""
    if customer["category"] == "dedicated_transformer":
        customer["supply_voltage_kv"] = p.choice(["10", "20", "35", "110"])
    customer["usage_nature"] = p.choice([None, "industrial", "commercial", "public",
                                         "residential"])
    customer["region"] = p.choice([None, "urban", "rural", "remote"])
    customer["org_type"] = p.choice([None, "government", "hospital", "state_key_unit",
                                     "enterprise", "household", "other"])
    customer["prepaid_meter"] = p.choice([False, False, True])
    customer["is_deputy"] = p.int(0, 9) == 0
    if p.int(0, 3) == 0:
        customer["key_account_type"] = p.choice(["key", "strategic", "partner"])
        customer["key_account_tier"] = p.choice([None, 1, 2, 3])
    if p.int(0, 4) == 0:
        customer["important_category"] = p.choice(["critical_infrastructure", "government",
                                                   "public_service", "special"])
        customer["important_grade"] = p.choice([1, 2])
        customer["supply_sources"] = p.choice([None, "single", "two_substations",
                                               "two_bus_sections"])
        customer["mine_type"] = p.choice([None, "coal", "non_coal"])
    if p.int(0, 2) == 0:
        customer["connected_on"] = date(p.choice([2023, 2025, 2026]), p.int(1, 12),
                                        p.int(1, 28)).isoformat()


def _readings(p: Pick, as_of: datetime, cid: str) -> list[dict[str, Any]]:
    """Monthly consumption and weekly meter readings, with rises and falls near 20/30 %."""
    events: list[dict[str, Any]] = []
    first = as_of.date().replace(day=1)
    base = p.choice([0, 1000, 5000])
    for back in sorted({p.int(-14, 0) for _ in range(p.int(0, 6))}):
        month = first + relativedelta(months=back)
        kwh = base * p.choice([70, 80, 81, 100, 129, 130, 131]) // 100
        events.append({"type": "monthly_consumption", "id": f"{cid}-m{back}",
                       "month": month.strftime("%Y-%m"), "kwh": str(kwh)})
    end = as_of.date() - timedelta(days=p.int(0, 10))
    for k in range(p.choice([0, 0, 1, 2, 3])):
        period_end = end - timedelta(days=7 * k + p.choice([0, 0, 28]))
        start = period_end - timedelta(days=6)
        at = datetime.combine(period_end, time(p.int(8, 20)), tzinfo=SHANGHAI)
        kwh = base * p.choice([70, 79, 80, 100, 120, 130]) // 100
        events.append({"type": "meter_reading", "id": f"{cid}-r{k}", "at": _text(at),
                       "period_start": start.isoformat(), "period_end": period_end.isoformat(),
                       "kwh": str(kwh)})
    return events


def _voltages(p: Pick, as_of: datetime, cid: str, nominal: str) -> list[dict[str, Any]]:
    """Voltage measurements around the SQ-VOLT limits (e.g. +/-7 %, +7/-10 %)."""
    kv = Decimal(nominal)
    events = []
    for k in range(p.choice([0, 0, 1, 2])):
        low = kv * Decimal(p.choice([88, 90, 91, 93, 95, 100])) / 100
        high = kv * Decimal(p.choice([100, 105, 107, 108, 110])) / 100
        events.append({"type": "voltage_measured", "id": f"{cid}-v{k}",
                       "at": _text(_at(p, as_of, 60)), "min_kv": str(low), "max_kv": str(high)})
    return events


def _service(p: Pick, as_of: datetime, cid: str) -> list[dict[str, Any]]:
    """Triggering events of the callback, outage, supply-plan and service packs, and
    the events that complete them (or not)."""
    events: list[dict[str, Any]] = []

    def add(event_type: str, key: str, at: datetime, **fields: Any) -> str:
        eid = f"{cid}-s{key}"
        events.append({"type": event_type, "id": eid, "at": _text(at), **fields})
        return eid

    def maybe(event_type: str, key: str, after: datetime, for_event: str, **fields: Any) -> None:
        if p.int(0, 2):
            add(event_type, key, _later(p, after), for_event=for_event, **fields)

    for k in range(p.choice([0, 1, 1, 2])):
        what = p.choice(["install", "repair", "complaint", "contact", "outage", "plan",
                         "apply", "prepay", "visit", "misc"])
        at = _at(p, as_of)
        if what == "install":
            trig = add("installation_archived", f"i{k}", at,
                       business=p.choice(["new", "capacity_increase", "change"]))
            maybe("callback_completed", f"i{k}c", at, trig)
        elif what == "repair":
            trig = add("repair_archived", f"a{k}", at, disaster=p.int(0, 4) == 0)
            maybe("callback_completed", f"a{k}c", at, trig)
            req = add("repair_requested", f"q{k}", at - timedelta(hours=p.int(1, 6)))
            maybe("crew_arrived", f"q{k}a", at - timedelta(hours=6), req)
        elif what == "complaint":
            trig = add("complaint_received", f"c{k}", at, channel=p.choice(["phone", "letter"]),
                       kind=p.choice(["complaint", "report"]),
                       reply_requested=p.choice([True, True, False]))
            maybe("callback_completed", f"c{k}c", at, trig)
        elif what == "contact":
            channel = p.choice(["phone", "letter", "visit", "other"])
            trig = add("contact_received", f"t{k}", at, channel=channel,
                       reply_requested=p.choice([True, False]))
            maybe("letter_reply_sent", f"t{k}r", at, trig)
        elif what == "outage":
            start = as_of + timedelta(days=p.int(-20, 20), hours=p.int(0, 12))
            eid = f"{cid}-so{k}"
            events.append({"type": "planned_outage", "id": eid, "start": _text(start),
                           "end": _text(start + timedelta(hours=p.choice([2, 8])))})
            notice = start - timedelta(days=p.choice([1, 3, 7, 8]))
            if p.int(0, 2):
                add("outage_notice_sent", f"o{k}n", notice, for_event=eid,
                    channel=p.choice(["phone", "letter"]))
            if p.int(0, 2):
                add("outage_sms_sent", f"o{k}s", notice, for_event=eid)
        elif what == "plan":
            trig = add("business_applied", f"b{k}", at,
                       business=p.choice(["new", "capacity_increase", "change"]))
            plan_at = _later(p, at)
            if p.int(0, 2):
                plan = add("supply_plan_notified", f"b{k}p", plan_at, for_event=trig)
                if p.int(0, 2) == 0:
                    add("supply_plan_extension_requested", f"b{k}x", _later(p, plan_at),
                        for_event=plan, months=p.choice([None, 3, 12]))
                if p.int(0, 1):
                    add("construction_started", f"b{k}s", _later(p, plan_at), for_event=plan)
            maybe("application_forwarded", f"b{k}f", at, trig)
        elif what == "apply":
            docs = sorted({p.choice(["mining_licence", "project_approval", "safety_chapter",
                                     "preliminary_design", "eia_approval",
                                     "business_licence"]) for _ in range(p.int(0, 5))})
            add("business_applied", f"d{k}", at,
                business=p.choice(["new", "capacity_increase"]), documents=docs)
        elif what == "prepay":
            trig = add("prepayment_completed", f"p{k}", at,
                       amount=p.choice([None, "100.00", "63000.00"]))
            maybe("prepaid_meter_installed", f"p{k}m", at, trig)
        elif what == "visit":
            add("visit_completed", f"w{k}", at, form=p.choice(["visit", "symposium"]))
            if p.int(0, 1):
                add("visit_planned", f"w{k}p", at, for_year=p.choice([as_of.year,
                                                                      as_of.year + 1]))
        else:
            add(p.choice(["usage_nature_checked", "grade_notice_sent"]), f"u{k}", at)
            if p.int(0, 3) == 0:
                read = f"{cid}-m0"
                add("consumption_investigated", f"u{k}i", _later(p, at), for_event=read)
    return events


def service_history(p: Pick, as_of: datetime, cid: str) -> History:
    """A credit history (:func:`history`) widened to every event type of the default packs."""
    customer, events = history(p, as_of, cid)
    _customer_fields(p, customer)
    more = _readings(p, as_of, cid) + _service(p, as_of, cid)
    more += _voltages(p, as_of, cid, customer["supply_voltage_kv"])
    known = {e["id"] for e in events + more}
    more = [e for e in more if e.get("for_event") is None or e["for_event"] in known]
    return customer, p.shuffle(events + more)


@st.composite
def customer_history(draw: st.DrawFn, as_of: datetime, cid: str) -> History:
    """One customer's history, drawn from hypothesis."""
    return history(DrawPick(draw), as_of, cid)


@st.composite
def service_batch(draw: st.DrawFn, size: int) -> tuple[datetime, list[History]]:
    """An ``as_of`` and up to ``size`` widened histories drawn from hypothesis."""
    as_of = draw(st.sampled_from(AS_OFS))
    n = draw(st.integers(1, size))
    return as_of, [service_history(DrawPick(draw), as_of, f"C{i:05d}") for i in range(n)]


@st.composite
def small_batch(draw: st.DrawFn, size: int) -> tuple[datetime, list[History]]:
    """An ``as_of`` and up to ``size`` customers drawn from hypothesis (shrinkable)."""
    as_of = draw(st.sampled_from(AS_OFS))
    n = draw(st.integers(1, size))
    return as_of, [draw(customer_history(as_of, f"C{i:05d}")) for i in range(n)]


def seeded_batch(
    size: int, *, wide: bool = False
) -> st.SearchStrategy[tuple[datetime, list[History]]]:
    """An ``as_of`` and ``size`` customers from a hypothesis-chosen seed (``wide``: every
    event type, :func:`service_history`)."""
    make = service_history if wide else history

    def build(as_of: datetime, seed: int) -> tuple[datetime, list[History]]:
        pick = RandomPick(seed)
        return as_of, [make(pick, as_of, f"C{i:05d}") for i in range(size)]

    return st.builds(build, st.sampled_from(AS_OFS), st.integers(0, 2**32 - 1))
