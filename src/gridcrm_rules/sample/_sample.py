"""The small, realistic sample: 60 customers and 24 months of history each.

Every customer is built from a *profile* (see :mod:`._profiles`) with its own
``random.Random`` drawn from the seed, so the output depends only on
``(n_customers, seed, as_of)``.  Dates use calendar-month arithmetic
(``dateutil.relativedelta``) as RULES.md §0 asks.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from dateutil.relativedelta import relativedelta

from .._time import SHANGHAI
from ..windows import cutoff_of
from ._customers import FLAVOURS, customer_attributes
from ._profiles import IMPORTANT_ORG_TYPES, PROFILE_VARIANTS

__all__ = [
    "AS_OF",
    "AS_OF_TIME",
    "N_CUSTOMERS",
    "SEED",
    "GeneratedSample",
    "build_sample",
    "cutoff_of",
    "events_by_customer",
    "generate_sample",
    "sample_profiles",
]

AS_OF = date(2026, 11, 22)
"""Default evaluation date of the bundled sample."""
AS_OF_TIME = time(9, 0)
"""Time of day (Asia/Shanghai) at which the expectations are stated."""
SEED = 20261122
N_CUSTOMERS = 60
HISTORY_MONTHS = 24

_CENT = Decimal("0.01")
_TYPE_RANK = {"installation_archived": 0, "bill_issued": 1, "monthly_consumption": 2}
_SEASON = (1.15, 1.05, 0.95, 0.9, 0.95, 1.1, 1.3, 1.3, 1.05, 0.9, 0.95, 1.1)


def _money(x: Decimal) -> Decimal:
    return x.quantize(_CENT, ROUND_HALF_UP)


def _at(d: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(d, time(hour, minute), tzinfo=SHANGHAI)


@dataclass
class _Bill:
    id: str
    period: date  # first day of the billed month
    due: date
    amount: Decimal = Decimal(0)

    @property
    def issued(self) -> date:
        return self.period + relativedelta(months=1)


@dataclass
class _Plan:
    """One customer's history under construction."""

    cid: str
    profile: str
    variant: int
    rng: random.Random
    as_of: date
    customer: dict[str, Any]
    tariff: Decimal
    fixed: Decimal  # monthly capacity charge of dedicated-transformer customers
    base_kwh: float
    month_end_due: bool = False
    names_bills: bool = False
    connected: date | None = None
    bills: list[_Bill] = field(default_factory=list)
    kwh: dict[date, Decimal] = field(default_factory=dict)
    pays: list[tuple[datetime, Decimal, str | None]] = field(default_factory=list)
    extra: list[dict[str, Any]] = field(default_factory=list)

    @property
    def cutoff(self) -> date:
        return cutoff_of(self.as_of)

    def due_for(self, period: date) -> date:
        nxt = period + relativedelta(months=1)
        return nxt + relativedelta(day=31) if self.month_end_due else nxt.replace(day=15)

    def pick(self, pred: Callable[[date], bool], *, last: bool) -> int:
        hits = [i for i, b in enumerate(self.bills) if pred(b.due)]
        return hits[-1] if last else hits[0]

    def random_time(self, d: date) -> datetime:
        return _at(d, self.rng.randint(8, 21), self.rng.randint(0, 59))

    def on_time(self, bill: _Bill) -> datetime | None:
        """A payment day after the bill is issued and before its due date, or None
        when that day would not be before ``as_of`` (the bill is simply still open)."""
        first, last = bill.issued + timedelta(days=1), bill.due - timedelta(days=1)
        d = first + timedelta(days=self.rng.randint(0, (last - first).days))
        return self.random_time(d) if d < self.as_of else None

    def pay(self, at: datetime | None, amount: Decimal, bill: _Bill | None = None) -> None:
        if at is not None:
            named = bill.id if bill is not None and self.names_bills else None
            self.pays.append((at, amount, named))

    def pay_on_time(self, indices: Iterable[int]) -> None:
        for i in indices:
            self.pay(self.on_time(self.bills[i]), self.bills[i].amount, self.bills[i])

    def incident(self, kind: str, at: datetime) -> None:
        tag = "T" if kind == "theft_detected" else "V"
        self.extra.append({"type": kind, "id": f"{self.cid}-{tag}1", "at": at.isoformat()})

    def installation(self, d: date) -> None:
        inst = f"{self.cid}-I1"
        self.extra.append(
            {
                "type": "installation_archived",
                "id": inst,
                "at": _at(d, 10).isoformat(),
                "business": "new",
            }
        )
        self.extra.append(
            {
                "type": "callback_completed",
                "id": f"{self.cid}-CB1",
                "at": _at(d + timedelta(days=1), 14, 30).isoformat(),
                "for_event": inst,
            }
        )


# --- history ---------------------------------------------------------------------------


def _months(first: date, last: date) -> list[date]:
    out: list[date] = []
    while first <= last:
        out.append(first)
        first += relativedelta(months=1)
    return out


def _fill_kwh(plan: _Plan, months: list[date]) -> None:
    for m in months:
        k = plan.base_kwh * _SEASON[m.month - 1] * plan.rng.uniform(0.92, 1.08)
        if plan.connected is not None and m == plan.connected.replace(day=1):
            k *= 1 - (plan.connected.day - 1) / 30  # first month: part of a month
        plan.kwh[m] = Decimal(repr(round(k, 2))).quantize(_CENT)


def _exact_year(plan: _Plan, year: int, total: Decimal) -> None:
    """Previous-year consumption summing to exactly ``total`` kWh."""
    months = [date(year, m, 1) for m in range(1, 13)]
    if plan.variant == 0:
        for m in months:
            plan.kwh[m] = total / 12
        return
    deltas = [Decimal(plan.rng.randint(1, 80_000)) / 100 for _ in range(6)]
    values = [Decimal(4000) + d for d in deltas] + [Decimal(4000) - d for d in deltas]
    plan.rng.shuffle(values)
    values[plan.rng.randrange(12)] -= Decimal(48000) - total
    for m, v in zip(months, values, strict=True):
        plan.kwh[m] = v.quantize(_CENT)


def _build_history(plan: _Plan) -> None:
    as_of_month = plan.as_of.replace(day=1)
    start = as_of_month - relativedelta(months=HISTORY_MONTHS)
    if plan.profile == "new_customer":
        plan.connected = plan.as_of - relativedelta(months=5 if plan.variant == 0 else 11)
        start = plan.connected.replace(day=1)
    last = as_of_month - relativedelta(months=1)
    if plan.profile == "future_events" and plan.variant == 0:
        last = as_of_month  # one bill and one month of consumption after as_of
    months = [] if plan.profile == "no_bills" else _months(start, last)
    _fill_kwh(plan, months)
    if plan.profile == "key_account_border":
        _exact_year(plan, plan.as_of.year - 1, Decimal("48000.00"))
    elif plan.profile == "key_account_below":
        _exact_year(plan, plan.as_of.year - 1, Decimal("47999.88"))
    plan.bills = [_Bill(f"{plan.cid}-B{m:%Y-%m}", m, plan.due_for(m)) for m in months]
    if plan.month_end_due and plan.profile == "over_1m" and not _over_1m_dues(plan):
        # Month-end dues leave no bill between 1 and 2 months overdue when a 30-day
        # month precedes a 31-day cutoff (06-30 + 2 months = 08-30 < 08-31): use the 15th.
        plan.month_end_due = False
        plan.bills = [_Bill(b.id, b.period, plan.due_for(b.period)) for b in plan.bills]
    if plan.profile == "named_payment":  # the disputed bill is not larger than the last one due
        old = _named_old(plan)
        newest = plan.pick(lambda d: d <= plan.cutoff, last=True)
        lo, hi = plan.kwh[plan.bills[old].period], plan.kwh[plan.bills[newest].period]
        plan.kwh[plan.bills[old].period] = min(lo, (hi * Decimal("0.85")).quantize(_CENT))
    for b in plan.bills:
        b.amount = _money(plan.kwh[b.period] * plan.tariff + plan.fixed)


def _named_old(plan: _Plan) -> int:
    c = plan.cutoff
    if plan.variant == 0:
        return plan.pick(lambda d: d + relativedelta(months=2) < c, last=True)
    return _first_over_1m(plan)


def _over_1m_dues(plan: _Plan) -> list[int]:
    c = plan.cutoff
    return [
        i
        for i, b in enumerate(plan.bills)
        if b.due + relativedelta(months=1) < c <= b.due + relativedelta(months=2)
    ]


def _first_over_1m(plan: _Plan) -> int:
    return _over_1m_dues(plan)[0]


def _payments(plan: _Plan) -> None:
    p, v, c, bills, rng = plan.profile, plan.variant, plan.cutoff, plan.bills, plan.rng
    everything = range(len(bills))
    if p in ("gap", "over_1m", "over_2m", "payment_after_cutoff"):
        if p == "gap":
            k = plan.pick(lambda d: d <= c <= d + relativedelta(months=1), last=True)
        elif p == "over_2m":
            k = plan.pick(lambda d: d + relativedelta(months=2) < c, last=True) - 3 * v
        else:
            k = _first_over_1m(plan)
        plan.pay_on_time(range(k))
        if p == "payment_after_cutoff":
            upto = len(bills) if v == 0 else plan.pick(lambda d: d <= c, last=True) + 1
            day = c + timedelta(days=max(1, min(5, (plan.as_of - c).days - 1)))
            at = _at(day, 10, 15) if v == 0 and day < plan.as_of else _at(c + timedelta(1), 0, 5)
            plan.pay(at, sum((b.amount for b in bills[k:upto]), Decimal(0)))
            plan.pay_on_time(range(upto, len(bills)))
    elif p in ("late_once_in_year", "late_before_year"):
        if p == "late_once_in_year":
            lo, hi = c - relativedelta(months=11), c - relativedelta(months=1)
            window = [i for i, b in enumerate(bills) if lo <= b.due <= hi]
        else:
            window = [i for i, b in enumerate(bills) if b.due <= c - relativedelta(months=13)]
        j = rng.choice(window)
        plan.pay_on_time(i for i in everything if i != j)
        if p == "late_once_in_year" and v == 1:
            late = _at(bills[j].due + timedelta(days=1), 8, 30)
        else:
            late = plan.random_time(bills[j].due + timedelta(days=rng.randint(3, 12)))
        plan.pay(late, bills[j].amount, bills[j])
    elif p == "fifo_partial":
        lo, hi = c - relativedelta(months=10), c - relativedelta(months=2)
        x = rng.choice([i for i, b in enumerate(bills) if lo <= b.due <= hi])
        bx = bills[x]
        if v == 0:
            part = _money(bx.amount * Decimal(rng.choice(("0.5", "0.6", "0.7"))))
            plan.pay(plan.on_time(bx), part)
            plan.pay(plan.on_time(bills[x + 1]), bx.amount - part + bills[x + 1].amount)
            plan.pay_on_time(i for i in everything if i not in (x, x + 1))
        else:
            first, second = _money(bx.amount * Decimal("0.4")), _money(bx.amount * Decimal("0.3"))
            plan.pay(plan.random_time(bx.issued + timedelta(days=1)), first)
            plan.pay(plan.random_time(bx.issued + timedelta(days=7)), second)
            plan.pay(plan.random_time(bx.due + timedelta(days=5)), bx.amount - first - second)
            plan.pay_on_time(i for i in everything if i != x)
    elif p == "named_payment":
        old = _named_old(plan)
        plan.pay_on_time(i for i in everything if i != old)
    else:
        plan.pay_on_time(everything)


def _incidents(plan: _Plan) -> None:
    p, v, rng, a = plan.profile, plan.variant, plan.rng, plan.as_of
    if p == "theft_recent":
        if v == 0:
            d = a - relativedelta(months=20) + timedelta(days=rng.randint(0, 60))
            plan.incident("theft_detected", plan.random_time(d))
        elif v == 1:
            plan.incident("theft_detected", _at(a - relativedelta(years=3), AS_OF_TIME.hour + 1))
        else:
            plan.incident("theft_detected", _at(a - timedelta(days=2), 14, 20))
    elif p == "violation_recent":
        d = a - relativedelta(months=15 if v == 0 else 23) + timedelta(days=rng.randint(0, 30))
        plan.incident("violation_recorded", plan.random_time(d))
    elif p == "violation_old":
        if v == 0:
            d = a - relativedelta(years=4) + timedelta(days=rng.randint(0, 30))
            plan.incident("violation_recorded", plan.random_time(d))
        else:
            d = a - relativedelta(years=3) - timedelta(days=1)
            plan.incident("violation_recorded", _at(d, 15))
    elif p == "future_events":
        if v == 0:
            plan.incident("theft_detected", _at(a + timedelta(days=1), 10))
            future_bill = plan.bills[-1]
            plan.pay(_at(future_bill.due - timedelta(days=10), 10), future_bill.amount)
        else:
            plan.incident("violation_recorded", _at(a, AS_OF_TIME.hour + 1))
    elif p == "new_customer":
        assert plan.connected is not None
        plan.installation(plan.connected)
    elif p == "no_bills" and v == 1:
        plan.installation(a - timedelta(days=12))


def _events(plan: _Plan) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [
        {
            "type": "bill_issued",
            "id": b.id,
            "period": f"{b.period:%Y-%m}",
            "amount": str(b.amount),
            "due": b.due.isoformat(),
        }
        for b in plan.bills
    ]
    first_kwh = date(plan.as_of.year - 1, 1, 1)
    out += [
        {
            "type": "monthly_consumption",
            "id": f"{plan.cid}-K{m:%Y-%m}",
            "month": f"{m:%Y-%m}",
            "kwh": str(k),
        }
        for m, k in sorted(plan.kwh.items())
        if m >= first_kwh
    ]
    for n, (at, amount, bill_id) in enumerate(sorted(plan.pays, key=lambda t: t[0]), 1):
        pay: dict[str, Any] = {
            "type": "payment_received",
            "id": f"{plan.cid}-P{n:02d}",
            "at": at.isoformat(),
            "amount": str(amount),
        }
        if bill_id is not None:
            pay["bill_id"] = bill_id
        out.append(pay)
    out += plan.extra
    out.sort(key=lambda e: (_known_at(e), _TYPE_RANK.get(e["type"], 9), e["id"]))
    return [{"customer_id": plan.cid, **e} for e in out]


def _known_at(event: dict[str, Any]) -> str:
    """Sort key: the instant the event became known (bills: the next month's first day)."""
    month = event.get("period") or event.get("month")
    if month is not None:
        first = date.fromisoformat(f"{month}-01") + relativedelta(months=1)
        return _at(first, 0).isoformat()
    return str(event["at"])


# --- the sample ------------------------------------------------------------------------


@dataclass(frozen=True)
class GeneratedSample:
    """Customers, the flat event table, and per-customer profile and expectations."""

    customers: list[dict[str, Any]]
    events: list[dict[str, Any]]
    profiles: dict[str, str]
    expected: dict[str, dict[str, Any]]


def _slots(n: int, rng: random.Random) -> list[tuple[str, int, str | None]]:
    depth = max(len(v) for v in PROFILE_VARIANTS.values())
    base = [(p, v, None) for v in range(depth) for p, vs in PROFILE_VARIANTS.items() if v < len(vs)]
    fill: list[tuple[str, int, str | None]] = []
    for i in range(max(0, n - len(base))):
        if i < len(FLAVOURS):
            fill.append(("punctual", 0, FLAVOURS[i]))
        else:
            prof = rng.choices(("punctual", "late_once_in_year", "late_before_year"), (7, 2, 1))[0]
            fill.append((prof, 0, None))
    slots = (base + fill)[:n]
    rng.shuffle(slots)
    return slots


def _expected(plan: _Plan, events: list[dict[str, Any]]) -> dict[str, Any]:
    variant = PROFILE_VARIANTS[plan.profile][plan.variant]
    year = str(plan.as_of.year - 1)
    as_of = _at(plan.as_of, AS_OF_TIME.hour, AS_OF_TIME.minute).isoformat()
    kwh = [
        Decimal(e["kwh"])
        for e in events
        if e["type"] == "monthly_consumption" and e["month"].startswith(year)
    ]
    return {
        "profile": plan.profile,
        "variant": plan.variant,
        "grade": variant.grade,
        "rule_id": variant.rule_id,
        "provisional": variant.provisional,
        "key_account_general": bool(kwh) and sum(kwh) / len(kwh) >= 4000,
        "important": plan.customer.get("org_type") in IMPORTANT_ORG_TYPES,
        "events_after_as_of": sum(1 for e in events if _known_at(e) > as_of),
        "note": variant.note,
    }


def build_sample(
    n_customers: int = N_CUSTOMERS, *, seed: int = SEED, as_of: date = AS_OF
) -> GeneratedSample:
    """Generate the sample with each customer's profile and expected outcome.

    The first customers drawn cover every variant of every profile (at least
    two customers per profile when ``n_customers >= 39``); the rest are mostly
    punctual, with every ``org_type`` and flag represented.
    """
    rng = random.Random(seed)
    customers: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    profiles: dict[str, str] = {}
    expected: dict[str, dict[str, Any]] = {}
    for i, (profile, variant, flavour) in enumerate(_slots(n_customers, rng), 1):
        cid = f"C{i:04d}"
        own = random.Random(rng.getrandbits(64))
        customer, tariff, fixed, base = customer_attributes(cid, profile, variant, flavour, own)
        plan = _Plan(cid, profile, variant, own, as_of, customer, tariff, fixed, base)
        plan.month_end_due = variant == 1 and profile in ("punctual", "gap", "over_1m")
        plan.names_bills = profile == "named_payment" or (
            profile not in ("fifo_partial", "payment_after_cutoff") and own.random() < 0.3
        )
        _build_history(plan)
        _payments(plan)
        _incidents(plan)
        own_events = _events(plan)
        customers.append(customer)
        events += own_events
        profiles[cid] = profile
        expected[cid] = _expected(plan, own_events)
    return GeneratedSample(customers, events, profiles, expected)


def generate_sample(
    n_customers: int = N_CUSTOMERS, *, seed: int = SEED, as_of: date = AS_OF
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``(customers, events)`` as JSON-ready dicts in the DESIGN.md format.

    Each event also carries ``customer_id`` so the events form one flat table;
    use :func:`events_by_customer` to get per-customer histories for
    ``parse_events``.
    """
    sample = build_sample(n_customers, seed=seed, as_of=as_of)
    return sample.customers, sample.events


def sample_profiles(
    n_customers: int = N_CUSTOMERS, *, seed: int = SEED, as_of: date = AS_OF
) -> dict[str, str]:
    """Customer id → profile name for the same arguments of :func:`generate_sample`."""
    return build_sample(n_customers, seed=seed, as_of=as_of).profiles


def events_by_customer(events: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Group a flat event table by ``customer_id``, dropping that key.

    Order is kept; the result's dicts are new, ready for ``parse_events``.
    """
    grouped: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        rest = {k: v for k, v in event.items() if k != "customer_id"}
        grouped.setdefault(str(event["customer_id"]), []).append(rest)
    return grouped
